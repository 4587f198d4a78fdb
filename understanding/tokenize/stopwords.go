package tokenize

import "strings"

// Stop-words: the most frequent function words of each language, plus a few customer-service
// courtesies ("hello", "thanks", "please") that appear in every market and so never
// distinguish one. Lists are kept short on purpose: keyness testing already discounts words
// that are common everywhere; stop-words only keep them out of bigrams.
var stopLists = map[string]string{
	"en": `a about above after again against all am an and any are aren't as at be because been before being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from further had hadn't has hasn't have haven't having he her here hers herself him himself his how i i'm i've if in into is isn't it it's its itself just let's me more most my myself no nor not now of off on once only or other ought our ours ourselves out over own same she should shouldn't so some such than that that's the their theirs them themselves then there there's these they this those through to too under until up very was wasn't we we're were weren't what when where which while who whom why will with won't would wouldn't you you're your yours yourself yourselves hi hello dear thanks thank please regards also get got would like could want need know`,
	"de": `aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes auch auf aus bei bin bis bist da damit dann das dass dem den denn der des dich die dir doch dort du durch ein eine einem einen einer eines er es etwas euch euer eure für gegen gewesen hab habe haben hat hatte hier hin hinter ich ihm ihn ihnen ihr ihre im in ist ja jede jedem jeden jeder jedes jetzt kann kein keine können könnte man manche mein meine mich mir mit muss nach nicht nichts noch nun nur ob oder ohne sehr sein seine sich sie sind so solche soll sollte sondern sonst über um und uns unser unter viel vom von vor war waren was weil welche wenn werde werden wie wieder will wir wird wo wurde zu zum zur zwar zwischen hallo danke bitte gerne freundlichen grüßen grüße`,
	"fr": `a ai au aux avec avez avoir bonjour ce ces cette comme dans de des du elle elles en est et être eu il ils je la le les leur lui ma mais me merci même mes moi mon ne nos notre nous on ou où par pas plus pour qu que qui sa se ses si son sont sur ta te tes toi ton tu un une vos votre vous y ça c'est est-ce très aussi bien fait faire peut pouvez s'il plaît cordialement`,
	"es": `a al algo algunos ante antes como con contra cual cuando de del desde donde dos el ella ellas ellos en entre era es esa ese eso esta estaba estamos están estar este esto estos fue ha hay hola gracias la las le les lo los me mi mis mucho muy más nada ni no nos nosotros o os otra otro para pero poco por porque que quien se ser si sido sin sobre su sus también te tengo tiene todo tu tus un una uno unos usted ustedes y ya yo favor saludos puede puedo quiero`,
	"pt": `a ao aos as até com como da das de dela dele do dos e ela ele eles em entre era essa esse esta este eu foi há isso isto já la lhe mais mas me meu minha muito na nas nem no nos nós não o obrigado obrigada olá os ou para pela pelo por qual quando que quem se sem ser seu sua são também te tem tenho um uma você vocês vou está estou favor posso pode`,
	"it": `a ad al alla alle allo anche ancora avere c'è che chi ci come con da dal dalla dei del della delle di dove e è ed gli grazie ha hanno ho i il in io la le lei lo loro lui ma mi mia mio molto ne nei nel nella no noi non o per perché più può quale quando questa questo qui se si sia sono su sua suo sul sulla ti tra tu tutto un una uno vi voi salve ciao cortesia vorrei posso`,
	"ar": `في من على الى عن هل ما ماذا هذا هذه ذلك تلك و او ان لا لم لن مع كان كانت انا انت نحن هو هي هم كل قد عند بعد قبل شكرا مرحبا السلام عليكم من فضلك لو الذي التي`,
	"ko": `그리고 그런데 하지만 저는 제가 저희 우리 이 그 저 것 수 있나요 있어요 있습니다 합니다 해요 안녕하세요 감사합니다 혹시 좀 너무 정말 그냥 이거 그거`,
	"ja": `です ます ください でしょうか ありがとう こんにちは よろしく お願い ござい`,
	"zh": `我们 你们 他们 什么 可以 这个 那个 一个 没有 请问 谢谢 您好 你好 就是 还是 因为 所以 但是 如果 已经`,
}

var stopSets = func() map[string]map[string]bool {
	m := map[string]map[string]bool{}
	all := map[string]bool{}
	for lang, list := range stopLists {
		set := map[string]bool{}
		for _, w := range strings.Fields(list) {
			w = Normalize(w)
			set[w] = true
			all[w] = true
		}
		m[lang] = set
	}
	m[""] = all
	return m
}()

// IsStop reports whether the normalised word w is a stop-word of lang. An unknown or empty
// lang uses the union of all lists, which is safe because the lists are short.
func IsStop(lang, w string) bool {
	set, ok := stopSets[lang]
	if !ok {
		set = stopSets[""]
	}
	return set[w]
}

// Languages lists the languages with a stop-word list.
func Languages() []string {
	out := make([]string, 0, len(stopLists))
	for l := range stopLists {
		out = append(out, l)
	}
	return out
}
