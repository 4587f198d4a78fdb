package email

import (
	"regexp"
	"strings"
	"unicode"
)

// Reply is an e-mail body split into what the customer wrote, their signature, and whether
// quoted earlier mail was cut.
type Reply struct {
	Body      string
	Signature string
	Quoted    bool
}

var (
	// Attribution lines that start the quoted message, one line or wrapped onto a second.
	attribution = []*regexp.Regexp{
		regexp.MustCompile(`(?i)^on\b.{0,300}\bwrote:?$`),            // Gmail, Apple Mail, Thunderbird
		regexp.MustCompile(`(?i)^am\b.{0,300}\bschrieb\b.{0,200}:$`), // German
		regexp.MustCompile(`(?i)^le\b.{0,300}\ba écrit\s?:$`),        // French
		regexp.MustCompile(`(?i)^el\b.{0,300}\bescribió:$`),          // Spanish
		regexp.MustCompile(`書きました\s*[:：]$`),                          // Japanese "… さんは書きました:"
		regexp.MustCompile(`^\d{4}年\d{1,2}月\d{1,2}日.{0,200}[:：]$`),   // Japanese Gmail "2024年1月15日(月) 10:00 名前 <a@b>:"
		regexp.MustCompile(`(?i)^.{0,300}@.{0,200}\bwrote:$`),        // "Name <a@b> wrote:"
	}
	// Separators Outlook and others put above the quoted message.
	separator = regexp.MustCompile(`(?i)^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|元のメッセージ|原始邮件|원본 메시지)\s*-{2,}$`)
	// Outlook's header block: From: … followed within a few lines by Sent:/Date:.
	headerFrom = regexp.MustCompile(`(?i)^\*?(from|von|de|差出人|发件人|보낸 사람)\s?\*?\s?[:：]`)
	headerSent = regexp.MustCompile(`(?i)^\*?(sent|date|gesendet|datum|envoyé|送信日時|发送时间|보낸 날짜)\s?\*?\s?[:：]`)
	underline  = regexp.MustCompile(`^_{10,}$`)
	// One-line signatures of mobile mail apps.
	mobileSig = regexp.MustCompile(`(?i)^(sent from my\b|sent from (mail|outlook|yahoo|gmail)\b|sent with |get outlook for\b|von meinem .{1,40} gesendet|gesendet von meinem\b|envoyé de mon\b|enviado desde mi\b|iphoneから送信|android(から|で)送信|my iphoneから送信)`)
	// Closings after which a short block is a signature (name, title, phone).
	signOff = regexp.MustCompile(`(?i)^(best( regards)?|kind regards|warm regards|regards|many thanks|thanks( again| a lot)?|thank you|cheers|sincerely( yours)?|best wishes|yours truly|mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|liebe grüße|cordialement|bien à vous|saludos|atentamente|よろしくお願い(いた)?します|宜しくお願い(いた)?します|감사합니다|谢谢|此致敬礼|此致|ขอบคุณครับ|ขอบคุณค่ะ|مع التحية|شكرا)[\s,.!。、]*$`)
)

// maxSignOffBlock bounds what follows a closing line for it to count as a signature.
const maxSignOffBlock = 8

// SplitReply cuts the quoted message a reply carries (attribution lines in English, German,
// Japanese, French, Spanish; Outlook's Original Message separator and From:/Sent: block;
// "> " lines) and the signature ("-- " delimiter, mobile apps' "Sent from my iPhone", the
// short block after a closing such as "Best regards").
func SplitReply(text string) Reply {
	lines := strings.Split(normalizeNewlines(text), "\n")
	var r Reply
	cut := quoteStart(lines)
	if cut < len(lines) {
		r.Quoted = true
	}
	body := make([]string, 0, cut)
	for _, l := range lines[:cut] {
		if strings.HasPrefix(strings.TrimLeft(l, " \t"), ">") {
			r.Quoted = true
			continue
		}
		body = append(body, l)
	}
	body, r.Signature = splitSignature(body)
	r.Body = strings.TrimSpace(strings.Join(body, "\n"))
	if r.Body == "" {
		// A bottom-posted reply or a message that is all quote: keep what is there rather
		// than nothing.
		var keep []string
		for i, l := range lines {
			if i == cut || strings.HasPrefix(strings.TrimLeft(l, " \t"), ">") {
				continue
			}
			keep = append(keep, l)
		}
		keep, sig := splitSignature(keep)
		r.Body = strings.TrimSpace(strings.Join(keep, "\n"))
		if r.Signature == "" {
			r.Signature = sig
		}
		if r.Body == "" {
			r.Body = strings.TrimSpace(text)
		}
	}
	r.Signature = strings.TrimSpace(r.Signature)
	return r
}

