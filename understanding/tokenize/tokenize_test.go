package tokenize

import (
	"slices"
	"strings"
	"testing"
)

func keys(ps []Phrase) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Key
	}
	return out
}

func TestPhrasesPerScript(t *testing.T) {
	tests := []struct {
		name, text, lang string
		want, notWant    []string
	}{
		{"English drops stop-words and joins adjacent words into bigrams", "The sterilisation at high temperature", "en", []string{"sterilisation", "high temperature", "temperature"}, []string{"the", "sterilisation high"}},
		{"German plurals meet their singular", "Preise und Preis", "de", []string{"preis"}, []string{"und"}},
		{"French elided articles are removed", "L'humidité de l'appareil", "fr", []string{"humidit", "appareil"}, []string{"l'humidité"}},
		{"Spanish plurals are stemmed", "precios altos", "es", []string{"preci", "preci alt"}, nil},
		{"Chinese becomes character bigrams", "高温消毒", "zh", []string{"高温", "温消", "消毒"}, []string{"高温消毒"}},
		{"Japanese kana-only bigrams are dropped as particles", "防湿機能はありますか", "ja", []string{"防湿", "機能"}, []string{"あり", "ます"}},
		{"Korean keeps the eojeol and its bigrams", "도요타와", "ko", []string{"도요타와", "도요", "요타"}, nil},
		{"Thai becomes bigrams of character clusters", "ราคา", "th", []string{"รา", "าค", "คา"}, nil},
		{"Arabic spellings are normalised and the article stripped", "الأسعار", "ar", []string{"اسعار"}, []string{"الأسعار"}},
		{"full-width letters fold to ASCII", "ＰＲＩＣＥ", "en", []string{"price"}, nil},
		{"numbers are not phrases", "order 12345", "en", []string{"order"}, []string{"12345"}},
		{"a script change splits a run", "iphone对比", "zh", []string{"iphone", "对比"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := keys(Phrases(tt.text, tt.lang))
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("Phrases(%q) = %q, missing %q", tt.text, got, w)
				}
			}
			for _, w := range tt.notWant {
				if slices.Contains(got, w) {
					t.Errorf("Phrases(%q) = %q, should not contain %q", tt.text, got, w)
				}
			}
		})
	}
}

func TestNormalizeArabicVariantsCompareEqual(t *testing.T) {
	if a, b := Normalize("أسعار"), Normalize("اسعار"); a != b {
		t.Errorf("%q != %q", a, b)
	}
	if a, b := Normalize("مَدْرَسَة"), Normalize("مدرسه"); a != b {
		t.Errorf("diacritics/ta marbuta: %q != %q", a, b)
	}
}

// Personal data and number words never become phrases, and phrases do not span them: a
// number written in groups cannot be rebuilt from chained bigrams.
func TestPhrasesDropPersonalDataAndBreakAtIt(t *testing.T) {
	for _, text := range []string{
		"numero 0612345678 livraison", "numero 06 12 34 56 78 livraison", "numero +33 6 12 34 56 78 livraison",
		"numero FR76 3000 6000 0112 3456 7890 189 livraison", "numero jean.dupont@exemple.fr livraison", "numero ０６１２３４５６７８ livraison",
	} {
		got := keys(Phrases(text, "fr"))
		for _, k := range got {
			if strings.ContainsAny(k, "0123456789@") || strings.Contains(k, "jean") || strings.Contains(k, "fr76") || k == "numero livraison" {
				t.Errorf("Phrases(%q) has %q (all: %q)", text, k, got)
			}
		}
		if !slices.Contains(got, "numero") || !slices.Contains(got, "livraison") {
			t.Errorf("Phrases(%q) = %q, want the words around the data", text, got)
		}
	}
	if got := keys(Phrases("iphone15 case covid19", "en")); !slices.Contains(got, "iphone15 case") {
		t.Errorf("a word with a few digits is still a word: %q", got)
	}
}
