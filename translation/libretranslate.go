package translation

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/provider"
)

// LibreTranslate translates with a LibreTranslate server, POST {base}/translate with a
// JSON body. There is no public default: Config.BaseURL is required. It takes no
// glossaries: the domain's glossary is enforced on the output.
type LibreTranslate struct{ cfg Config }

// NewLibreTranslate returns a LibreTranslate adapter.
func NewLibreTranslate(c Config) *LibreTranslate { return &LibreTranslate{cfg: c} }

// Name is "libretranslate".
func (*LibreTranslate) Name() string { return "libretranslate" }

// libreLang maps a BCP-47 tag to LibreTranslate's codes (ISO 639-1; "zt" for
// traditional Chinese, "pb" for Brazilian Portuguese in current language lists).
func libreLang(tag string) string {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	switch t {
	case "zh-hant", "zh-tw", "zh-hk", "zh-mo":
		return "zt"
	case "pt-br":
		return "pb"
	}
	return models.BaseLanguage(t)
}

type libreRequest struct {
	Q      []string `json:"q"`
	Source string   `json:"source"`
	Target string   `json:"target"`
	Format string   `json:"format"`
	APIKey string   `json:"api_key,omitempty"`
}

// Translate implements Translator. The batch goes as one array "q".
func (l *LibreTranslate) Translate(ctx context.Context, req Request) (Result, error) {
	if err := validate("libretranslate", req); err != nil {
		return Result{}, err
	}
	if len(req.Text) == 0 {
		return Result{Provider: "libretranslate"}, nil
	}
	body := libreRequest{Q: req.Text, Source: "auto", Target: libreLang(req.Target), Format: "text", APIKey: l.cfg.APIKey}
	if req.Source != "" {
		body.Source = libreLang(req.Source)
	}
	raw, _ := json.Marshal(body)
	if strings.TrimSpace(l.cfg.BaseURL) == "" {
		return Result{}, &ProviderError{Service: "translation", Provider: "libretranslate", Kind: ErrProvider, Message: "no LibreTranslate URL configured"}
	}
	a, err := l.cfg.postJSON(ctx, "libretranslate", l.cfg.base("")+"/translate", raw, nil)
	if err != nil {
		return Result{}, err
	}
	res, err := parseLibre(a.Status, a.Header, a.Body, len(req.Text))
	if err != nil {
		return Result{}, err
	}
	l.cfg.glossaries().enforceResult(req, &res)
	return res, nil
}

type libreDetected struct {
	Confidence float64 `json:"confidence"`
	Language   string  `json:"language"`
}

type libreResponse struct {
	TranslatedText   json.RawMessage `json:"translatedText"`
	DetectedLanguage json.RawMessage `json:"detectedLanguage"`
	Error            string          `json:"error"`
}

// parseLibre reads a /translate answer for want texts: translatedText is a string for
// a single q and an array for an array q; detectedLanguage (with source "auto")
// likewise an object or an array of objects.
func parseLibre(status int, h http.Header, body []byte, want int) (Result, error) {
	var r libreResponse
	jsonErr := json.Unmarshal(body, &r)
	if status != http.StatusOK {
		return Result{}, libreFailure(status, h, body, r.Error)
	}
	if jsonErr != nil {
		return Result{}, badResponse("libretranslate", status, "not JSON: "+snippet(body))
	}
	var texts []string
	if err := json.Unmarshal(r.TranslatedText, &texts); err != nil {
		var one string
		if err := json.Unmarshal(r.TranslatedText, &one); err != nil {
			return Result{}, badResponse("libretranslate", status, "no translatedText: "+snippet(body))
		}
		texts = []string{one}
	}
	if len(texts) != want {
		return Result{}, countMismatch("libretranslate", status, len(texts), want)
	}
	res := Result{Provider: "libretranslate", Texts: texts}
	if len(r.DetectedLanguage) > 0 {
		var many []libreDetected
		var one libreDetected
		if json.Unmarshal(r.DetectedLanguage, &many) == nil && len(many) > 0 {
			res.DetectedSource = strings.ToLower(many[0].Language)
		} else if json.Unmarshal(r.DetectedLanguage, &one) == nil {
			res.DetectedSource = strings.ToLower(one.Language)
		}
	}
	return res, nil
}

// libreFailure maps LibreTranslate's documented errors, {"error": "..."} with 400
// (invalid request; an unsupported language among them), 403 (banned, or a missing or
// invalid API key), 429 (slow down) and 500 (translation failed).
func libreFailure(status int, h http.Header, body []byte, msg string) error {
	if msg == "" {
		msg = snippet(body)
	}
	pe := &ProviderError{Service: "translation", Provider: "libretranslate", Status: status, Message: msg, RetryAfter: provider.RetryAfter(h, time.Now())}
	pe.Kind, pe.Retryable = byStatus(status)
	if status == http.StatusBadRequest {
		l := strings.ToLower(msg)
		if strings.Contains(l, "not supported") || strings.Contains(l, "language") {
			pe.Kind = ErrUnsupported
		}
	}
	return pe
}
