package translation

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/meridian-cs/meridian/models"
	"github.com/meridian-cs/meridian/provider"
)

// DeepL public endpoints: free-plan keys end in ":fx".
const (
	DeepLFreeURL = "https://api-free.deepl.com"
	DeepLProURL  = "https://api.deepl.com"
)

// DeepL translates with the DeepL API v2 (POST /v2/translate, key in the
// "Authorization: DeepL-Auth-Key" header).
//
// Glossaries are DeepL's own: for a domain and language pair it creates one
// (POST /v2/glossaries, entries as TSV, named after the domain, pair and glossary
// digest) on first use, keeps its id, and sends glossary_id. DeepL needs the source
// language for a glossary, so with Source "" the glossary is enforced on the output
// instead, as it is when creating the glossary fails. The output is checked in every
// case (a no-op when DeepL applied the glossary).
type DeepL struct {
	cfg Config

	mu        sync.Mutex
	glossary  map[string]string // "finance/de-en" -> glossary id
	noGlossed map[string]bool   // pairs DeepL refused a glossary for
}

// NewDeepL returns a DeepL adapter.
func NewDeepL(c Config) *DeepL {
	return &DeepL{cfg: c, glossary: map[string]string{}, noGlossed: map[string]bool{}}
}

// Name is "deepl".
func (*DeepL) Name() string { return "deepl" }

func (d *DeepL) base() string {
	def := DeepLProURL
	if strings.HasSuffix(d.cfg.APIKey, ":fx") {
		def = DeepLFreeURL
	}
	return d.cfg.base(def)
}

func (d *DeepL) auth() http.Header {
	return http.Header{"Authorization": {"DeepL-Auth-Key " + d.cfg.APIKey}}
}

// deeplTarget maps a BCP-47 tag to DeepL's target_lang: upper-case, with the regional
// variants DeepL distinguishes (EN-GB/EN-US, PT-PT/PT-BR, ZH-HANS/ZH-HANT).
func deeplTarget(tag string) string {
	t := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	switch {
	case t == "EN":
		return "EN-US"
	case t == "PT":
		return "PT-PT"
	case strings.HasPrefix(t, "EN-"):
		if t == "EN-GB" || t == "EN-US" {
			return t
		}
		return "EN-GB" // en-AU, en-IE, ...: British spelling is the closer of the two
	case strings.HasPrefix(t, "PT-"):
		if t == "PT-BR" {
			return t
		}
		return "PT-PT"
	case t == "ZH" || t == "ZH-CN" || t == "ZH-SG" || t == "ZH-HANS":
		return "ZH-HANS"
	case t == "ZH-TW" || t == "ZH-HK" || t == "ZH-MO" || t == "ZH-HANT":
		return "ZH-HANT"
	}
	return strings.ToUpper(models.BaseLanguage(t))
}

type deeplRequest struct {
	Text       []string `json:"text"`
	TargetLang string   `json:"target_lang"`
	SourceLang string   `json:"source_lang,omitempty"`
	Formality  string   `json:"formality,omitempty"`
	GlossaryID string   `json:"glossary_id,omitempty"`
}

// Translate implements Translator.
func (d *DeepL) Translate(ctx context.Context, req Request) (Result, error) {
	if err := validate("deepl", req); err != nil {
		return Result{}, err
	}
	if len(req.Text) == 0 {
		return Result{Provider: "deepl"}, nil
	}
	body := deeplRequest{Text: req.Text, TargetLang: deeplTarget(req.Target)}
	if req.Source != "" {
		body.SourceLang = strings.ToUpper(models.BaseLanguage(req.Source))
		body.GlossaryID = d.glossaryID(ctx, req)
	}
	switch req.Formality {
	case "more", "less":
		body.Formality = "prefer_" + req.Formality // no error for languages without formality
	}
	raw, _ := json.Marshal(body)
	a, err := d.cfg.postJSON(ctx, "deepl", d.base()+"/v2/translate", raw, d.auth())
	if err != nil {
		return Result{}, err
	}
	res, err := parseDeepL(a.Status, a.Header, a.Body, len(req.Text))
	if err != nil {
		return Result{}, err
	}
	d.cfg.glossaries().enforceResult(req, &res)
	return res, nil
}

type deeplResponse struct {
	Translations []struct {
		DetectedSourceLanguage string `json:"detected_source_language"`
		Text                   string `json:"text"`
	} `json:"translations"`
}

type deeplError struct {
	Message string `json:"message"`
	Detail  string `json:"detail"`
}

