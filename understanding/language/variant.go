package language

import (
	"regexp"
	"strings"
	"unicode"
)

// variant is the BCP-47 tag for a detected base language. The order of evidence:
//
// "The stated region" is Hints.Stated's when its base language is the detected one, else
// that of the latest earlier message (Hints.Previous) in the language.
//
//   - Chinese: the script of the text (Simplified- against Traditional-only characters of a
//     table of about 110 common pairs), then the stated tag (zh-TW, zh-Hant, zh-CN...), then
//     the country (TW, HK, MO → zh-Hant; others → zh-Hans); "zh" when none says.
//   - English, Spanish, Portuguese: spelling cues in the text (a few dozen words such as
//     colour/color, você/telemóvel, vosotros/ahorita; see cues), then the stated region, then
//     the country; a Latin-American cue without a country gives es-419.
//   - French, German, Dutch, Swedish: the stated region, then the country when it is not the
//     language's home (fr-CA, de-CH, nl-BE, sv-FI; a French customer gets "fr").
//   - Other languages: the base alone.
func variant(base, text string, h Hints) string {
	stated := strings.ReplaceAll(strings.TrimSpace(h.Stated), "_", "-")
	statedBase := baseOf(stated)
	statedSub := ""
	if statedBase == base {
		if i := strings.IndexByte(stated, '-'); i >= 0 {
			statedSub = stated[i+1:]
			if j := strings.IndexByte(statedSub, '-'); j >= 0 {
				statedSub = statedSub[:j]
			}
		}
	}
	if statedSub == "" {
		// The latest earlier message of the same language that carried a region.
		for i := len(h.Previous) - 1; i >= 0; i-- {
			p := strings.ReplaceAll(strings.TrimSpace(h.Previous[i]), "_", "-")
			if j := strings.IndexByte(p, '-'); j > 0 && baseOf(p) == base {
				statedSub = p[j+1:]
				break
			}
		}
	}
	country := strings.ToUpper(strings.TrimSpace(h.Country))
	switch base {
	case "zh":
		simp, trad := zhScript(text)
		switch {
		case trad > simp:
			return "zh-Hant"
		case simp > trad:
			return "zh-Hans"
		}
		switch strings.ToUpper(statedSub) {
		case "HANT", "TW", "HK", "MO":
			return "zh-Hant"
		case "HANS", "CN", "SG", "MY":
			return "zh-Hans"
		}
		switch country {
		case "TW", "HK", "MO":
			return "zh-Hant"
		case "":
			return "zh"
		}
		return "zh-Hans"
	case "en", "es", "pt":
		cue := spellingRegion(base, text)
		if cue != "" && cue != "419" {
			return base + "-" + cue
		}
		if r := region(statedSub); r != "" {
			return base + "-" + r
		}
		if spokenIn(base, country) {
			return base + "-" + country
		}
		if cue != "" {
			return base + "-" + cue
		}
		return base
	case "fr", "de", "nl", "sv":
		if r := region(statedSub); r != "" {
			return base + "-" + r
		}
		if spokenIn(base, country) && country != home[base] {
			return base + "-" + country
		}
	}
	return base
}

// region is a region subtag (two letters or three digits) in canonical case, or "".
func region(s string) string {
	if len(s) == 2 && isASCIILetters(s) {
		return strings.ToUpper(s)
	}
	if len(s) == 3 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' {
		return s
	}
	return ""
}

func isASCIILetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

var home = map[string]string{"fr": "FR", "de": "DE", "nl": "NL", "sv": "SE"}

func spokenIn(base, country string) bool {
	for _, b := range countryLanguages[country] {
		if b == base {
			return true
		}
	}
	return false
}

