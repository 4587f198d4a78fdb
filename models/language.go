package models

import "strings"

// BaseLanguage is the primary subtag of a BCP-47 language tag, lower-cased: "pt-BR" and
// "pt_br" give "pt", "zh-Hant" gives "zh". Analysis, translation, routing and the agents'
// languages all compare by it; "" stays "".
func BaseLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(tag)
}
