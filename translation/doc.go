// Package translation translates customer messages and agents' replies through a
// configured machine-translation provider, keeps a glossary per business domain, and
// caches what it has translated.
//
// # Providers
//
// A [Translator] takes a batch of texts, a source language (BCP-47, or "" to let the
// provider detect it), a target language and a glossary domain. Four adapters speak
// real, documented APIs:
//
//   - [DeepL]: DeepL API v2, POST {base}/v2/translate. Glossaries are passed natively:
//     the adapter creates a DeepL glossary once per domain and language pair
//     (POST {base}/v2/glossaries) and reuses its id.
//   - [Google]: Google Cloud Translation v2 (Basic), POST {base}/language/translate/v2.
//     v2 takes no glossaries: they are enforced on the output.
//   - [LibreTranslate]: POST {base}/translate. No glossaries: enforced on the output.
//   - [OpenAI]: any OpenAI-compatible chat-completions endpoint,
//     POST {base}/v1/chat/completions (through provider/chat), asked for a faithful translation only at
//     temperature 0, with the glossary's terms listed as required renderings; the
//     output is then checked like the others' (a model may still stray).
//
// [FromConfig] picks one from [Settings], which the core fills from the environment:
//
//	MERIDIAN_TRANSLATE_PROVIDER  "", "deepl", "google", "libretranslate" or "openai"
//	MERIDIAN_TRANSLATE_URL       base URL; empty means the provider's public endpoint
//	                             (DeepL: https://api-free.deepl.com for keys ending ":fx",
//	                             else https://api.deepl.com; Google:
//	                             https://translation.googleapis.com; OpenAI:
//	                             https://api.openai.com; LibreTranslate has none: required)
//	MERIDIAN_TRANSLATE_KEY       the API key (optional for a self-hosted LibreTranslate)
//	MERIDIAN_TRANSLATE_MODEL     the chat model (openai only; required there)
//
// [SettingsFromEnv] reads them. With no provider, FromConfig returns a nil Translator
// and no error: callers treat nil as "no translation" and nothing pretends to
// translate; messages show their detected language and replies come from localised
// templates.
//
// # Agents and customers
//
// [ForAgent] renders a customer's message for an agent: the original always, its
// language, and the translation when there is one, or a Note saying why not; a failure
// never holds the message back. [ForCustomer] translates an agent's reply into the
// customer's language, or answers [ErrNotConfigured] so that the caller uses a
// localised template instead.
//
// # Errors
//
// A provider that fails answers a [*ProviderError] (status, provider code, message,
// whether a retry may succeed, and the Retry-After the provider asked for) that wraps
// one of the kinds [ErrQuota], [ErrRateLimited], [ErrUnsupported], [ErrAuth],
// [ErrTimeout] or [ErrBadResponse], so callers test with errors.Is and read details
// with errors.As. Each call is bounded by Config.Timeout (10 s unless set); a deadline
// becomes ErrTimeout. Adapters never retry by themselves: the caller decides, with
// [Retryable]. [Logged] logs failures (never the texts) so that the caller can let the
// message flow on untranslated; [Reason] words an error for the agent's view.
//
// # Glossaries
//
// Glossaries are YAML files embedded from glossaries/ (finance, ecommerce,
// medical-devices), mapping source terms to required target renderings per language
// pair; see [Glossaries] and [Enforce] for the format and the rules. Terminology comes
// from the official bilingual texts of EU law, the reference for regulated consumer
// communication in the EU: Directive 2008/48/EC (consumer credit) and the German Civil
// Code's official English translation (§§ 488, 491 BGB) for finance, Directive
// 2011/83/EU (consumer rights) for e-commerce, Regulation (EU) 2017/745 (MDR) for
// medical devices. In those texts Darlehen is "loan" (Darlehensvertrag, "loan
// contract/agreement") and Kredit is "credit" (Kreditvertrag, "credit agreement"), so
// the finance glossary keeps the two apart that way.
//
// # Cache
//
// [Cached] wraps a Translator with a [CacheStore] keyed by [CacheKey]: provider,
// source, target, domain (with a digest of that domain's glossary, so a glossary edit
// invalidates), formality and the SHA-256 of the text, plus the region and customer
// the text belongs to, taken from the context ([WithScope]). A request without a scope
// is not cached: an entry that belongs to nobody could not be erased with anybody.
// [MemoryCache] is the in-process store used in tests. The PostgreSQL store
// (store/postgres.TranslationCache, table region_<r>.translations) does what a store must:
//
//   - keep each entry in the database of the customer's region (Scope.Region), never
//     elsewhere; entries are not shared between customers, so a cache hit reveals
//     nothing about another customer's messages;
//   - seal the value (and may seal nothing else: the key holds only a digest) with the
//     customer's data key, like other personal fields, so crypto-shredding the customer
//     makes cached translations unreadable;
//   - delete the customer's entries when the customer is erased (the rows' deletion is
//     part of the erasure command still to come; the key's deletion already makes them
//     unreadable), and treat a value it can no longer unseal as a miss, not an error;
//   - return (value, true, nil) for a hit, ("", false, nil) for a miss, and an error
//     only when the store itself fails (Cached then translates without the cache).
package translation