// countryLanguages are the languages most customers of a country write in, by ISO 3166-1
// code: a prior for short texts and the region of a pluricentric language. Not exhaustive.
var countryLanguages = map[string][]string{
	"DE": {"de"}, "AT": {"de"}, "CH": {"de", "fr", "it"}, "LI": {"de"}, "LU": {"fr", "de"},
	"FR": {"fr"}, "BE": {"nl", "fr"}, "MC": {"fr"}, "CA": {"en", "fr"},
	"ES": {"es"}, "MX": {"es"}, "AR": {"es"}, "CO": {"es"}, "CL": {"es"}, "PE": {"es"}, "VE": {"es"},
	"EC": {"es"}, "GT": {"es"}, "CU": {"es"}, "BO": {"es"}, "DO": {"es"}, "HN": {"es"}, "PY": {"es"},
	"SV": {"es"}, "NI": {"es"}, "CR": {"es"}, "PA": {"es"}, "UY": {"es"}, "PR": {"es", "en"},
	"IT": {"it"}, "SM": {"it"}, "NL": {"nl"}, "SE": {"sv"}, "FI": {"fi", "sv"}, "NO": {"nb", "nn"},
	"DK": {"da"}, "IS": {"is"}, "PL": {"pl"}, "CZ": {"cs"}, "SK": {"sk"}, "HU": {"hu"}, "RO": {"ro"},
	"BG": {"bg"}, "GR": {"el"}, "CY": {"el", "tr"}, "TR": {"tr"}, "RU": {"ru"}, "UA": {"uk"},
	"BY": {"be", "ru"}, "KZ": {"kk", "ru"}, "LT": {"lt"}, "LV": {"lv"}, "EE": {"et"}, "SI": {"sl"},
	"HR": {"hr"}, "BA": {"bs", "hr", "sr"}, "RS": {"sr"}, "MK": {"mk"}, "AL": {"sq"}, "IE": {"en", "ga"},
	"GB": {"en"}, "US": {"en", "es"}, "AU": {"en"}, "NZ": {"en", "mi"}, "ZA": {"en", "af", "zu", "xh"},
	"IN": {"hi", "en"}, "PK": {"ur", "en"}, "BD": {"bn"}, "NG": {"en", "yo"}, "KE": {"sw", "en"},
	"TZ": {"sw"}, "PT": {"pt"}, "BR": {"pt"}, "AO": {"pt"}, "MZ": {"pt"},
	"SG": {"en", "zh", "ms"}, "MY": {"ms", "en", "zh"}, "BN": {"ms"}, "ID": {"id"}, "TH": {"th"},
	"VN": {"vi"}, "PH": {"en", "tl"}, "JP": {"ja"}, "KR": {"ko"}, "CN": {"zh"}, "TW": {"zh"},
	"HK": {"zh", "en"}, "MO": {"zh"}, "SA": {"ar"}, "AE": {"ar", "en"}, "EG": {"ar"}, "MA": {"ar", "fr"},
	"DZ": {"ar", "fr"}, "TN": {"ar", "fr"}, "QA": {"ar"}, "KW": {"ar"}, "BH": {"ar"}, "OM": {"ar"},
	"JO": {"ar"}, "LB": {"ar", "fr"}, "IQ": {"ar"}, "IL": {"he", "ar"}, "IR": {"fa"}, "AM": {"hy"},
	"GE": {"ka"}, "AZ": {"az"}, "MN": {"mn"},
}

// Spelling cues: whole words (lower case) that lean to one region. Kept to words a customer
// writes and that the other region does not spell that way; a count, not a model.
var cues = map[string]map[string]string{
	"en": words("GB", "colour colours favourite favourites centre organise organised apologise realise cheque postcode whilst mum behaviour neighbour licence catalogue aluminium tyre tyres grey enquiry enquiries analyse fortnight trolley",
		"US", "color colors favorite favorites center organize organized apologize realize check-in zipcode zip mom behavior neighbor license catalog aluminum tire tires gray cellphone"),
	"pt": words("BR", "você vocês celular ônibus contato equipe cadê tá pra oi registro",
		"PT", "telemóvel autocarro facto equipa contacto receção ecrã utilizador portátil fixe"),
	"es": words("ES", "vosotros vosotras vuestro vuestra vuestros ordenador móvil coche gilipollas",
		"MX", "ahorita platicar checar güey chamba popote",
		"419", "celular computadora carro ustedes"),
}

func words(pairs ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		for _, w := range strings.Fields(pairs[i+1]) {
			m[w] = pairs[i]
		}
	}
	return m
}

