package sentiment

import "testing"

func TestScoreSign(t *testing.T) {
	tests := []struct {
		name, text string
		sign       int
	}{
		{"English praise is positive", "The service was great and fast", 1},
		{"a negated positive word is negative", "The app is not good", -1},
		{"German complaint is negative", "Das Gerät ist kaputt und langsam", -1},
		{"Chinese 不满意 is negative although it contains 满意", "我很不满意", -1},
		{"Japanese praise is positive", "とても満足しています", 1},
		{"Korean complaint is negative", "너무 느리고 고장났어요", -1},
		{"a neutral question scores zero", "Where is my parcel?", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Of(tt.text)
			got := 0
			if s.Value > 0 {
				got = 1
			} else if s.Value < 0 {
				got = -1
			}
			if got != tt.sign {
				t.Errorf("Of(%q) = %+v, want sign %d", tt.text, s, tt.sign)
			}
		})
	}
}
