// Package oncall says who is on call and pages them: the escalation half of the conversation
// engine's SLAs. A high or critical conversation pages the on-call person of whichever region
// is on shift, re-pages the next region (follow-the-sun order) if nobody acknowledges in time,
// and the engine measures the time to a human's first response.
//
// A [Rota] (parsed from YAML by [ParseRota]) lists regions, each with a time zone, weekly
// shifts in local time, and people who rotate weekly from an anchor date, with overrides by
// date. [Rota.OnCall] answers who is on call at an instant; [Rota.Chain] lays out the paging
// order with the time each step is due if nobody has acknowledged. Both are pure: time comes
// in as an argument.
//
// A [Notifier] sends one [Page] to one [Target]. [HTTPNotifier] speaks three contracts: a
// generic outgoing webhook (JSON, HMAC-SHA256 signature, Idempotency-Key), a chat tool's
// incoming webhook (Slack's documented {"text": ...} format and error bodies), and e-mail
// through an SMTP relay. [Deliver] retries one target with exponential backoff and jitter,
// honouring Retry-After, and returns the attempts and the final error so the caller can record
// the failure. [PagePerson] pages all of a person's targets at once; [Due] tells the engine
// which steps of a chain fall due and when to look again. [Retryable] tells transient
// failures (5xx, 408, 429, timeouts, refused connections, SMTP 4xx) from permanent ones
// (other HTTP statuses, redirects, SMTP 5xx, refused certificates, missing configuration).
//
// Limits: acknowledgement is not detected here; it reaches the engine through its API, and
// the engine stops walking the chain. There is no phone call or SMS, no two-way chat
// integration (buttons, slash commands), and no global de-duplication: the Idempotency-Key
// header and the e-mail Message-ID (both from [Page.ID]) let receivers drop repeats. Error
// texts never contain a target's URL (incoming-webhook URLs are secrets) nor the signing
// secret. Shifts are weekly; holidays are expressed as overrides.
package oncall
