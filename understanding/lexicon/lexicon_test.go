package lexicon

import (
	"slices"
	"testing"
)

func TestFindRespectsEachScriptsWordBoundaries(t *testing.T) {
	m := New([]Term{
		{"Kia", "kia"}, {"Toyota", "toyota"}, {"トヨタ", "toyota"}, {"丰田", "toyota"}, {"도요타", "toyota"},
		{"โตโยต้า", "toyota"}, {"تويوتا", "toyota"}, {"discount*", "price"},
	})
	tests := []struct {
		name, text string
		want       []string
	}{
		{"a Latin name inside another word does not match", "My Nokia phone", nil},
		{"a Latin name matches as a word in any case", "Compared with KIA, yours is better", []string{"kia"}},
		{"Japanese matches as a substring before a particle", "トヨタの方が安い", []string{"toyota"}},
		{"Chinese matches as a substring", "比丰田的贵", []string{"toyota"}},
		{"Korean matches with an attached particle", "도요타와 비교하면", []string{"toyota"}},
		{"Thai matches without spaces", "รถโตโยต้าราคาถูก", []string{"toyota"}},
		{"Arabic matches after the proclitic wa-", "وتويوتا أرخص", []string{"toyota"}},
		{"Arabic does not match inside an arbitrary word", "ستويوتا", nil},
		{"a prefix term matches inflections", "Any discounts?", []string{"price"}},
		{"a prefix term still needs a left boundary", "nodiscount", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.Keys(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("Keys(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestMatchesCarryTheirSentence(t *testing.T) {
	m := New([]Term{{"Toyota", "toyota"}})
	got := m.Find("Hello. Toyota is cheaper! Bye")
	if len(got) != 1 || got[0].Sentence != "toyota is cheaper" {
		t.Errorf("got %+v", got)
	}
}
