package translation

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Settings choose the provider; the core fills them from MERIDIAN_TRANSLATE_PROVIDER,
// MERIDIAN_TRANSLATE_URL, MERIDIAN_TRANSLATE_KEY and MERIDIAN_TRANSLATE_MODEL.
type Settings struct {
	// Provider is "" (no translation), "deepl", "google", "libretranslate" or "openai".
	Provider string
	// URL is the provider's base URL; "" for its public endpoint.
	URL string
	// Key is the API key.
	Key string
	// Model is the chat model, for "openai".
	Model string

	// HTTPClient and Timeout are passed to the adapter (nil and 0: defaults).
	HTTPClient *http.Client
	Timeout    time.Duration
}

// SettingsFromEnv reads the MERIDIAN_TRANSLATE_* settings with getenv (os.Getenv).
func SettingsFromEnv(getenv func(string) string) Settings {
	return Settings{
		Provider: getenv("MERIDIAN_TRANSLATE_PROVIDER"),
		URL:      getenv("MERIDIAN_TRANSLATE_URL"),
		Key:      getenv("MERIDIAN_TRANSLATE_KEY"),
		Model:    getenv("MERIDIAN_TRANSLATE_MODEL"),
	}
}

// FromConfig returns the configured Translator, or nil and no error when no provider
// is configured: callers treat nil as "no translation", and nothing pretends to
// translate. A provider that cannot work as configured is an error at start-up rather
// than at the first message.
func FromConfig(s Settings) (Translator, error) {
	c := Config{BaseURL: strings.TrimSpace(s.URL), APIKey: strings.TrimSpace(s.Key), Model: strings.TrimSpace(s.Model),
		HTTPClient: s.HTTPClient, Timeout: s.Timeout}
	switch p := strings.ToLower(strings.TrimSpace(s.Provider)); p {
	case "", "none", "off":
		return nil, nil
	case "deepl":
		if c.APIKey == "" {
			return nil, fmt.Errorf("translation: deepl needs MERIDIAN_TRANSLATE_KEY")
		}
		return NewDeepL(c), nil
	case "google":
		if c.APIKey == "" {
			return nil, fmt.Errorf("translation: google needs MERIDIAN_TRANSLATE_KEY")
		}
		return NewGoogle(c), nil
	case "libretranslate", "libre":
		if c.BaseURL == "" {
			return nil, fmt.Errorf("translation: libretranslate needs MERIDIAN_TRANSLATE_URL")
		}
		return NewLibreTranslate(c), nil
	case "openai":
		if c.Model == "" {
			return nil, fmt.Errorf("translation: openai needs MERIDIAN_TRANSLATE_MODEL")
		}
		return NewOpenAI(c), nil
	default:
		return nil, fmt.Errorf("translation: unknown provider %q (want deepl, google, libretranslate or openai)", s.Provider)
	}
}
