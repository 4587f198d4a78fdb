package translation

import (
	"context"
	"errors"
	"log/slog"
)

type logged struct {
	t Translator
	l *slog.Logger
}

// Logged logs each failure of t (provider, kind, status, code, retryability; never the
// texts) and glossary violations left unfixed, and returns t's answer unchanged, so the
// caller can let the message flow on untranslated with Reason(err) beside it.
func Logged(t Translator, l *slog.Logger) Translator {
	if t == nil {
		return nil
	}
	if l == nil {
		l = slog.Default()
	}
	return &logged{t: t, l: l}
}

func (g *logged) Name() string { return nameOf(g.t) }

func (g *logged) Translate(ctx context.Context, req Request) (Result, error) {
	res, err := g.t.Translate(ctx, req)
	if err != nil {
		attrs := []slog.Attr{slog.String("provider", nameOf(g.t)), slog.String("source", req.Source),
			slog.String("target", req.Target), slog.Int("texts", len(req.Text)), slog.String("error", err.Error())}
		var pe *ProviderError
		if errors.As(err, &pe) {
			attrs = append(attrs, slog.Int("status", pe.Status), slog.String("code", pe.Code),
				slog.Bool("retryable", pe.Retryable), slog.Duration("retry_after", pe.RetryAfter))
		}
		g.l.LogAttrs(ctx, slog.LevelWarn, "translation failed", attrs...)
		return res, err
	}
	for _, v := range res.Violations {
		if !v.Fixed {
			g.l.LogAttrs(ctx, slog.LevelInfo, "glossary term not rendered as required",
				slog.String("provider", res.Provider), slog.String("domain", req.Domain),
				slog.String("term", v.Term), slog.String("want", v.Want), slog.String("found", v.Found))
		}
	}
	return res, nil
}
