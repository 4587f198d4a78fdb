package translation

import (
	"net/http"
	"testing"
)

// The parsers read what a remote server sends; whatever it sends, they must not panic,
// and a success must answer as many texts as asked.

func addSeeds(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		for _, status := range []int{200, 400, 403, 429, 456, 500} {
			f.Add(status, []byte(s), uint8(1))
		}
	}
}

func checkParsed(t *testing.T, res Result, err error, want int) {
	if err == nil && len(res.Texts) != want {
		t.Fatalf("%d texts for %d", len(res.Texts), want)
	}
}

func FuzzParseDeepL(f *testing.F) {
	addSeeds(f, `{"translations":[{"detected_source_language":"DE","text":"x"}]}`, `{"message":"Quota Exceeded"}`, `{`)
	f.Fuzz(func(t *testing.T, status int, body []byte, n uint8) {
		res, err := parseDeepL(status, http.Header{"Retry-After": {"5"}}, body, int(n))
		checkParsed(t, res, err, int(n))
	})
}

func FuzzParseGoogle(f *testing.F) {
	addSeeds(f, `{"data":{"translations":[{"translatedText":"x","detectedSourceLanguage":"de"}]}}`,
		`{"error":{"code":403,"message":"m","errors":[{"reason":"dailyLimitExceeded"}]}}`, `{"error":[]}`)
	f.Fuzz(func(t *testing.T, status int, body []byte, n uint8) {
		res, err := parseGoogle(status, http.Header{}, body, int(n))
		checkParsed(t, res, err, int(n))
	})
}

func FuzzParseLibreTranslate(f *testing.F) {
	addSeeds(f, `{"translatedText":"x","detectedLanguage":{"confidence":1,"language":"en"}}`,
		`{"translatedText":["x"],"detectedLanguage":[{"language":"en"}]}`, `{"error":"Slowdown"}`, `{"error":5}`)
	f.Fuzz(func(t *testing.T, status int, body []byte, n uint8) {
		res, err := parseLibre(status, nil, body, int(n))
		checkParsed(t, res, err, int(n))
	})
}

func FuzzEnforce(f *testing.F) {
	f.Add("Ihr Kredit und ihr Darlehen", "Your credit and your credit")
	f.Add("Das Darlehen", "The CREDIT")
	f.Add("Widerruf", "ÇANCELLATİON revocation")
	f.Fuzz(func(t *testing.T, src, out string) {
		got, _ := Enforce("finance", "de", "en", src, out)
		_, _ = Enforce("ecommerce", "de", "en", src, got)
	})
}
