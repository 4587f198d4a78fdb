package language

import (
	"bufio"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/meridian-cs/meridian/models"
)

var ctx = context.Background()

func TestNewRejectsUnknownLanguage(t *testing.T) {
	if _, err := New(Config{HighAccuracy: []string{"en", "xx"}, Lazy: true}); err == nil {
		t.Fatal("New accepted a language lingua-go does not know")
	}
}

func TestBadInputGivesAClearResult(t *testing.T) {
	d := testDetector(t)
	long := strings.Repeat("Hallo, ich habe vor zwei Wochen bestellt und das Paket ist immer noch nicht angekommen. ", models.MaxTextLen/80)
	cases := []struct {
		name, text, lang, note string
	}{
		{"empty", "", "und", "empty"},
		{"whitespace", " \n\t  ", "und", "empty"},
		{"digits", "12345 678", "und", "no evidence"},
		{"emoji", "👍🙏😡", "und", "no evidence"},
		{"invalid utf-8", string([]byte{0xff, 0xfe, 0xfd, 0x00, 0x01, 0x80, 0x81}), "und", "binary"},
		{"control heavy", "\x00\x01\x02\x03\x04ab\x05\x06\x07", "und", "binary"},
		{"over the event text limit", long, "de", "truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := d.Detect(ctx, c.text, Hints{})
			if r.Language != c.lang || r.Note != c.note {
				t.Fatalf("got %+v, want %s (%s)", r, c.lang, c.note)
			}
			if c.lang == "und" && (r.Confidence != 0 || r.Source != "none" || r.Reliable) {
				t.Fatalf("und with confidence or source: %+v", r)
			}
		})
	}
	// Binary input stays und even with hints; emoji-only with hints falls back to them.
	if r := d.Detect(ctx, "\x00\x01\x02\x03", Hints{Stated: "de"}); r.Language != "und" {
		t.Fatalf("binary with hints: %+v", r)
	}
	if r := d.Detect(ctx, "👍", Hints{Stated: "pt-br"}); r.Language != "pt-BR" || r.Source != "hints" || r.Reliable || r.Confidence > 0.5 {
		t.Fatalf("emoji with a stated language: %+v", r)
	}
}

type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := rec.Level.String() + " " + rec.Message
	rec.Attrs(func(a slog.Attr) bool { line += " " + a.String(); return true })
	r.msgs = append(r.msgs, line)
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func TestUnusualInputIsLogged(t *testing.T) {
	testDetector(t) // the models, loaded once
	rec := &recorder{}
	d, err := New(Config{Lazy: true, Logger: slog.New(rec)})
	if err != nil {
		t.Fatal(err)
	}
	d.Detect(ctx, "\x00\x01\x02\x03", Hints{})
	d.Detect(ctx, "", Hints{})
	d.Detect(ctx, "where is my order", Hints{Stated: "tlh-XX"})
	d.Detect(ctx, "where is my order", Hints{})
	want := []string{"WARN language: unusual input note=binary bytes=4", "DEBUG language: unusual input note=empty bytes=0", "DEBUG language: unknown stated locale ignored stated=tlh-XX"}
	if strings.Join(rec.msgs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("logged:\n%s\nwant:\n%s", strings.Join(rec.msgs, "\n"), strings.Join(want, "\n"))
	}
}

