package translation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Translator translates a batch of texts.
type Translator interface {
	Translate(ctx context.Context, req Request) (Result, error)
}

// Request asks for the texts to be translated from Source to Target.
type Request struct {
	// Text is the batch; Result.Texts answers it in the same order.
	Text []string
	// Source is the texts' language as a BCP-47 tag, or "" for the provider to detect.
	Source string
	// Target is the wanted language as a BCP-47 tag.
	Target string
	// Domain names the glossary that applies ("finance", "ecommerce",
	// "medical-devices"), or "" for none.
	Domain string
	// Formality is "", "more" or "less", for the providers that take it (DeepL; the
	// OpenAI adapter words it into the prompt). Others ignore it.
	Formality string
}

// Result answers a Request.
type Result struct {
	// Texts are the translations, one per Request.Text.
	Texts []string
	// DetectedSource is the language the provider detected (lower-case BCP-47), when
	// Request.Source was "" and the provider says; with a batch, the first text's.
	DetectedSource string
	// Provider names who translated: "deepl", "google", "libretranslate", "openai", or
	// "cache" when every text came from the cache.
	Provider string
	// Violations lists the glossary terms the translation may not render as the
	// glossary requires and that could not be fixed safely; the agent should see them.
	Violations []Violation
}

// The kinds of failure; a *ProviderError wraps one of them.
var (
	// ErrQuota: the account's quota (characters, daily limit, credit) is used up; a retry
	// succeeds only after the quota resets or grows.
	ErrQuota = errors.New("quota exceeded")
	// ErrRateLimited: too many requests for now; retry after ProviderError.RetryAfter.
	ErrRateLimited = errors.New("rate limited")
	// ErrUnsupported: the provider does not translate this language pair (or format).
	ErrUnsupported = errors.New("unsupported language pair")
	// ErrAuth: the key is missing, wrong or not allowed to do this.
	ErrAuth = errors.New("not authorised")
	// ErrTimeout: no complete answer within the timeout.
	ErrTimeout = errors.New("timed out")
	// ErrBadResponse: an answer that is not what the provider's API documents.
	ErrBadResponse = errors.New("malformed response")
	// ErrProvider: any other refusal or failure of the provider.
	ErrProvider = errors.New("provider error")
)

// ProviderError is a provider's failure, as it reported it.
type ProviderError struct {
	Provider string
	// Status is the HTTP status, 0 when there was no answer (a timeout).
	Status int
	// Code is the provider's own error code or reason, when it gives one
	// ("dailyLimitExceeded", "insufficient_quota", ...).
	Code    string
	Message string
	// Retryable says whether the same request may succeed later (429, 5xx, timeouts).
	Retryable bool
	// RetryAfter is how long the provider asked to wait, 0 when it did not say.
	RetryAfter time.Duration
	// Kind is one of ErrQuota, ErrRateLimited, ErrUnsupported, ErrAuth, ErrTimeout,
	// ErrBadResponse or ErrProvider.
	Kind error
}

func (e *ProviderError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "translation: %s: %v", e.Provider, e.Kind)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, ", %s", e.Code)
		}
		b.WriteString(")")
	} else if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, "; retry after %s", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns the kind, so that errors.Is(err, ErrQuota) and the like work.
func (e *ProviderError) Unwrap() error { return e.Kind }

// Retryable says whether err is worth retrying later and after how long the provider
// asked to wait (0: unspecified). Adapters never retry by themselves.
func Retryable(err error) (bool, time.Duration) {
	var pe *ProviderError
	if errors.As(err, &pe) {
		return pe.Retryable, pe.RetryAfter
	}
	return errors.Is(err, ErrTimeout) || errors.Is(err, ErrRateLimited), 0
}

// Reason words err for an agent's view of a message that stayed untranslated, in
// English (the agent UI localises by key later); "" for a nil error.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	who := "the translation service"
	var pe *ProviderError
	if errors.As(err, &pe) && pe.Provider != "" {
		who = pe.Provider
	}
	switch {
	case errors.Is(err, ErrQuota):
		return "Not translated: " + who + " quota is used up."
	case errors.Is(err, ErrRateLimited):
		return "Not translated: " + who + " is busy (rate limited); try again shortly."
	case errors.Is(err, ErrTimeout):
		return "Not translated: " + who + " did not answer in time."
	case errors.Is(err, ErrUnsupported):
		return "Not translated: " + who + " does not translate this language pair."
	case errors.Is(err, ErrAuth):
		return "Not translated: " + who + " refused the configured key."
	case errors.Is(err, context.Canceled):
		return "Not translated: cancelled."
	default:
		return "Not translated: " + who + " failed."
	}
}

// Named is implemented by the adapters; the cache keys by the name.
type Named interface{ Name() string }

func nameOf(t Translator) string {
	if n, ok := t.(Named); ok {
		return n.Name()
	}
	return fmt.Sprintf("%T", t)
}

// primary returns the lower-case primary subtag of a BCP-47 tag ("de-AT" -> "de").
func primary(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

func validate(provider string, req Request) error {
	if strings.TrimSpace(req.Target) == "" {
		return &ProviderError{Provider: provider, Kind: ErrUnsupported, Message: "no target language"}
	}
	return nil
}
