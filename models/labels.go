package models

import "strings"

// CanonicalChannel is the form a channel name is stored in: lower case, as the event contract
// lists them (whatsapp, email, ...). Ingest refuses any other spelling, so a filter value
// written "WhatsApp" means the stored "whatsapp".
func CanonicalChannel(c string) string { return strings.ToLower(strings.TrimSpace(c)) }

// CanonicalLanguage writes a BCP 47 tag in the case RFC 5646 recommends, which is how ingest
// stores event languages: the language subtag lower case, a four-letter script title case
// and a two-letter region upper case ("ZH-hant" → "zh-Hant", "pt_br" → "pt-BR"). Other
// subtags are lower case; "_" is read as "-". It does not check that the tag exists.
func CanonicalLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if tag == "" || tag == "*" {
		return tag
	}
	parts := strings.Split(strings.ReplaceAll(tag, "_", "-"), "-")
	for i, p := range parts {
		p = strings.ToLower(p)
		if i > 0 {
			// Extensions and private use ("-u-", "-x-") keep every later subtag lower case.
			if len(parts[i-1]) == 1 {
				parts = append(parts[:i], lowerAll(parts[i:])...)
				break
			}
			switch {
			case len(p) == 2:
				p = strings.ToUpper(p)
			case len(p) == 4 && isLetters(p):
				p = strings.ToUpper(p[:1]) + p[1:]
			}
		}
		parts[i] = p
	}
	return strings.Join(parts, "-")
}

func lowerAll(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = strings.ToLower(p)
	}
	return out
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// CanonicalCountryOrSelf is CanonicalCountry for filter values: an unassigned code is kept
// upper-cased, so it still matches nothing instead of failing the query.
func CanonicalCountryOrSelf(c string) string {
	if cc, ok := CanonicalCountry(strings.TrimSpace(c)); ok {
		return cc
	}
	return strings.ToUpper(strings.TrimSpace(c))
}
