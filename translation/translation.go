package translation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/provider"
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

// The kinds of failure; a *ProviderError wraps one of them. Those every outside service
// shares are the provider package's, so errors.Is works whichever package reports them.
var (
	ErrQuota       = provider.ErrQuota
	ErrRateLimited = provider.ErrRateLimited
	ErrAuth        = provider.ErrAuth
	ErrTimeout     = provider.ErrTimeout
	ErrBadResponse = provider.ErrBadResponse
	ErrProvider    = provider.ErrProvider
	// ErrUnsupported: the provider does not translate this language pair (or format).
	ErrUnsupported = errors.New("unsupported language pair")
)

// ProviderError is a provider's failure, as it reported it (Service "translation").
type ProviderError = provider.Error

// Retryable says whether err is worth retrying later and after how long the provider
// asked to wait (0: unspecified). Adapters never retry by themselves.
func Retryable(err error) (bool, time.Duration) { return provider.Retryable(err) }

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

func validate(provider string, req Request) error {
	if strings.TrimSpace(req.Target) == "" {
		return &ProviderError{Service: "translation", Provider: provider, Kind: ErrUnsupported, Message: "no target language"}
	}
	return nil
}