// parseDeepL reads a /v2/translate answer for want texts.
func parseDeepL(status int, h http.Header, body []byte, want int) (Result, error) {
	if status != http.StatusOK {
		return Result{}, deeplFailure(status, h, body)
	}
	var r deeplResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return Result{}, badResponse("deepl", status, "not JSON: "+snippet(body))
	}
	if len(r.Translations) != want {
		return Result{}, countMismatch("deepl", status, len(r.Translations), want)
	}
	res := Result{Provider: "deepl", Texts: make([]string, want)}
	for i, t := range r.Translations {
		res.Texts[i] = t.Text
	}
	if want > 0 {
		res.DetectedSource = strings.ToLower(r.Translations[0].DetectedSourceLanguage)
	}
	return res, nil
}

// deeplFailure maps DeepL's documented statuses: 400 bad request (an unsupported
// language among them), 403 authorisation, 404, 413 request too large, 429 too many
// requests, 456 quota exceeded, 5xx (529 too many requests) temporary.
func deeplFailure(status int, h http.Header, body []byte) error {
	var e deeplError
	_ = json.Unmarshal(body, &e)
	msg := strings.TrimSpace(strings.Join(nonEmpty(e.Message, e.Detail), ": "))
	if msg == "" {
		msg = snippet(body)
	}
	pe := &ProviderError{Service: "translation", Provider: "deepl", Status: status, Message: msg, RetryAfter: provider.RetryAfter(h, time.Now())}
	pe.Kind, pe.Retryable = byStatus(status)
	switch status {
	case 456:
		pe.Kind, pe.Retryable, pe.Code = ErrQuota, false, "quota_exceeded"
	case http.StatusTooManyRequests, 529:
		pe.Kind, pe.Retryable, pe.Code = ErrRateLimited, true, "too_many_requests"
	case http.StatusRequestEntityTooLarge:
		pe.Code = "request_too_large"
	case http.StatusBadRequest:
		l := strings.ToLower(msg)
		if strings.Contains(l, "not supported") || strings.Contains(l, "lang") {
			pe.Kind = ErrUnsupported
		}
	}
	return pe
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// glossaryID returns the DeepL glossary for the request's domain and pair, creating
// it on first use; "" when there is none (the output is enforced instead).
func (d *DeepL) glossaryID(ctx context.Context, req Request) string {
	g := d.cfg.glossaries()
	entries := g.entries(req.Domain, req.Source, req.Target)
	if len(entries) == 0 {
		return ""
	}
	pair := models.BaseLanguage(req.Source) + "-" + models.BaseLanguage(req.Target)
	key := domainKey(req.Domain) + "/" + pair + "/" + g.Digest(req.Domain)
	d.mu.Lock()
	defer d.mu.Unlock() // one creation at a time; creations are rare
	if id, ok := d.glossary[key]; ok {
		return id
	}
	if d.noGlossed[key] {
		return ""
	}
	id, err := d.createGlossary(ctx, "meridian-"+strings.ReplaceAll(key, "/", "-"), req.Source, req.Target, entries)
	if err != nil {
		var pe *ProviderError
		// A refusal (unsupported pair, bad entries) is remembered; a transient
		// failure is tried again next time.
		if errors.As(err, &pe) && !pe.Retryable && !errors.Is(err, ErrAuth) && !errors.Is(err, ErrQuota) {
			d.noGlossed[key] = true
		}
		return ""
	}
	d.glossary[key] = id
	return id
}

func (d *DeepL) createGlossary(ctx context.Context, name, source, target string, entries []*Entry) (string, error) {
	var tsv strings.Builder
	seen := map[string]bool{}
	for _, e := range entries {
		// The term and each of its forms map to the required rendering; DeepL
		// rejects duplicate sources and tabs or newlines inside entries.
		for _, s := range e.Source {
			s = strings.Join(strings.Fields(s), " ")
			if seen[strings.ToLower(s)] {
				continue
			}
			seen[strings.ToLower(s)] = true
			tsv.WriteString(s + "\t" + strings.Join(strings.Fields(e.Target[0]), " ") + "\n")
		}
	}
	raw, _ := json.Marshal(map[string]string{
		"name":           name,
		"source_lang":    strings.ToUpper(models.BaseLanguage(source)),
		"target_lang":    strings.ToUpper(models.BaseLanguage(target)),
		"entries":        tsv.String(),
		"entries_format": "tsv",
	})
	a, err := d.cfg.postJSON(ctx, "deepl", d.base()+"/v2/glossaries", raw, d.auth())
	if err != nil {
		return "", err
	}
	if a.Status != http.StatusCreated && a.Status != http.StatusOK {
		return "", deeplFailure(a.Status, a.Header, a.Body)
	}
	var g struct {
		GlossaryID string `json:"glossary_id"`
	}
	if err := json.Unmarshal(a.Body, &g); err != nil || g.GlossaryID == "" {
		return "", badResponse("deepl", a.Status, "glossary without id: "+snippet(a.Body))
	}
	return g.GlossaryID, nil
}
