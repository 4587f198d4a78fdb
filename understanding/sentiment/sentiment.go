// Package sentiment is a small multilingual lexicon scorer, good enough to say whether the
// sentences in which customers mention a competitor lean positive or negative in aggregate.
//
// Limits, on purpose: it counts polar words (en, de, fr, es, pt, it, zh, ja, ko, th, ar)
// and flips a word preceded by a negator within three words ("not good", "nicht gut",
// "不好"). It does not see sarcasm, intensity, domain words ("cheap" is good for price, bad
// for quality) or who a comparative is about: in "Toyota is better" the polarity is
// positive although the customer is praising the competitor. Use it for trends and
// comparisons between markets over many messages, never to judge one message.
package sentiment

import (
	"strings"

	"github.com/meridian-cs/meridian/understanding/lexicon"
	"github.com/meridian-cs/meridian/understanding/tokenize"
)

var positive = strings.Fields(`good great excellent perfect love happy satisfied reliable fast recommend better best nice helpful
gut super toll ausgezeichnet zufrieden zuverlässig schnell besser empfehlen perfekt
bon bien excellent parfait satisfait rapide meilleur fiable recommande
bueno buena excelente perfecto satisfecho rápido mejor fiable recomiendo encanta
bom boa ótimo excelente perfeito satisfeito rápido melhor recomendo
buono buona ottimo perfetto soddisfatto veloce migliore affidabile consiglio
很好 好用 满意 喜欢 不错 优秀 可靠 推荐 更好 很快
良い いい 素晴らしい 満足 好き 便利 おすすめ 最高
좋 만족 훌륭 추천 빠르 최고
ดี ชอบ พอใจ เยี่ยม แนะนำ
جيد ممتاز رائع راض افضل سريع احب`)

var negative = strings.Fields(`bad poor terrible awful broken slow disappointed worse worst problem issue angry useless faulty refund
schlecht kaputt langsam enttäuscht schlechter problem defekt ärgerlich nutzlos
mauvais mal cassé lent déçu pire problème inutile
malo mala roto lento decepcionado peor problema inútil
ruim quebrado lento decepcionado pior problema
cattivo rotto lento deluso peggio problema inutile
差 坏 慢 失望 问题 故障 垃圾 不满
悪い 遅い 壊れ 残念 不満 問題 故障
나쁘 느리 고장 실망 불만 문제 최악
แย่ เสีย ช้า ผิดหวัง ปัญหา
سيء بطيء مكسور مشكله خيبه اسوا`)

var negators = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`not no never isn't wasn't don't doesn't nicht kein keine nie pas jamais ne no nunca não nem non mai لا ليس لم`) {
		negators[tokenize.Normalize(w)] = true
	}
}

var matcher = func() *lexicon.Matcher {
	var terms []lexicon.Term
	for _, w := range positive {
		terms = append(terms, lexicon.Term{Text: termText(w), Key: "+"})
	}
	for _, w := range negative {
		terms = append(terms, lexicon.Term{Text: termText(w), Key: "-"})
	}
	return lexicon.New(terms)
}()

// Spaced-script words also match inflected forms (zufrieden → zufriedenen); unspaced
// scripts match as substrings anyway.
func termText(w string) string {
	if tokenize.HasUnspaced(w) || len([]rune(w)) < 4 {
		return w
	}
	return w + "*"
}

// A Score is the polarity of a text: (positive − negative) / (positive + negative), in
// [−1, 1], 0 when no polar word was found.
type Score struct {
	Value    float64 `json:"value"`
	Positive int     `json:"positive"`
	Negative int     `json:"negative"`
}

// Of scores a text.
func Of(text string) Score {
	norm := tokenize.Normalize(text)
	var s Score
	for _, m := range matcher.FindNormalized(norm) {
		pos := m.Key == "+"
		if negated(norm, m.Start) {
			pos = !pos
		}
		if pos {
			s.Positive++
		} else {
			s.Negative++
		}
	}
	if n := s.Positive + s.Negative; n > 0 {
		s.Value = float64(s.Positive-s.Negative) / float64(n)
	}
	return s
}

// negated looks for a negator among the three words before start, or 不/没/안 right
// before it in unspaced scripts.
func negated(norm string, start int) bool {
	before := norm[:start]
	for _, p := range []string{"不", "没", "안 ", "못 "} {
		if strings.HasSuffix(before, p) {
			return true
		}
	}
	ws := tokenize.Words(before)
	for i := len(ws) - 1; i >= 0 && i >= len(ws)-3; i-- {
		if negators[ws[i].Text] {
			return true
		}
	}
	return false
}
