package answers

import (
	"github.com/meridian-cs/meridian/understanding/lexicon"
)

// personTerms are the words with which customers ask for a person, in the demo's languages
// (en, de, fr, es, ja, zh, th, ar, id) and a few more (it, pt, ko, vi). Spaced scripts match
// whole words (a trailing * a word's start), Chinese, Japanese, Korean and Thai substrings
// (package lexicon). Words, not intents: "Can another person collect my parcel?" hands over
// too; a false handover costs an agent a minute, a missed one a customer.
var personTerms = map[string][]string{
	"en": {"agent", "agents", "human", "humans", "person", "real person", "someone real", "representative", "operator", "customer service rep", "staff member", "speak to someone", "talk to someone"},
	"de": {"Mitarbeiter", "Mitarbeiterin", "Mensch", "Menschen", "Berater", "Beraterin", "Kundenberater", "Sachbearbeiter", "echte Person", "mit jemandem sprechen"},
	"fr": {"conseiller", "conseillère", "humain", "humaine", "agent", "opérateur", "opératrice", "vraie personne"},
	"es": {"persona", "agente", "humano", "humana", "asesor", "asesora", "operador", "operadora", "alguien real"},
	"it": {"operatore", "operatrice", "persona", "umano", "agente", "consulente"},
	"pt": {"atendente", "humano", "pessoa", "agente", "operador"},
	"ja": {"担当者", "オペレーター", "オペレータ", "人間", "スタッフ", "有人"},
	"zh": {"人工", "客服", "真人", "转人工", "人工服务", "專員", "真人客服"},
	"ko": {"사람", "상담원", "상담사", "직원"},
	"th": {"เจ้าหน้าที่", "พนักงาน", "คนจริง", "แอดมิน"},
	"ar": {"موظف", "موظفة", "إنسان", "انسان", "شخص حقيقي", "وكيل", "ممثل خدمة"},
	"id": {"manusia", "agen", "petugas", "operator", "staf", "orang asli", "cs"},
	"vi": {"nhân viên", "người thật", "tổng đài viên", "tư vấn viên"},
}

var personMatcher = func() *lexicon.Matcher {
	var terms []lexicon.Term
	for lang, words := range personTerms {
		for _, w := range words {
			terms = append(terms, lexicon.Term{Text: w, Key: lang})
		}
	}
	return lexicon.New(terms)
}()

// PersonRequest returns the first word in text with which a customer asks for a person
// ("agent", "Mitarbeiter", "人工", "사람", ...), or "" when there is none. Every language's
// words are looked for whatever the question's language: customers mix them ("can I talk to
// an agent bitte").
func PersonRequest(text string) string {
	m := personMatcher.Find(text)
	if len(m) == 0 {
		return ""
	}
	return m[0].Term
}