func TestLowAccuracyOnly(t *testing.T) {
	testDetector(t)
	d, err := New(Config{HighAccuracy: []string{}, Lazy: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := d.Detect(ctx, "Hallo, ich habe vor zwei Wochen bestellt und das Paket ist immer noch nicht angekommen.", Hints{}); r.Base != "de" {
		t.Fatalf("got %+v", r)
	}
}

func TestMixedScriptLowersConfidence(t *testing.T) {
	d := testDetector(t)
	r := d.Detect(ctx, "Hello 你好 こんにちは مرحبا привет", Hints{})
	if r.Note != "mixed script" || r.Reliable || r.Confidence >= 0.8 {
		t.Fatalf("mixed script: %+v", r)
	}
}

func TestLongTextTrustsTheText(t *testing.T) {
	d := testDetector(t)
	r := d.Detect(ctx, "Bonjour, j'ai commandé une robe la semaine dernière et je n'ai toujours rien reçu. Pouvez-vous vérifier?", Hints{Country: "DE", Stated: "de", Previous: []string{"de", "de"}})
	if r.Base != "fr" || r.Source != "text" || !r.Reliable {
		t.Fatalf("got %+v", r)
	}
}

func TestShortTextLeansOnHints(t *testing.T) {
	d := testDetector(t)
	// Two words that Indonesian and Malay share: the country decides.
	for _, c := range []struct {
		country, want string
	}{{"MY", "ms"}, {"ID", "id"}} {
		r := d.Detect(ctx, "terima kasih", Hints{Country: c.country})
		if r.Base != c.want || r.Source != "text+hints" {
			t.Errorf("terima kasih from %s: %+v", c.country, r)
		}
	}
	// The conversation's earlier messages count too.
	if r := d.Detect(ctx, "ok obrigado", Hints{Previous: []string{"pt-BR", "pt-BR"}}); r.Language != "pt-BR" {
		t.Errorf("ok obrigado after Brazilian Portuguese: %+v", r)
	}
	// Kanji only: Chinese and Japanese share it; the country chooses.
	if r := d.Detect(ctx, "注文取消", Hints{Country: "JP"}); r.Base != "ja" {
		t.Errorf("注文取消 from JP: %+v", r)
	}
	if r := d.Detect(ctx, "荷物届", Hints{}); r.Base != "ja" {
		t.Errorf("Japanese-only shinjitai: %+v", r)
	}
}

func TestVariants(t *testing.T) {
	d := testDetector(t)
	cases := []struct {
		text  string
		hints Hints
		want  string
	}{
		{"Olá, o meu pedido ainda não chegou, vocês podem verificar por favor?", Hints{Country: "BR"}, "pt-BR"},
		{"Olá, o meu pedido ainda não chegou, podem verificar por favor?", Hints{Country: "PT"}, "pt-PT"},
		{"Olá, estou a aguardar a encomenda e o telemóvel não recebe o código.", Hints{}, "pt-PT"},
		{"Oi, estou esperando meu pedido e o celular não recebe o código.", Hints{}, "pt-BR"},
		{"Hola, mi pedido todavía no ha llegado, ¿pueden revisarlo por favor?", Hints{Country: "MX"}, "es-MX"},
		{"Hola, ¿podéis decirme cuándo llega mi pedido? Lo necesito para el viernes.", Hints{}, "es-ES"},
		{"Hola, mi pedido todavía no ha llegado, ¿pueden revisarlo por favor?", Hints{Stated: "es-ar"}, "es-AR"},
		{"My order still hasn't arrived, could you have a look please?", Hints{Country: "GB"}, "en-GB"},
		{"The colour is not what the website showed, I want my favourite one.", Hints{}, "en-GB"},
		{"The color is not what the website showed, I want my favorite one.", Hints{Country: "AE"}, "en-US"},
		{"我的订单什么时候发货？", Hints{}, "zh-Hans"},
		{"我的訂單什麼時候發貨？", Hints{Country: "CN"}, "zh-Hant"},
		{"你好", Hints{Country: "TW"}, "zh-Hant"},
		{"你好", Hints{Stated: "zh-CN"}, "zh-Hans"},
		{"Bonjour, ma commande n'est pas encore arrivée, pouvez-vous vérifier?", Hints{Country: "CA"}, "fr-CA"},
		{"Bonjour, ma commande n'est pas encore arrivée, pouvez-vous vérifier?", Hints{Country: "FR"}, "fr"},
	}
	for _, c := range cases {
		if r := d.Detect(ctx, c.text, c.hints); r.Language != c.want {
			t.Errorf("%q %+v: got %s (%+v), want %s", c.text, c.hints, r.Language, r, c.want)
		}
	}
}

func TestChineseTables(t *testing.T) {
	if utf8.RuneCountInString(simplified) != utf8.RuneCountInString(traditional) {
		t.Fatal("simplified and traditional differ in length")
	}
	s, tr := []rune(simplified), []rune(traditional)
	for i := range s {
		if s[i] == tr[i] {
			t.Errorf("pair %d is the same character %c", i, s[i])
		}
	}
	for _, r := range jpOnly {
		if simpSet[r] || tradSet[r] || zhOnlySet[r] {
			t.Errorf("%c is both Japanese-only and Chinese", r)
		}
	}
}

func TestUnknownLocalesAreIgnored(t *testing.T) {
	d := testDetector(t)
	r := d.Detect(ctx, "where is my order", Hints{Stated: "klingon-XX", Country: "ZZ", Previous: []string{"", "und", "12"}})
	if r.Base != "en" {
		t.Fatalf("got %+v", r)
	}
	if r := d.Detect(ctx, "", Hints{Stated: "xx-YY"}); r.Language != "und" {
		t.Fatalf("empty with unknown stated: %+v", r)
	}
}

func TestConcurrentUse(t *testing.T) {
	d := testDetector(t)
	texts := map[string]string{"wo ist mein Paket": "de", "où est mon colis": "fr", "ขอคืนเงิน": "th", "환불해 주세요": "ko"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				for text, want := range texts {
					if r := d.Detect(ctx, text, Hints{}); r.Base != want {
						t.Errorf("%q: %+v", text, r)
					}
				}
			}
		})
	}
	wg.Wait()
}

type labelled struct{ tag, country, kind, text string }

func readSet(t *testing.T, path string) []labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			p := strings.SplitN(l, "\t", 4)
			if len(p) != 4 {
				t.Fatalf("bad line %q", l)
			}
			out = append(out, labelled{p[0], p[1], p[2], p[3]})
		}
	}
	return out
}

