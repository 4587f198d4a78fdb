package urgency

// Negation data shared by every lexicon, so that a message in one language assessed with
// all lexicons (Context.Language "") is negated the same way whichever lexicon matched the
// urgency word.

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// negators precede the urgency word in spaced languages, at most three fillers apart.
var negators = set(
	"not", "no", "never", "isn", "don", "doesn", "wasn", "aren", "ain", "without", "nothing", "isn't", "isnt", "nt", "don't", "dont", "doesn't",
	"nicht", "kein", "keine", "keinen", "keiner", "ohne", "nie",
	"pas", "sans", "rien", "jamais",
	"sin", "nada", "nunca", "ni",
	"não", "nao", "sem", "nem", "nenhuma", "nenhum",
	"non", "senza", "niente", "nessuna", "nessun",
	"niet", "geen", "zonder", "nooit",
	"tidak", "tak", "bukan", "tanpa", "nggak", "gak", "ga",
	"không", "chẳng", "chưa", "ko", "k",
	"не", "нет", "без", "ни",
	"değil",
)

// postNegators follow the urgency word in spaced languages ("acil değil", "dringend nicht").
var postNegators = set("değil", "degil", "yok", "nicht")

// fillers may sit between a negator and the urgency word.
var fillers = set(
	"is", "t", "need", "to", "real", "it", "it's", "its", "s", "that", "so", "very", "really", "too", "a", "an", "any", "be", "in", "at", "all", "the", "particularly", "super", "big", "much", "of",
	"es", "ist", "so", "sehr", "besonders", "wirklich", "allzu", "zu", "ein", "eine", "einen", "in", "großer", "grosse", "große", "mehr",
	"est", "c", "si", "très", "trop", "d", "de", "un", "une", "du", "vraiment", "n",
	"tan", "muy", "un", "una", "ninguna", "hay", "ningún", "realmente", "de",
	"é", "e", "tão", "muito", "uma", "um", "tem", "há", "de", "nada",
	"è", "così", "molto", "troppo", "una", "uno", "c'è", "ce", "di", "particolarmente",
	"het", "zo", "erg", "echt", "een", "heel", "te",
	"terlalu", "begitu", "sangat", "yang", "perlu", "butuh", "harus", "buru",
	"quá", "lắm", "cần", "phải", "cũng", "có", "gì",
	"так", "очень", "это", "слишком", "нужно", "надо", "особо",
	"çok", "pek", "o", "kadar",
)

// negPrefixes directly precede the urgency word in languages matched by substring.
var negPrefixes = []string{
	"不", "不太", "并不", "並不", "不是", "没那么", "沒那麼", "别", "別", "无需", "無需", "不用", "不必",
	"ไม่", "ไม่ค่อย", "ไม่ต้อง", "ไม่ได้", "ไม่ใช่",
	"ليس", "ليست", "غير", "لا", "ليس هناك", "مش", "مو", "ما في", "بدون",
	"안", "별로 안", "전혀 안",
	"急がなくても", "特に",
}

// negSuffixes directly follow the urgency word in languages matched by substring.
var negSuffixes = []string{
	"ではありません", "ではない", "じゃない", "じゃありません", "でなく", "ではなく", "ません", "ないです", "なくて", "なくても", "ない",
	"지 않", "지않", "진 않", "진않", "한 건 아니", "한건 아니", "한 일은 아니", "건 아니", "것은 아니", "거 아니", "할 필요 없", "지 마", "하지 않", "하지않",
}
