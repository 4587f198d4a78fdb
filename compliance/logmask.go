package compliance

import (
	"context"
	"log/slog"
	"net/netip"
)

// MaskingHandler returns a handler that passes each record to h with its message and its
// attributes' string values masked (Mask), in groups and in attributes added with With
// too; error values are masked as their text, and LogValuer values resolved first, so
// that personal data a message or an error quotes never reaches the log. IP addresses and
// host:port values pass as they are: Detect has no kind for them (a number pattern would
// otherwise take "127.0.0.1"), and operators read the server's own addresses. Other
// values (numbers, times, slices, structs) pass unchanged.
func MaskingHandler(h slog.Handler) slog.Handler {
	return maskingHandler{h}
}

type maskingHandler struct{ h slog.Handler }

func (m maskingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return m.h.Enabled(ctx, l)
}

func (m maskingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Mask(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(maskAttr(a))
		return true
	})
	return m.h.Handle(ctx, out)
}

func (m maskingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	masked := make([]slog.Attr, len(as))
	for i, a := range as {
		masked[i] = maskAttr(a)
	}
	return maskingHandler{m.h.WithAttrs(masked)}
}

func (m maskingHandler) WithGroup(name string) slog.Handler {
	return maskingHandler{m.h.WithGroup(name)}
}

// maskAttr returns a with its string values masked.
func maskAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, maskValue(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]slog.Attr, len(g))
		for i, ga := range g {
			out[i] = maskAttr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		if err, ok := v.Any().(error); ok && err != nil {
			if text, ok := errorText(err); ok {
				return slog.String(a.Key, Mask(text))
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// errorText is err's text, unless Error panics (a nil pointer behind the interface), when
// the value is left to the handler, which reports such panics.
func errorText(err error) (text string, ok bool) {
	defer func() {
		if recover() != nil {
			text, ok = "", false
		}
	}()
	return err.Error(), true
}

// maskValue masks a string value unless it is an IP address or an IP address and port.
func maskValue(s string) string {
	if _, err := netip.ParseAddr(s); err == nil {
		return s
	}
	if _, err := netip.ParseAddrPort(s); err == nil {
		return s
	}
	return Mask(s)
}