var (
	ptBRGerund = regexp.MustCompile(`(?:^|\P{L})(?:estou|está|estamos|estão|estava|fico|ficou)\s+\p{L}+(?:ando|endo|indo)(?:\P{L}|$)`)
	ptPTInf    = regexp.MustCompile(`(?:^|\P{L})(?:estou|está|estamos|estão|estava|fico|ficou)\s+a\s+\p{L}+(?:ar|er|ir)(?:\P{L}|$)`)
	esVosotros = regexp.MustCompile(`\p{L}+(?:áis|éis)(?:\P{L}|$)`)
)

// spellingRegion is the region the text's spelling leans to, or "" when it does not.
func spellingRegion(base, text string) string {
	m := cues[base]
	if m == nil || text == "" {
		return ""
	}
	lower := strings.ToLower(text)
	count := map[string]int{}
	for _, w := range strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) {
		if r, ok := m[w]; ok {
			count[r]++
		}
	}
	switch base {
	case "pt":
		count["BR"] += len(ptBRGerund.FindAllString(lower, -1))
		count["PT"] += len(ptPTInf.FindAllString(lower, -1))
	case "es":
		count["ES"] += len(esVosotros.FindAllString(lower, -1))
	}
	best, n, tie := "", 0, false
	for r, c := range count {
		switch {
		case c > n:
			best, n, tie = r, c, false
		case c == n:
			tie = true
		}
	}
	if tie || n == 0 {
		return ""
	}
	if base == "es" && best == "419" && count["MX"] > 0 {
		return "MX"
	}
	return best
}

// Pairs of common characters written differently in Simplified and Traditional Chinese:
// simplified[i] is the Simplified form of traditional[i].
const (
	simplified  = "这个们说对时会来为请订单货发还没问题钱买卖运费谢东联点吗么开关门过长经给让认识觉见车现设备试价实际应该样机电话号码邮递补换银优质产务员帮办处马结账网络线图书报纸颜读写错误删达赔偿币汇坏态统预约购层岁种气语国学头几无与从进动边听难简体显"
	traditional = "這個們說對時會來為請訂單貨發還沒問題錢買賣運費謝東聯點嗎麼開關門過長經給讓認識覺見車現設備試價實際應該樣機電話號碼郵遞補換銀優質產務員幫辦處馬結帳網絡線圖書報紙顏讀寫錯誤刪達賠償幣匯壞態統預約購層歲種氣語國學頭幾無與從進動邊聽難簡體顯"
	// jpShared are characters of those tables that modern Japanese writes too: no evidence
	// for Chinese against Japanese.
	jpShared = "会来号点机与学国体写車門開問題話長東書電語見頭時員買貨費馬誤質購約預難進動運過報紙銀線統種結給識認設備試際該機補換務網絡錯償幣無簡現個"
	// jpOnly are Japanese shinjitai forms that neither Chinese standard writes.
	jpOnly = "込払届様駅売発気変済険図対円関広続読転価帰経覧単営働総検歩収薬楽戻雑拡県駄択沢訳証"
	// zhParticles are Chinese function words Japanese does not write in kanji.
	zhParticles = "您吗呢吧啊嗎哪么麼"
)

var simpSet, tradSet, jpSharedSet, jpOnlySet, zhOnlySet = runeSet(simplified), runeSet(traditional), runeSet(jpShared), runeSet(jpOnly), map[rune]bool{}

func init() {
	for r := range simpSet {
		if tradSet[r] {
			delete(simpSet, r)
			delete(tradSet, r)
		}
	}
	for _, s := range []map[rune]bool{simpSet, tradSet, runeSet(zhParticles)} {
		for r := range s {
			if !jpSharedSet[r] {
				zhOnlySet[r] = true
			}
		}
	}
}

func runeSet(s string) map[rune]bool {
	m := map[rune]bool{}
	for _, r := range s {
		m[r] = true
	}
	return m
}

// zhScript counts Simplified-only and Traditional-only characters.
func zhScript(text string) (simp, trad int) {
	for _, r := range text {
		if simpSet[r] {
			simp++
		} else if tradSet[r] {
			trad++
		}
	}
	return simp, trad
}

// hanEvidence counts Japanese-only and Chinese-only characters of a Han-only text.
func hanEvidence(text string) (ja, zh int) {
	for _, r := range text {
		if jpOnlySet[r] {
			ja++
		} else if zhOnlySet[r] {
			zh++
		}
	}
	return ja, zh
}
