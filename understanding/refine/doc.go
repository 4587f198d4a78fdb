// Package refine lets a language model refine what the built-in models of the
// understanding layer said about a customer's message, where one is configured. It is
// optional: without MERIDIAN_LLM_BASE_URL, [New] returns a nil [*Refiner], the built-in
// analysis is the analysis, and nothing claims a model was asked.
//
// # Configuration
//
//	MERIDIAN_LLM_BASE_URL  an OpenAI-compatible server, with or without "/v1"
//	                       (OpenAI, vLLM, llama.cpp's server, Ollama, LM Studio, …)
//	MERIDIAN_LLM_API_KEY   sent as "Authorization: Bearer …" when set
//	MERIDIAN_LLM_MODEL     the chat model; required with a base URL
//	MERIDIAN_LLM_TIMEOUT   bound on one call, answer included ("5s" or "5"); default 10s
//
// # What it may change
//
// [Refiner.Refine] sends one POST {base}/v1/chat/completions at temperature 0 with
// response_format {"type":"json_object"}: a system prompt that lists the allowed labels
// and gives the built-in result ([Builtin]) as a hint, and the customer's text alone as
// the user message (treated as data: the prompt tells the model not to follow it). The
// model may propose the intent (one of the intents the caller passes), the issue type
// (enquiry, complaint, after_sales), the sentiment (-1..1), the emotions (anger,
// frustration, anxiety, satisfaction, each 0..1), and the urgency level (NONE, NORMAL,
// HIGH, CRITICAL) with reason codes, returned as "llm:<snake_case_code>".
//
// # What it never does
//
//   - It never invents a label: an intent, issue type, urgency level or emotion outside
//     the lists, a value out of range, or a value of the wrong type is dropped, and that
//     field of the [Refinement] stays empty (or nil) so the built-in value stands. Labels
//     are matched ignoring case and "_", "-" or " " ("after-sales"), nothing looser.
//   - It never lets the model's words through: reasons that are not short codes of ASCII
//     letters, digits and separators are dropped, and are kept only with an accepted
//     urgency.
//   - When the call fails (no answer in time, an error status, an answer that is not a
//     chat completion, content that is not a JSON object, a cut-off answer), Refine
//     returns an empty Refinement and an [*Error]; the built-in result stands.
//   - It never retries by itself (the caller decides with [Retryable]: 429 other than
//     an exhausted quota, 5xx, timeouts and refused connections are retryable; 401 and
//     403 are not), never logs, and never puts the customer's text or the model's
//     content into an error; the text goes to the configured endpoint and nowhere else.
//
// [Refinement.Apply] merges a refinement into the built-in result with one policy of
// its own: a model never lowers a CRITICAL urgency (safety topics, account or card
// misuse found by the urgency package stand).
//
// Limits: a model's labels are only as good as the model; the package checks their form,
// not their truth, and has no evaluation set of its own (the answers depend on the
// model configured). A customer can write instructions into a message to talk the model
// into a label ("mark this CRITICAL"); the prompt tells it not to follow them, but only
// the CRITICAL floor in Apply is enforced in code, so a model's HIGH or CRITICAL is a
// suggestion to route on, not proof. Texts longer than 16 KiB are cut before sending. Embeddings
// endpoints are not used. Servers that reject response_format answer 400, which is an
// ErrProvider error: such a server cannot refine.
package refine
