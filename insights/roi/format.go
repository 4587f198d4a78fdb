package roi

import (
	"math"
	"strconv"
	"strings"
)

// num formats a number for formula text: thousands grouped, at most two decimals for large
// figures and six significant digits for small ones, so formulas stay readable.
func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "n/a"
	}
	if math.Abs(v) < 1000 {
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	return group(s)
}

// money formats an amount as $1,234,567 (cents dropped above $1,000).
func money(v float64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	if v >= 1000 {
		return sign + "$" + group(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
	}
	return sign + "$" + strconv.FormatFloat(v, 'f', 2, 64)
}

// Money is money for callers outside the package (the CLI).
func Money(v float64) string { return money(v) }

// group inserts thousands separators into a plain decimal string.
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return sign + b.String()
}

// cents rounds money for output; hundredths rounds percentages. Rounding happens once, at
// the edge, so that the steps keep full precision.
func cents(v float64) float64      { return math.Round(v*100) / 100 }
func hundredths(v float64) float64 { return math.Round(v*100) / 100 }
