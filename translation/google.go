package translation

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/provider"
)

// GoogleURL is Cloud Translation's public endpoint.
const GoogleURL = "https://translation.googleapis.com"

// Google translates with Google Cloud Translation v2 (Basic),
// POST /language/translate/v2?key=KEY. v2 takes no glossaries (v3 does): the domain's
// glossary is enforced on the output.
type Google struct{ cfg Config }

// NewGoogle returns a Google Cloud Translation v2 adapter.
func NewGoogle(c Config) *Google { return &Google{cfg: c} }

// Name is "google".
func (*Google) Name() string { return "google" }

// googleLang maps a BCP-47 tag to the codes v2 takes: lower-case, with the regions it
// distinguishes (zh-CN/zh-TW, pt-PT) and "he" for Hebrew.
func googleLang(tag string) string {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	switch {
	case t == "zh" || t == "zh-hans" || t == "zh-cn" || t == "zh-sg":
		return "zh-CN"
	case t == "zh-hant" || t == "zh-tw" || t == "zh-hk" || t == "zh-mo":
		return "zh-TW"
	case t == "pt-pt":
		return "pt-PT"
	case t == "iw":
		return "he"
	}
	return models.BaseLanguage(t)
}

type googleRequest struct {
	Q      []string `json:"q"`
	Target string   `json:"target"`
	Source string   `json:"source,omitempty"`
	Format string   `json:"format"`
}

// Translate implements Translator.
func (g *Google) Translate(ctx context.Context, req Request) (Result, error) {
	if err := validate("google", req); err != nil {
		return Result{}, err
	}
	if len(req.Text) == 0 {
		return Result{Provider: "google"}, nil
	}
	body := googleRequest{Q: req.Text, Target: googleLang(req.Target), Format: "text"}
	if req.Source != "" {
		body.Source = googleLang(req.Source)
	}
	raw, _ := json.Marshal(body)
	u := g.cfg.base(GoogleURL) + "/language/translate/v2?key=" + url.QueryEscape(g.cfg.APIKey)
	a, err := g.cfg.postJSON(ctx, "google", u, raw, http.Header{"Content-Type": {"application/json; charset=utf-8"}})
	if err != nil {
		return Result{}, err
	}
	res, err := parseGoogle(a.Status, a.Header, a.Body, len(req.Text))
	if err != nil {
		return Result{}, err
	}
	g.cfg.glossaries().enforceResult(req, &res)
	return res, nil
}

type googleResponse struct {
	Data struct {
		Translations []struct {
			TranslatedText         string `json:"translatedText"`
			DetectedSourceLanguage string `json:"detectedSourceLanguage"`
		} `json:"translations"`
	} `json:"data"`
}

type googleError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Errors  []struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"errors"`
	} `json:"error"`
}

// parseGoogle reads a v2 translate answer for want texts.
func parseGoogle(status int, h http.Header, body []byte, want int) (Result, error) {
	if status != http.StatusOK {
		return Result{}, googleFailure(status, h, body)
	}
	var r googleResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return Result{}, badResponse("google", status, "not JSON: "+snippet(body))
	}
	ts := r.Data.Translations
	if len(ts) != want {
		return Result{}, countMismatch("google", status, len(ts), want)
	}
	res := Result{Provider: "google", Texts: make([]string, want)}
	for i, t := range ts {
		res.Texts[i] = t.TranslatedText
	}
	if want > 0 {
		res.DetectedSource = strings.ToLower(ts[0].DetectedSourceLanguage)
	}
	return res, nil
}

// googleFailure maps the v2 error body by its reason first (dailyLimitExceeded,
// quotaExceeded: quota; userRateLimitExceeded, rateLimitExceeded: rate; keyInvalid,
// forbidden: auth; invalid language: unsupported), then by status.
func googleFailure(status int, h http.Header, body []byte) error {
	var e googleError
	_ = json.Unmarshal(body, &e)
	pe := &ProviderError{Service: "translation", Provider: "google", Status: status, Message: e.Error.Message, RetryAfter: provider.RetryAfter(h, time.Now())}
	if pe.Message == "" {
		pe.Message = snippet(body)
	}
	pe.Kind, pe.Retryable = byStatus(status)
	reason := e.Error.Status
	if len(e.Error.Errors) > 0 && e.Error.Errors[0].Reason != "" {
		reason = e.Error.Errors[0].Reason
	}
	pe.Code = reason
	msg := strings.ToLower(pe.Message)
	switch reason {
	case "dailyLimitExceeded", "dailyLimitExceededUnreg", "quotaExceeded", "billingNotEnabled", "accessNotConfigured":
		if reason == "accessNotConfigured" {
			pe.Kind, pe.Retryable = ErrAuth, false
		} else {
			pe.Kind, pe.Retryable = ErrQuota, false
		}
	case "userRateLimitExceeded", "rateLimitExceeded", "RESOURCE_EXHAUSTED":
		pe.Kind, pe.Retryable = ErrRateLimited, true
	case "keyInvalid", "keyExpired", "forbidden", "PERMISSION_DENIED", "UNAUTHENTICATED":
		pe.Kind, pe.Retryable = ErrAuth, false
	case "invalid", "badRequest", "INVALID_ARGUMENT":
		switch {
		case strings.Contains(msg, "api key"):
			pe.Kind = ErrAuth
		case strings.Contains(msg, "language"):
			pe.Kind = ErrUnsupported
		}
	}
	return pe
}
