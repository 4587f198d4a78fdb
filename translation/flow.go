package translation

import (
	"context"
	"errors"
	"strings"

	"github.com/meridian-cs/meridian/models"
)

// ErrNotConfigured is returned by ForCustomer when no provider is configured: the
// reply must then come from a template in the customer's language.
var ErrNotConfigured = errors.New("translation: no provider configured")

// Rendering is what an agent sees of a customer's message.
type Rendering struct {
	// Original is the message as the customer wrote it (or the transcript of what
	// they said), always shown.
	Original string
	// Language is the message's language (detected upstream, or by the provider).
	Language string
	// Translation is the message in the agent's language; "" when it was not
	// translated (no provider, same language, or a failure; see Note).
	Translation string
	// Provider who translated, "" when nobody did.
	Provider string
	// Note says why there is no translation after a failure (Reason), "" otherwise.
	Note string
	// Violations are glossary terms the translation may have wrong.
	Violations []Violation
	// Err is the provider's failure, for the caller's metrics; the message flows on.
	Err error
}

// ForAgent renders a customer's message for an agent reading agentLang. lang is the
// language detected upstream ("" to let the provider detect). With a nil Translator
// the message shows as it is, with its language: nothing pretends to translate. A
// failing provider leaves the message untranslated with a Note; it never blocks it.
func ForAgent(ctx context.Context, t Translator, text, lang, agentLang, domain string) Rendering {
	r := Rendering{Original: text, Language: lang}
	if t == nil || strings.TrimSpace(text) == "" || agentLang == "" || (lang != "" && models.BaseLanguage(lang) == models.BaseLanguage(agentLang)) {
		return r
	}
	res, err := t.Translate(ctx, Request{Text: []string{text}, Source: lang, Target: agentLang, Domain: domain})
	if err != nil {
		r.Err, r.Note = err, Reason(err)
		return r
	}
	if len(res.Texts) != 1 {
		r.Err = countMismatch(nameOf(t), 0, len(res.Texts), 1)
		r.Note = Reason(r.Err)
		return r
	}
	if r.Language == "" {
		r.Language = res.DetectedSource
	}
	r.Translation, r.Provider, r.Violations = res.Texts[0], res.Provider, res.Violations
	return r
}

// ForCustomer translates an agent's reply from agentLang into the customer's
// language. It returns the reply unchanged when the languages are the same, and
// ErrNotConfigured with a nil Translator (the caller falls back to a localised
// template); a provider failure is returned as is, for the caller to retry or fall
// back; a reply is never sent in a language the customer did not write in by accident.
func ForCustomer(ctx context.Context, t Translator, reply, agentLang, customerLang, domain string) (Result, error) {
	if customerLang == "" || models.BaseLanguage(agentLang) == models.BaseLanguage(customerLang) {
		return Result{Texts: []string{reply}}, nil
	}
	if t == nil {
		return Result{}, ErrNotConfigured
	}
	return t.Translate(ctx, Request{Text: []string{reply}, Source: agentLang, Target: customerLang, Domain: domain})
}
