package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/commerce"
)

// setting is one configuration knob: a flag and the MERIDIAN_* (or conventional) environment
// variable behind it. The table in README.md is generated from the same list (meridian config).
type setting struct {
	flag, env, def, help string
}

var settings = []setting{
	{"addr", "MERIDIAN_ADDR", "127.0.0.1:8080", "HTTP listen address"},
	{"data-dir", "MERIDIAN_DATA_DIR", "./var", "where the embedded broker, chDB, PostgreSQL and secrets keep their files"},
	{"api-keys", "MERIDIAN_API_KEYS", "", "comma-separated KEY[:ROLE[:REGION+REGION[:TENANT]]]; empty = a development key is made and printed"},
	{"tenant", "MERIDIAN_TENANT", "default", "tenant of keys that name none"},
	{"residency-policy", "MERIDIAN_RESIDENCY_POLICY", "", "residency policy YAML (empty = models/residency.default.yaml)"},
	{"retention-policy", "MERIDIAN_RETENTION_POLICY", "", "retention policy YAML: how long each kind of data is kept per customer country, with a default (empty = models/retention.default.yaml: German conversations 6 months, others 3 years)"},
	{"field-policy", "MERIDIAN_FIELD_POLICY", "", "personal-data policy YAML: how each role sees each field through the compliance gate (clear, masked or hidden; k for mined phrases and examples), with overrides per residency region (empty = compliance/fields.default.yaml: the table below). A bad file stops serve"},
	{"retention-every", "MERIDIAN_RETENTION_EVERY", "1h", "how often serve deletes the data the retention policy no longer allows, in ClickHouse and PostgreSQL (0 = never; GraphQL applyRetention runs it now)"},
	{"kafka-brokers", "MERIDIAN_KAFKA_BROKERS", "", "Apache Kafka bootstrap servers host:port,...; empty = embedded broker"},
	{"kafka-sasl-mechanism", "MERIDIAN_KAFKA_SASL_MECHANISM", "", "SASL mechanism for MERIDIAN_KAFKA_BROKERS: SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN (PLAIN only with MERIDIAN_KAFKA_TLS); empty = none. The embedded broker always requires SCRAM-SHA-512 with a password generated into <data-dir>/secrets/kafka-password"},
	{"kafka-username", "MERIDIAN_KAFKA_USERNAME", "", "SASL user on MERIDIAN_KAFKA_BROKERS"},
	{"kafka-password", "MERIDIAN_KAFKA_PASSWORD", "", "SASL password on MERIDIAN_KAFKA_BROKERS"},
	{"kafka-tls", "MERIDIAN_KAFKA_TLS", "false", "connect to MERIDIAN_KAFKA_BROKERS over TLS (implied by a CA or client certificate below)"},
	{"kafka-tls-ca", "MERIDIAN_KAFKA_TLS_CA", "", "PEM file of the CA(s) that signed the brokers' certificates; empty = the system's roots"},
	{"kafka-tls-cert", "MERIDIAN_KAFKA_TLS_CERT", "", "PEM client certificate for mutual TLS (with MERIDIAN_KAFKA_TLS_KEY)"},
	{"kafka-tls-key", "MERIDIAN_KAFKA_TLS_KEY", "", "PEM private key of MERIDIAN_KAFKA_TLS_CERT"},
	{"kafka-partitions", "MERIDIAN_KAFKA_PARTITIONS", "0", "partitions of each region's events topic when Meridian creates it (0 = 1 on the embedded broker, whose single log loop gains nothing from more; 6 on Kafka)"},
	{"kafka-replication", "MERIDIAN_KAFKA_REPLICATION", "0", "replication factor of topics Meridian creates (0 = broker default)"},
	{"kafka-value-format", "MERIDIAN_KAFKA_VALUE_FORMAT", "protobuf", "how ingest writes events on the topics: protobuf (schemas/events/v1/event.proto: 36% smaller than JSON on the demo traffic and cheaper to write and read, BENCHMARKS.md) or json (event.schema.json, for other consumers that read JSON); sinks read both"},
	{"broker-fsync", "MERIDIAN_BROKER_FSYNC", "false", "embedded broker: fsync every produce before acknowledging it. Without it an acknowledged event is in the log file (the OS page cache) and survives a crash of Meridian, not a power loss — Kafka's own default"},
	{"clickhouse-addrs", "MERIDIAN_CLICKHOUSE_ADDRS", "", "ClickHouse native host:port,...; empty = chDB in-process. MERIDIAN_CLICKHOUSE_ADDRS_<REGION> overrides per region"},
	{"clickhouse-user", "MERIDIAN_CLICKHOUSE_USER", "default", "ClickHouse user"},
	{"clickhouse-password", "MERIDIAN_CLICKHOUSE_PASSWORD", "", "ClickHouse password"},
	{"clickhouse-cluster", "MERIDIAN_CLICKHOUSE_CLUSTER", "", "ClickHouse cluster name: DDL ON CLUSTER, Replicated + Distributed tables"},
	{"database-url", "DATABASE_URL", "", "PostgreSQL (15 or newer) URL; empty = a local cluster under the data directory"},
	{"master-key", "MERIDIAN_MASTER_KEY", "", "base64 32-byte key wrapping customers' data keys; empty = generated into <data-dir>/secrets"},
	{"max-future", "MERIDIAN_MAX_FUTURE", "24h", "how far after its arrival an event's occurred_at may lie; later events are refused with 400 naming occurred_at"},
	{"sink-max-wait", "MERIDIAN_SINK_MAX_WAIT", "500ms", "longest an event waits for its batch to fill; every chDB insert has a fixed cost of about 10 ms, so shorter is fresher but costs CPU"},
	{"sink-max-rows", "MERIDIAN_SINK_MAX_ROWS", "20000", "rows per ClickHouse insert at most"},
	{"forecast-refresh-every", "MERIDIAN_FORECAST_REFRESH_EVERY", "1h", "how often serve refreshes the stored forecasts from ClickHouse (0 = never)"},
	{"insights-min-customers", "MERIDIAN_INSIGHTS_MIN_CUSTOMERS", "5", "k of the compliance gate for the field policy's rules that give none: a phrase, theme or example mined from messages is shown only when at least this many distinct customers wrote it (at least 2; a request's minSupport can raise it, never lower it)"},
	{"query-timeout", "MERIDIAN_QUERY_TIMEOUT", "30s", "deadline of every GraphQL request: its resolvers' queries are cancelled then and it answers that it timed out (a client that disconnects cancels them at once)"},
	{"read-timeout", "MERIDIAN_READ_TIMEOUT", "60s", "longest the server waits for a request's headers and body (headers alone: at most 10s); a body that never finishes is cut off and its connection closed"},
	{"idle-timeout", "MERIDIAN_IDLE_TIMEOUT", "120s", "how long a kept-alive connection may wait for its next request"},
	{"graphql-rate", "MERIDIAN_GRAPHQL_RATE", "20", "GraphQL requests per second per API key (token bucket; over it: 429 with Retry-After); 0 = unlimited"},
	{"graphql-burst", "MERIDIAN_GRAPHQL_BURST", "40", "GraphQL requests one API key may make at once before --graphql-rate applies"},
	{"ingest-rate", "MERIDIAN_INGEST_RATE", "10000", "POST /v1/events requests (not events) per second per API key; 0 = unlimited. The default is 5x what make bench-ingest sends"},
	{"ingest-burst", "MERIDIAN_INGEST_BURST", "10000", "/v1/events requests one API key may make at once before --ingest-rate applies"},
	{"default-country", "MERIDIAN_DEFAULT_COUNTRY", "US", "country (ISO 3166-1) of a channel customer whose phone number and channel market say nothing: it places their events in a residency region"},
	{"channel-markets", "MERIDIAN_CHANNEL_MARKETS", "", "country each channel account serves, CHANNEL[:ACCOUNT]=CC,... (e.g. line=JP,whatsapp:1234567890=BR): a customer without a phone number is placed there"},
	{"order-number-pattern", "MERIDIAN_ORDER_NUMBER_PATTERN", "", "regular expression (Go syntax) of the shop's order numbers, e.g. \\b(SO-\\d{6})\\b: an order number quoted in messages links the identities quoting it into one customer; empty = not looked for"},
	{"stt-base-url", "MERIDIAN_STT_BASE_URL", "", "OpenAI-compatible speech-to-text server (POST {url}/v1/audio/transcriptions: OpenAI, whisper.cpp's or a faster-whisper server) that transcribes customers' voice notes; empty = a voice note reaches agents as audio with a note saying it was not transcribed"},
	{"stt-api-key", "MERIDIAN_STT_API_KEY", "", "Bearer key of MERIDIAN_STT_BASE_URL (optional for a local server)"},
	{"stt-model", "MERIDIAN_STT_MODEL", "whisper-1", "transcription model asked of MERIDIAN_STT_BASE_URL"},
	{"stt-timeout", "MERIDIAN_STT_TIMEOUT", "8s", "longest a webhook delivery waits for its voice notes to be downloaded and transcribed (WeChat's at most 4s, it delivers again after 5s); a note that takes longer reaches agents as audio with a note saying so"},
	{"meta-api-version", "MERIDIAN_META_API_VERSION", "v21.0", "Graph API version in WhatsApp, Messenger and Instagram requests"},
	{"whatsapp-app-secret", "MERIDIAN_WHATSAPP_APP_SECRET", "", "WhatsApp Cloud API app secret (verifies X-Hub-Signature-256); empty = WhatsApp off"},
	{"whatsapp-verify-token", "MERIDIAN_WHATSAPP_VERIFY_TOKEN", "", "token WhatsApp's webhook handshake (hub.verify_token) must present"},
	{"whatsapp-access-token", "MERIDIAN_WHATSAPP_ACCESS_TOKEN", "", "bearer token for sending WhatsApp messages"},
	{"whatsapp-api-base", "MERIDIAN_WHATSAPP_API_BASE", "https://graph.facebook.com", "WhatsApp Cloud API base URL"},
	{"whatsapp-template", "MERIDIAN_WHATSAPP_TEMPLATE", "", "approved template NAME[:LANGUAGE] sent when a reply falls outside WhatsApp's 24-hour window; empty = such replies fail with the reason"},
	{"messenger-app-secret", "MERIDIAN_MESSENGER_APP_SECRET", "", "Messenger app secret (verifies X-Hub-Signature-256); empty = Messenger off"},
	{"messenger-verify-token", "MERIDIAN_MESSENGER_VERIFY_TOKEN", "", "token Messenger's webhook handshake must present"},
	{"messenger-page-token", "MERIDIAN_MESSENGER_PAGE_TOKEN", "", "page access token for the Messenger Send API"},
	{"messenger-api-base", "MERIDIAN_MESSENGER_API_BASE", "https://graph.facebook.com", "Messenger Send API base URL"},
	{"instagram-app-secret", "MERIDIAN_INSTAGRAM_APP_SECRET", "", "Instagram app secret (verifies X-Hub-Signature-256); empty = Instagram off"},
	{"instagram-verify-token", "MERIDIAN_INSTAGRAM_VERIFY_TOKEN", "", "token Instagram's webhook handshake must present"},
	{"instagram-access-token", "MERIDIAN_INSTAGRAM_ACCESS_TOKEN", "", "access token for sending Instagram messages"},
	{"instagram-api-base", "MERIDIAN_INSTAGRAM_API_BASE", "https://graph.facebook.com", "Instagram messaging API base URL"},
	{"line-channel-secret", "MERIDIAN_LINE_CHANNEL_SECRET", "", "LINE channel secret (verifies X-Line-Signature); empty = LINE off"},
	{"line-access-token", "MERIDIAN_LINE_ACCESS_TOKEN", "", "LINE channel access token for reply and push"},
	{"line-api-base", "MERIDIAN_LINE_API_BASE", "https://api.line.me", "LINE Messaging API base URL"},
	{"telegram-secret-token", "MERIDIAN_TELEGRAM_SECRET_TOKEN", "", "secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (set with setWebhook); empty = Telegram off"},
	{"telegram-bot-token", "MERIDIAN_TELEGRAM_BOT_TOKEN", "", "Telegram bot token for sendMessage"},
	{"telegram-api-base", "MERIDIAN_TELEGRAM_API_BASE", "https://api.telegram.org", "Telegram Bot API base URL"},
	{"kakao-secret", "MERIDIAN_KAKAO_SECRET", "", "shared secret Kakao i Open Builder sends with each skill request (header X-Meridian-Kakao-Secret or ?secret=); empty = KakaoTalk off"},
	{"wechat-token", "MERIDIAN_WECHAT_TOKEN", "", "WeChat Official Account token (verifies signature); empty = WeChat off"},
	{"wechat-app-id", "MERIDIAN_WECHAT_APP_ID", "", "WeChat Official Account AppID"},
	{"wechat-app-secret", "MERIDIAN_WECHAT_APP_SECRET", "", "WeChat AppSecret, for the access token of customer-service messages"},
	{"wechat-aes-key", "MERIDIAN_WECHAT_AES_KEY", "", "WeChat EncodingAESKey (43 characters) for safe mode; empty = plain mode"},
	{"wechat-api-base", "MERIDIAN_WECHAT_API_BASE", "https://api.weixin.qq.com", "WeChat API base URL"},
	{"smtp-listen", "MERIDIAN_SMTP_LISTEN", "", "address of the SMTP listener that takes mail forwarded to Meridian (e.g. 127.0.0.1:2525); empty = off"},
	{"smtp-domain", "MERIDIAN_SMTP_DOMAIN", "localhost", "domain the SMTP listener announces and Message-IDs of sent mail use"},
	{"smtp-relay", "MERIDIAN_SMTP_RELAY", "", "host:port of the SMTP server e-mail replies are sent through; empty = e-mail replies off"},
	{"smtp-username", "MERIDIAN_SMTP_USERNAME", "", "user on MERIDIAN_SMTP_RELAY (and on the listener: empty = no authentication)"},
	{"smtp-password", "MERIDIAN_SMTP_PASSWORD", "", "password on MERIDIAN_SMTP_RELAY and the listener"},
	{"smtp-from", "MERIDIAN_SMTP_FROM", "", "From address of e-mail replies (the support mailbox)"},
	{"smtp-tls", "MERIDIAN_SMTP_TLS", "starttls", "how replies reach MERIDIAN_SMTP_RELAY: starttls, tls or none (none only to localhost)"},
	{"imap-addr", "MERIDIAN_IMAP_ADDR", "", "host:port of an IMAP mailbox polled for new mail (TLS); empty = off"},
	{"imap-username", "MERIDIAN_IMAP_USERNAME", "", "IMAP user"},
	{"imap-password", "MERIDIAN_IMAP_PASSWORD", "", "IMAP password"},
	{"imap-mailbox", "MERIDIAN_IMAP_MAILBOX", "INBOX", "IMAP mailbox polled"},
	{"imap-poll-every", "MERIDIAN_IMAP_POLL_EVERY", "30s", "how often the IMAP mailbox is polled"},
	{"imap-tls", "MERIDIAN_IMAP_TLS", "tls", "tls, starttls or none (none only to localhost)"},
	{"webchat-secret", "MERIDIAN_WEBCHAT_SECRET", "", "HMAC-SHA256 secret a shop signs signed-in shoppers' user ids with (identity verification); empty = web chat takes anonymous visitors only"},
	{"webchat-origins", "MERIDIAN_WEBCHAT_ORIGINS", "", "comma-separated origins allowed to open the web chat WebSocket (https://shop.example); empty = web chat off, * = any"},
	{"analysis", "MERIDIAN_ANALYSIS", "on", "on: every inbound message is analysed once on the stream (language, sentiment and emotions, urgency, intent; a message.analyzed event each) and analyzeText answers; the language models load in the background after start (~4 s, ~350 MB). off: neither, and the models are not loaded"},
	{"routing", "MERIDIAN_ROUTING", "on", "on: the conversation engine routes every new inbound message (once analysed, or as received with --analysis off) to the best available agent or its language's queue, and frees an agent's capacity when a conversation is resolved (a consumer group per region; state in PostgreSQL). off: nothing is routed"},
	{"sla-policy", "MERIDIAN_SLA_POLICY", "", "SLA policy YAML (conversation/sla: first response, next response and resolution targets per tier, channel and priority, optional business hours); empty = the shipped default (15 minutes to first response for URGENT, tighter for VIP)"},
	{"routing-learn-every", "MERIDIAN_ROUTING_LEARN_EVERY", "15m", "how often the conversation engine relearns from ClickHouse each agent's resolution rate, CSAT and handling time per intent and language, handling times and arrivals (the last 90 days); 0 learns nothing and routes on skills, languages and load alone"},
	{"sla-warn-before", "MERIDIAN_SLA_WARN_BEFORE", "5m", "how long before an SLA target's due time the conversation engine records sla.warning (once per target and clock) and the inbox shows the conversation as WARNING; a target shorter than this warns as its clock starts"},
	{"oncall-rota", "MERIDIAN_ONCALL_ROTA", "", "on-call rota YAML (conversation/oncall: regions with their time zone, shifts, people and how to reach them: webhook, slack incoming webhook, email); escalated conversations page the on-shift region's person, then the next regions' until someone acknowledges; empty = nobody is paged"},
	{"oncall-ack-timeout", "MERIDIAN_ONCALL_ACK_TIMEOUT", "10m", "how long a page waits for an acknowledgement (acknowledgePage) before the next region's person is paged"},
	{"oncall-webhook-secret", "MERIDIAN_ONCALL_WEBHOOK_SECRET", "", "secret that signs pages sent to webhook targets (header X-Meridian-Signature: t=<unix>,v1=<HMAC-SHA256>); webhook targets fail without it. E-mail pages go through MERIDIAN_SMTP_RELAY"},
	{"follow-the-sun", "MERIDIAN_FOLLOW_THE_SUN", "", "regions in the order the sun passes them (e.g. sea,eu,us): at an agent's or region's shift end, each open conversation whose language nobody on shift in its region writes is handed to the next region with someone on shift who does (conversation.handed_off, with a summary built from the analysis), and when nobody anywhere is, its customer is told once, in their language, when a person is back; empty = off"},
	{"analysis-workers", "MERIDIAN_ANALYSIS_WORKERS", "1", "messages analysed at once on the stream, all regions together; each takes up to a core (about 1,100 analyses/s): the analysis lags when ingest outruns it and catches up from the log, rather than taking the cores ingest needs"},
	{"language-high-accuracy", "MERIDIAN_LANGUAGE_HIGH_ACCURACY", "", "languages (ISO 639-1, comma-separated) detected with lingua-go's high-accuracy models on short messages: the markets' languages; empty = the demo markets' 17 (en,de,fr,es,it,nl,sv,pl,pt,ms,zh,th,id,vi,ja,ko,ar). Each costs 10-40 MB resident; the other 58 languages are detected in low accuracy"},
	{"translate-provider", "MERIDIAN_TRANSLATE_PROVIDER", "", "deepl, google (Cloud Translation v2), libretranslate or openai (any OpenAI-compatible chat-completions endpoint); empty = no translation: agents see messages with their detected language and replies come from localised templates"},
	{"translate-url", "MERIDIAN_TRANSLATE_URL", "", "the translation provider's base URL; empty = its public endpoint (required for libretranslate)"},
	{"translate-key", "MERIDIAN_TRANSLATE_KEY", "", "the translation provider's API key"},
	{"translate-model", "MERIDIAN_TRANSLATE_MODEL", "", "chat model of the openai translation provider"},
	{"translate-timeout", "MERIDIAN_TRANSLATE_TIMEOUT", "10s", "how long one translation request may take before the message is shown untranslated with a note"},
	{"llm-base-url", "MERIDIAN_LLM_BASE_URL", "", "OpenAI-compatible chat-completions endpoint (https://host[/v1]) that may refine each message's intent, sentiment, emotions and urgency; empty = the built-in models alone (the analysis says which)"},
	{"llm-api-key", "MERIDIAN_LLM_API_KEY", "", "bearer key of MERIDIAN_LLM_BASE_URL"},
	{"llm-model", "MERIDIAN_LLM_MODEL", "", "chat model of MERIDIAN_LLM_BASE_URL (required with it)"},
	{"llm-timeout", "MERIDIAN_LLM_TIMEOUT", "10s", "how long one refinement may take before the built-in analysis stands"},
	{"shopify-shop", "MERIDIAN_SHOPIFY_SHOP", "", "Shopify shop (acme or acme.myshopify.com) whose orders customers may ask about: status, tracking and returns through the Admin GraphQL API (package commerce); empty = Shopify off. One shop platform at most: Shopify or Magento"},
	{"shopify-access-token", "MERIDIAN_SHOPIFY_ACCESS_TOKEN", "", "Shopify Admin API access token (X-Shopify-Access-Token) with read_orders, read_customers and write_returns"},
	{"shopify-api-version", "MERIDIAN_SHOPIFY_API_VERSION", commerce.DefaultShopifyAPIVersion, "Shopify Admin API version in request paths (a stable quarterly release)"},
	{"shopify-base-url", "MERIDIAN_SHOPIFY_BASE_URL", "", "replaces https://{shop}.myshopify.com (a proxy, tests); empty = the shop's own"},
	{"magento-base-url", "MERIDIAN_MAGENTO_BASE_URL", "", "Magento 2 / Adobe Commerce shop URL (https://shop.example.com, or .../rest/<store code>) whose orders customers may ask about through its REST API; returns need Adobe Commerce's RMA; empty = Magento off"},
	{"magento-token", "MERIDIAN_MAGENTO_TOKEN", "", "Magento integration access token (Bearer) allowed to read orders and shipments and create returns"},
	{"salesforce-base-url", "MERIDIAN_SALESFORCE_BASE_URL", "", "Salesforce instance URL (https://MyDomain.my.salesforce.com) whose REST API gives a customer's tier, open cases and recent history (SOQL on Contact and Case); empty = no Salesforce. Configure Salesforce or Zendesk, not both"},
	{"salesforce-token", "MERIDIAN_SALESFORCE_TOKEN", "", "OAuth 2.0 access token for MERIDIAN_SALESFORCE_BASE_URL"},
	{"salesforce-tier-field", "MERIDIAN_SALESFORCE_TIER_FIELD", "", "Contact field or relationship path holding the customer's tier (e.g. Tier__c or Account.Tier__c), mapped by MERIDIAN_CRM_TIER_VALUES; empty = the tier comes from the cases alone (returning with cases on record, else new)"},
	{"salesforce-api-version", "MERIDIAN_SALESFORCE_API_VERSION", "v62.0", "Salesforce REST API version (/services/data/vXX.X)"},
	{"zendesk-base-url", "MERIDIAN_ZENDESK_BASE_URL", "", "Zendesk Support URL (https://SUBDOMAIN.zendesk.com) whose API gives a customer's tier, open tickets and recent history; empty = MERIDIAN_ZENDESK_SUBDOMAIN, or no Zendesk"},
	{"zendesk-subdomain", "MERIDIAN_ZENDESK_SUBDOMAIN", "", "Zendesk subdomain, when MERIDIAN_ZENDESK_BASE_URL is empty"},
	{"zendesk-email", "MERIDIAN_ZENDESK_EMAIL", "", "e-mail of the Zendesk agent owning MERIDIAN_ZENDESK_API_TOKEN (Basic auth EMAIL/token:TOKEN)"},
	{"zendesk-api-token", "MERIDIAN_ZENDESK_API_TOKEN", "", "Zendesk API token"},
	{"zendesk-tier-field", "MERIDIAN_ZENDESK_TIER_FIELD", "tags", "where Zendesk keeps the tier: tags (the first user tag naming a tier), user_fields.KEY or organization_fields.KEY"},
	{"crm-tier-values", "MERIDIAN_CRM_TIER_VALUES", "", "the CRM's tier values as Meridian's tiers, VALUE=vip|returning|new,... (e.g. Gold=vip,Silver=returning); vip, returning and new map to themselves, other values count as no tier"},
	{"crm-timeout", "MERIDIAN_CRM_TIMEOUT", "10s", "how long one CRM request may take (rate limits and server errors are retried up to 3 times, honouring Retry-After up to 30s)"},
	{"payments-provider", "MERIDIAN_PAYMENTS_PROVIDER", "", "refunds and payment links: sepa (SEPA credit transfers over a Berlin Group NextGenPSD2 payment-initiation API, EUR) or grabpay (a GrabPay-like wallet partner API); empty = none"},
	{"payments-base-url", "MERIDIAN_PAYMENTS_BASE_URL", "", "the bank's XS2A root (sepa) or the wallet's partner API (grabpay; empty = https://partner-api.grab.com)"},
	{"payments-token", "MERIDIAN_PAYMENTS_TOKEN", "", "sepa: OAuth 2.0 access token of the bank's XS2A interface"},
	{"payments-account-iban", "MERIDIAN_PAYMENTS_ACCOUNT_IBAN", "", "sepa: the merchant's IBAN, which refunds are paid from and payment links pay to"},
	{"payments-account-bic", "MERIDIAN_PAYMENTS_ACCOUNT_BIC", "", "sepa: the merchant's BIC (optional)"},
	{"payments-account-name", "MERIDIAN_PAYMENTS_ACCOUNT_NAME", "", "sepa: the merchant's account holder name"},
	{"payments-psu-ip", "MERIDIAN_PAYMENTS_PSU_IP", "", "sepa: PSU-IP-Address sent with payment initiations (the server's public address); empty = 127.0.0.1"},
	{"payments-redirect-uri", "MERIDIAN_PAYMENTS_REDIRECT_URI", "", "where a customer returns after paying a payment link (TPP-Redirect-URI, GrabPay redirect_uri)"},
	{"payments-partner-id", "MERIDIAN_PAYMENTS_PARTNER_ID", "", "grabpay: partner id of the HMAC signature"},
	{"payments-partner-secret", "MERIDIAN_PAYMENTS_PARTNER_SECRET", "", "grabpay: partner secret of the HMAC signature"},
	{"payments-merchant-id", "MERIDIAN_PAYMENTS_MERCHANT_ID", "", "grabpay: merchant id"},
	{"payments-client-id", "MERIDIAN_PAYMENTS_CLIENT_ID", "", "grabpay: OAuth client id of the payment page (payment links)"},
	{"payments-country", "MERIDIAN_PAYMENTS_COUNTRY", "SG", "grabpay: market of the payment page (SG, MY, PH, TH, VN or ID)"},
	{"payments-max-amount", "MERIDIAN_PAYMENTS_MAX_AMOUNT", "1000000", "largest refund or payment link, in the currency's minor units (1000000 = 10,000.00 EUR); larger ones are refused before any request"},
	{"payments-timeout", "MERIDIAN_PAYMENTS_TIMEOUT", "15s", "how long one payment request may take; a retry after a timeout or a server error carries the same idempotency ids, so it never pays twice"},
	{"answer-min-confidence", "MERIDIAN_ANSWER_MIN_CONFIDENCE", "0.35", "0..1: answers (the answer query) below this confidence go to a human, with the attempted answer as a draft; confidence is how much of the question the best article covers, weighted by term rarity, discounted when a second article is nearly as good. Answers are worded by MERIDIAN_LLM_BASE_URL's model when set (checked against the article), else quoted from it"},
	{"ai-answers", "MERIDIAN_AI_ANSWERS", "on", "on: the conversation engine (--routing on) answers a new conversation's message from the knowledge base when the answer service is confident (the reply sent once through the channel; status bot) and hands it to a person otherwise, with its reasons (ai.action handed_to_agent); off: every message goes to a person"},
	{"ai-resolve-after", "MERIDIAN_AI_RESOLVE_AFTER", "30m", "how long a conversation the AI answered waits for the customer before the AI resolves it (its writing again asks the AI again, or a person)"},
	{"audit-anchor-every", "MERIDIAN_AUDIT_ANCHOR_EVERY", "10m", "how often serve anchors each region's audit trail (the head's seq and hash in audit_anchors, so that removing the log's tail is detected by meridian audit verify and verifyAuditLog); 0 = only when the server stops and on demand (meridian audit anchor)"},
	{"pprof-addr", "MERIDIAN_PPROF_ADDR", "", "serve Go's /debug/pprof profiles on this address (e.g. 127.0.0.1:6060); empty = off"},
	{"log-level", "MERIDIAN_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "MERIDIAN_LOG_FORMAT", "text", "text or json"},
}

// config holds resolved settings by flag name.
type config map[string]*string

// bindConfig registers every setting on fs; environment variables give the defaults.
func bindConfig(fs *flag.FlagSet) config {
	c := config{}
	for _, s := range settings {
		def := s.def
		if v, ok := os.LookupEnv(s.env); ok {
			def = v
		}
		c[s.flag] = fs.String(s.flag, def, s.help+" ("+s.env+")")
	}
	return c
}

func (c config) str(name string) string { return strings.TrimSpace(*c[name]) }

func (c config) list(name string) []string {
	var out []string
	for _, p := range strings.Split(c.str(name), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c config) int(name string) (int, error) {
	n, err := strconv.Atoi(c.str(name))
	if err != nil {
		return 0, fmt.Errorf("--%s: %q is not a number", name, c.str(name))
	}
	return n, nil
}

func (c config) bool(name string) (bool, error) {
	b, err := strconv.ParseBool(c.str(name))
	if err != nil {
		return false, fmt.Errorf("--%s: %q is not true or false", name, c.str(name))
	}
	return b, nil
}

func (c config) duration(name string) (time.Duration, error) {
	d, err := time.ParseDuration(c.str(name))
	if err != nil {
		return 0, fmt.Errorf("--%s: %q is not a duration such as 200ms", name, c.str(name))
	}
	return d, nil
}

// writeConfigTable prints the settings as the markdown table README.md carries.
func writeConfigTable(w io.Writer) {
	fmt.Fprintln(w, "| flag | environment | default | meaning |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = "—"
		}
		fmt.Fprintf(w, "| `--%s` | `%s` | `%s` | %s |\n", s.flag, s.env, def, s.help)
	}
}