// quoteStart is the index of the first line of the quoted message, len(lines) when none.
func quoteStart(lines []string) int {
	for i := range lines {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		if isAttribution(l) {
			return i
		}
		// Attribution wrapped over two or three lines.
		if i+1 < len(lines) {
			two := l + " " + strings.TrimSpace(lines[i+1])
			if startsAttribution(l) && isAttribution(two) {
				return i
			}
			if i+2 < len(lines) && startsAttribution(l) && isAttribution(two+" "+strings.TrimSpace(lines[i+2])) {
				return i
			}
		}
		if separator.MatchString(l) {
			return i
		}
		if underline.MatchString(l) && i+1 < len(lines) && headerFrom.MatchString(strings.TrimSpace(lines[i+1])) {
			return i
		}
		if headerFrom.MatchString(l) {
			for j := i + 1; j < len(lines) && j <= i+4; j++ {
				if headerSent.MatchString(strings.TrimSpace(lines[j])) {
					return i
				}
			}
		}
	}
	return len(lines)
}

func startsAttribution(l string) bool {
	low := strings.ToLower(l)
	for _, p := range []string{"on ", "am ", "le ", "el "} {
		if strings.HasPrefix(low, p) {
			return true
		}
	}
	return strings.HasPrefix(l, "20") || strings.HasPrefix(l, "19")
}

func isAttribution(l string) bool {
	// Every attribution ends with a colon or "wrote"; the check spares most lines the
	// regular expressions.
	if len(l) > 500 || !(strings.HasSuffix(l, ":") || strings.HasSuffix(l, "：") || strings.HasSuffix(strings.ToLower(l), "wrote")) {
		return false
	}
	for _, re := range attribution {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}

// splitSignature returns the lines before the signature and the signature's text.
func splitSignature(lines []string) ([]string, string) {
	for i := len(lines) - 1; i >= 0; i-- {
		// RFC 3676's "-- ", also without the space that some clients trim.
		if strings.TrimRight(lines[i], " \t") == "--" {
			return lines[:i], strings.Join(lines[i+1:], "\n")
		}
	}
	for i, l := range lines {
		if mobileSig.MatchString(strings.TrimSpace(l)) {
			return lines[:i], strings.Join(lines[i:], "\n")
		}
	}
	// The last closing line within the last few non-blank lines.
	nonBlank := 0
	for i := len(lines) - 1; i >= 0 && nonBlank <= maxSignOffBlock; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		if signOff.MatchString(l) {
			if i == len(lines)-1 || strings.TrimSpace(strings.Join(lines[i+1:], "")) == "" {
				return lines, ""
			}
			return lines[:i+1], strings.Join(lines[i+1:], "\n")
		}
		nonBlank++
	}
	return lines, ""
}

// phoneLike matches a run of digits with the separators people write in phone numbers,
// ASCII or full-width, optionally after a plus sign.
var phoneLike = regexp.MustCompile(`[+＋]?[0-9０-９(（][0-9０-９ \t().（）\-‐–－−/]{5,}[0-9０-９]`)

var dateLike = regexp.MustCompile(`^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$`)

// Phones returns the phone-number-looking strings of s, as written: 7 to 15 digits with
// spaces, dots, dashes, slashes or parentheses between, not a date.
func Phones(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range phoneLike.FindAllString(s, -1) {
		m = strings.TrimSpace(strings.TrimRight(m, " \t-–/."))
		digits := 0
		for _, r := range m {
			if unicode.IsDigit(r) {
				digits++
			}
		}
		if digits < 7 || digits > 15 || dateLike.MatchString(m) || strings.Count(m, "(") != strings.Count(m, ")") && !strings.Contains(m, "（") {
			continue
		}
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}