// TestDevelopmentSet guards the design against regressions on the development part only
// (the held-back part is for cmd/evallanguage's report).
func TestDevelopmentSet(t *testing.T) {
	d := testDetector(t)
	set := readSet(t, "testdata/dev.tsv")
	var text, hinted, tags, tagN int
	for _, s := range set {
		base := strings.SplitN(s.tag, "-", 2)[0]
		if d.Detect(ctx, s.text, Hints{}).Base == base {
			text++
		}
		r := d.Detect(ctx, s.text, Hints{Country: s.country})
		if r.Base == base {
			hinted++
		}
		if strings.Contains("en es pt zh", base) {
			tagN++
			if r.Language == s.tag {
				tags++
			}
		}
	}
	n := float64(len(set))
	t.Logf("dev: text alone %.3f, with country %.3f, variant tags %d/%d", float64(text)/n, float64(hinted)/n, tags, tagN)
	if float64(text)/n < 0.90 || float64(hinted)/n < 0.95 || float64(tags) < 0.9*float64(tagN) {
		t.Fatalf("below the design's dev figures (0.93 text, 0.98 with country, all variants)")
	}
}

// TestDemoCorpus is a sanity check, not an evaluation: the demo's message templates
// (ingest/demo/corpus.go) should be detected as the language they are filed under.
func TestDemoCorpus(t *testing.T) {
	d := testDetector(t)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../../ingest/demo/corpus.go", nil, 0)
	if err != nil {
		t.Skip("demo corpus not readable:", err)
	}
	var ok, n int
	ast.Inspect(f, func(node ast.Node) bool {
		kv, isKV := node.(*ast.KeyValueExpr)
		if !isKV {
			return true
		}
		key, isLit := kv.Key.(*ast.BasicLit)
		if !isLit || key.Kind != token.STRING {
			return true
		}
		tag, _ := strconv.Unquote(key.Value)
		if _, isComp := kv.Value.(*ast.CompositeLit); !isComp || baseOf(tag) == "" || len(tag) > 7 {
			return true
		}
		ast.Inspect(kv.Value, func(m ast.Node) bool {
			if sub, isKV := m.(*ast.KeyValueExpr); isKV {
				if id, isID := sub.Key.(*ast.Ident); isID && (id.Name == "names" || id.Name == "price") {
					return false // names and single price words are not sentences
				}
			}
			lit, isLit := m.(*ast.BasicLit)
			if !isLit || lit.Kind != token.STRING {
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			s = strings.NewReplacer("{p}", "", "{o}", "", "{b}", "").Replace(s)
			if utf8.RuneCountInString(s) < 12 {
				return true
			}
			n++
			r := d.Detect(ctx, s, Hints{})
			if r.Base == baseOf(tag) && (!strings.HasPrefix(tag, "zh-") || r.Language == tag) {
				ok++
			} else if testing.Verbose() {
				t.Logf("%s: got %s for %q", tag, r.Language, s)
			}
			return true
		})
		return false
	})
	if n == 0 {
		t.Skip("no templates found")
	}
	t.Logf("demo corpus: %d of %d templates detected as their language", ok, n)
	if float64(ok) < 0.95*float64(n) {
		t.Fatalf("only %d of %d demo templates detected as their language", ok, n)
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"", "hello", "wo ist mein Paket", "我的订单", "\xff\xfe", "👍", "مرحبا", strings.Repeat("a", 100)} {
		f.Add(s, "BR", "pt-br")
	}
	d := testDetector(f)
	f.Fuzz(func(t *testing.T, text, country, stated string) {
		r := d.Detect(ctx, text, Hints{Country: country, Stated: stated, Previous: []string{stated}})
		if r.Language == "" || r.Base == "" || r.Confidence < 0 || r.Confidence > 1 || r.Source == "" {
			t.Fatalf("unclear result %+v", r)
		}
		if (r.Language == "und") != (r.Source == "none") {
			t.Fatalf("und and source disagree: %+v", r)
		}
	})
}

func BenchmarkDetect(b *testing.B) {
	d := testDetector(b)
	cases := map[string][]string{
		"short": {"where's my parcel", "Rückerstattung bitte", "colis pas reçu", "cadê meu pedido", "barang belum sampai", "ขอคืนเงิน", "注文取消", "환불해 주세요"},
		"long": {
			"Hi, I ordered the grey jumper a fortnight ago and it still hasn't turned up. Could you check with the courier please?",
			"Hallo, ich habe vor zwei Wochen bestellt und das Paket ist immer noch nicht angekommen. Können Sie bitte nachsehen, wo es hängt?",
			"Kak, saya sudah pesan dari minggu lalu tapi sampai sekarang paketnya belum sampai. Bisa tolong dicek?",
			"Boa tarde, estou a aguardar a minha encomenda há duas semanas e o número de contacto não atende.",
		},
	}
	for _, name := range []string{"short", "long"} {
		texts := cases[name]
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				d.Detect(ctx, texts[i%len(texts)], Hints{Country: "DE"})
				i++
			}
		})
	}
}
