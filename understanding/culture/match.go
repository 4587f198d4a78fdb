package culture

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldRune lower-cases r and maps typographic apostrophes to "'", so that "Can’t"
// matches "can't".
func foldRune(r rune) rune {
	switch r {
	case '’', '‘', 'ʼ':
		return '\''
	}
	return unicode.ToLower(r)
}

func foldStr(s string) string { return strings.Map(foldRune, s) }

// folded is a folded copy of a text with, for each of its bytes, the offset of the
// original byte it came from, so that matches map back to the original text.
type folded struct {
	s   string
	off []int // len(s)+1 entries
}

func fold(s string) folded {
	b := make([]byte, 0, len(s)+8)
	off := make([]int, 0, len(s)+9)
	for i, r := range s {
		if r < utf8.RuneSelf { // ASCII, most of the text in Latin-script languages
			c := byte(r)
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			off = append(off, i)
			continue
		}
		n := len(b)
		b = utf8.AppendRune(b, foldRune(r))
		for range len(b) - n {
			off = append(off, i)
		}
	}
	off = append(off, len(s))
	return folded{s: string(b), off: off}
}

// isWord says whether r is part of a word for whole-word matching.
func isWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// find returns the spans, in the original text, of the non-overlapping occurrences of pat
// (already folded) in f; unless substring, only whole-word occurrences.
func (f folded) find(pat string, substring bool) [][2]int {
	if pat == "" {
		return nil
	}
	var spans [][2]int
	for from := 0; from < len(f.s); {
		i := strings.Index(f.s[from:], pat)
		if i < 0 {
			break
		}
		start, end := from+i, from+i+len(pat)
		if substring || wholeWord(f.s, start, end) {
			spans = append(spans, [2]int{f.off[start], f.off[end]})
			from = end
			continue
		}
		_, size := utf8.DecodeRuneInString(f.s[start:])
		from = start + size
	}
	return spans
}

func wholeWord(s string, start, end int) bool {
	if r, _ := utf8.DecodeLastRuneInString(s[:start]); start > 0 && isWord(r) {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(s[end:]); end < len(s) && isWord(r) {
		return false
	}
	return true
}

// containsAny says whether any of pats occurs in f.
func (f folded) containsAny(pats []string, substring bool) bool {
	for _, p := range pats {
		if len(f.find(p, substring)) > 0 {
			return true
		}
	}
	return false
}

// sentenceEnd reports runes that end a sentence or a line.
func sentenceEnd(r rune) bool {
	switch r {
	case '.', '!', '?', '\n', '。', '！', '？', '؟', '…':
		return true
	}
	return false
}

// sentences splits s into segments that concatenate back to s; each ends after its run of
// sentence-ending runes and the spaces that follow. A "." between digits ("2.5") or
// followed by a letter ("e.g") does not end a sentence.
func sentences(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !sentenceEnd(r) {
			i += size
			continue
		}
		if r == '.' {
			if next, _ := utf8.DecodeRuneInString(s[i+size:]); i+size < len(s) && isWord(next) {
				i += size
				continue
			}
		}
		j := i + size
		for j < len(s) {
			r2, size2 := utf8.DecodeRuneInString(s[j:])
			if !sentenceEnd(r2) && !unicode.IsSpace(r2) && !strings.ContainsRune(")]」』\"'”»", r2) {
				break
			}
			j += size2
		}
		out = append(out, s[start:j])
		start, i = j, j
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// core trims a segment of surrounding spaces and punctuation: what a bare "No." is made of.
func core(seg string) string {
	return strings.TrimFunc(seg, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
}

// leadingSpace is the length of seg's leading white space.
func leadingSpace(seg string) int {
	return len(seg) - len(strings.TrimLeftFunc(seg, unicode.IsSpace))
}

// lines returns the non-empty lines of s, trimmed.
func lines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
