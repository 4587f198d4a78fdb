// Command evallanguage measures language detection on a labelled set
// (understanding/language/testdata/heldout.tsv by default): accuracy per language, on short and long
// messages, for Meridian's detector (package language, the embedded default) and for
// lingua-go all languages high accuracy, lingua-go all languages low accuracy and whatlanggo
// on the same texts; and each one's resident memory, the p99 of one analysis and analyses
// per second on one core. Each detector runs in a child process of its own (this program
// re-run with -child), so that one's memory does not count in another's.
//
//	go run ./cmd/evallanguage [-set understanding/language/testdata/heldout.tsv] [-report understanding/language/EVALUATION.md]
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/abadojack/whatlanggo"
	"github.com/meridian-cs/meridian/understanding/language"
	"github.com/pemistahl/lingua-go"
)

type sample struct {
	Tag, Country, Kind, Text string
}

func (s sample) base() string { return strings.SplitN(s.Tag, "-", 2)[0] }

// childResult is what a child process reports.
type childResult struct {
	Name       string
	LoadSec    float64
	RSSMB      float64 // VmRSS after loading, runtime.GC and debug.FreeOSMemory
	PeakMB     float64 // VmHWM: the most resident at any time, loading included
	TextOnly   []string
	WithHints  []string // BCP-47 with the country as hint (Meridian only)
	TextTags   []string // BCP-47 from the text alone (Meridian only)
	P50us      float64
	P99us      float64
	MaxUs      float64
	PerSecCore float64 // analyses per second with GOMAXPROCS=1
}

var designs = []struct{ name, desc string }{
	{"meridian", "Meridian default: lingua-go low accuracy over all 75 languages, then high accuracy over the 17 market languages for texts under 120 letters; hints"},
	{"lingua-all-high", "lingua-go v1.4.0, all 75 languages, high accuracy, preloaded"},
	{"lingua-all-low", "lingua-go v1.4.0, all 75 languages, low accuracy, preloaded"},
	{"lingua-markets-high", "lingua-go v1.4.0, only the 17 market languages, high accuracy, preloaded by lingua-go (all at once): cannot name any other language"},
	{"whatlanggo", "whatlanggo v1.0.1 (trigram profiles, 84 languages, no Malay)"},
}

func main() {
	set := flag.String("set", "understanding/language/testdata/heldout.tsv", "labelled set (tag, country, kind, text)")
	report := flag.String("report", "", "also write the report (Markdown) to this file")
	child := flag.String("child", "", "internal: run one detector and print JSON")
	only := flag.String("only", "", "comma-separated detectors to run (default all)")
	flag.Parse()
	samples, err := readSet(*set)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *child != "" {
		res, err := runChild(*child, samples)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		_ = json.NewEncoder(os.Stdout).Encode(res)
		return
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var results []childResult
	for _, d := range designs {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), d.name) {
			continue
		}
		fmt.Fprintf(os.Stderr, "running %s...\n", d.name)
		cmd := exec.Command(self, "-set", *set, "-child", d.name)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", d.name, err)
			os.Exit(1)
		}
		var r childResult
		if err := json.Unmarshal(out, &r); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", d.name, err)
			os.Exit(1)
		}
		results = append(results, r)
	}
	var sb strings.Builder
	writeReport(&sb, *set, samples, results)
	fmt.Print(sb.String())
	if *report != "" {
		if err := os.WriteFile(*report, []byte(sb.String()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

func readSet(path string) ([]sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.SplitN(line, "\t", 4)
		if len(p) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 tab-separated columns", path, n)
		}
		out = append(out, sample{p[0], p[1], p[2], p[3]})
	}
	return out, sc.Err()
}

func memMB() (rss, peak float64) {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

func runChild(name string, samples []sample) (childResult, error) {
	r := childResult{Name: name}
	start := time.Now()
	var detect func(s sample) string
	var extra func()
	switch name {
	case "meridian":
		prior, _ := strconv.ParseFloat(os.Getenv("EVAL_PRIOR"), 64)
		temper, _ := strconv.ParseFloat(os.Getenv("EVAL_TEMPER"), 64)
		d, err := language.New(language.Config{MarketPrior: prior, Temper: temper, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			return r, err
		}
		ctx := context.Background()
		detect = func(s sample) string { return d.Detect(ctx, s.Text, language.Hints{}).Base }
		extra = func() {
			for _, s := range samples {
				r.WithHints = append(r.WithHints, d.Detect(ctx, s.Text, language.Hints{Country: s.Country}).Language)
				r.TextTags = append(r.TextTags, d.Detect(ctx, s.Text, language.Hints{}).Language)
			}
		}
	case "lingua-all-high", "lingua-all-low", "lingua-markets-high":
		b := lingua.NewLanguageDetectorBuilder().FromAllLanguages().WithPreloadedLanguageModels()
		switch name {
		case "lingua-all-low":
			b = b.WithLowAccuracyMode()
		case "lingua-markets-high":
			var ls []lingua.Language
			for _, c := range language.DefaultHighAccuracy {
				ls = append(ls, lingua.GetLanguageFromIsoCode639_1(lingua.GetIsoCode639_1FromValue(c)))
			}
			b = lingua.NewLanguageDetectorBuilder().FromLanguages(ls...).WithPreloadedLanguageModels()
		}
		ld := b.Build()
		detect = func(s sample) string {
			v := ld.ComputeLanguageConfidenceValues(s.Text)
			if len(v) == 0 || v[0].Value() == 0 {
				return "und"
			}
			return strings.ToLower(v[0].Language().IsoCode639_1().String())
		}
	case "whatlanggo":
		detect = func(s sample) string {
			code := whatlanggo.DetectLang(s.Text).Iso6391()
			if code == "" {
				return "und"
			}
			return code
		}
	default:
		return r, fmt.Errorf("unknown detector %q", name)
	}
	r.LoadSec = time.Since(start).Seconds()
	runtime.GC()
	debug.FreeOSMemory()
	r.RSSMB, r.PeakMB = memMB()
	for _, s := range samples {
		r.TextOnly = append(r.TextOnly, detect(s))
	}
	if extra != nil {
		extra()
	}
	// Latency and throughput on one core: every text of the set in turn, for about 3 s.
	runtime.GOMAXPROCS(1)
	var lat []time.Duration
	t0 := time.Now()
	for time.Since(t0) < 3*time.Second {
		for _, s := range samples {
			t := time.Now()
			detect(s)
			lat = append(lat, time.Since(t))
		}
	}
	total := time.Since(t0)
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e3 }
	r.P50us, r.P99us, r.MaxUs = q(0.5), q(0.99), q(1)
	r.PerSecCore = float64(len(lat)) / total.Seconds()
	return r, nil
}

type tally struct{ ok, n int }

func (t tally) String() string {
	if t.n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(t.ok)/float64(t.n))
}

func writeReport(w *strings.Builder, set string, samples []sample, results []childResult) {
	fmt.Fprintf(w, "# Language detection: evaluation\n\nWritten by `make eval-language` (`go run ./cmd/evallanguage --set %s --report understanding/language/EVALUATION.md`) on %s. Each detector runs in a process of its own; resident MB is VmRSS after loading, runtime.GC and debug.FreeOSMemory; peak is VmHWM (loading included). Latency: every text of the set in turn for 3 s with GOMAXPROCS=1 (lingua-go's own goroutines included), on a 2-core machine shared with another job.\n\nDetectors:\n\n", set, time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	for _, r := range results {
		for _, d := range designs {
			if d.name == r.Name {
				fmt.Fprintf(w, "- `%s`: %s\n", d.name, d.desc)
			}
		}
	}
	fmt.Fprintln(w)
	var nShort, nLong int
	langs := map[string]bool{}
	for _, s := range samples {
		langs[s.base()] = true
		if s.Kind == "short" {
			nShort++
		} else {
			nLong++
		}
	}
	order := make([]string, 0, len(langs))
	for l := range langs {
		order = append(order, l)
	}
	sort.Strings(order)
	fmt.Fprintf(w, "Set: `%s`, %d messages in %d languages (%d short of 2–3 words, %d long of a sentence or two).\n\n", set, len(samples), len(order), nShort, nLong)

	fmt.Fprintf(w, "### Base language from the text alone, no hints\n\n")
	fmt.Fprintf(w, "| detector | all | short | long | market languages | others | resident MB | peak MB while loading | load s | p50 µs | p99 µs | analyses/s on one core |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		all, short, long := score(samples, r.TextOnly, nil)
		mk, ot := byMarket(samples, r.TextOnly, nil)
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %.0f | %.0f | %.1f | %.0f | %.0f | %.0f |\n", r.Name, all, short, long, mk, ot, r.RSSMB, r.PeakMB, r.LoadSec, r.P50us, r.P99us, r.PerSecCore)
	}
	for _, r := range results {
		if r.Name != "meridian" {
			continue
		}
		all, short, long := score(samples, r.WithHints, baseOf)
		mk, ot := byMarket(samples, r.WithHints, baseOf)
		fmt.Fprintf(w, "| meridian + country hint | %s | %s | %s | %s | %s | | | | | | |\n", all, short, long, mk, ot)
	}
	fmt.Fprintf(w, "\n### Per language (all messages; short in brackets)\n\n| language | n |")
	for _, r := range results {
		fmt.Fprintf(w, " %s |", r.Name)
	}
	fmt.Fprintf(w, " meridian + country |\n|---|---|")
	for range results {
		fmt.Fprintf(w, "---|")
	}
	fmt.Fprintf(w, "---|\n")
	for _, l := range order {
		n := 0
		for _, s := range samples {
			if s.base() == l {
				n++
			}
		}
		fmt.Fprintf(w, "| %s | %d |", l, n)
		for _, r := range results {
			a, s := perLang(samples, r.TextOnly, l, nil)
			fmt.Fprintf(w, " %s (%s) |", a, s)
		}
		for _, r := range results {
			if r.Name == "meridian" {
				a, s := perLang(samples, r.WithHints, l, baseOf)
				fmt.Fprintf(w, " %s (%s) |", a, s)
			}
		}
		fmt.Fprintln(w)
	}
	for _, r := range results {
		if r.Name != "meridian" {
			continue
		}
		fmt.Fprintf(w, "\n### Regional variants (Meridian; messages labelled en-*, es-*, pt-*, zh-*)\n\n")
		var txt, hint tally
		for i, s := range samples {
			switch s.base() {
			case "en", "es", "pt", "zh":
			default:
				continue
			}
			txt.n++
			hint.n++
			if r.TextTags[i] == s.Tag {
				txt.ok++
			}
			if r.WithHints[i] == s.Tag {
				hint.ok++
			}
		}
		fmt.Fprintf(w, "Exact tag from the text alone: %s of %d; with the customer's country: %s.\n", txt, txt.n, hint)
		fmt.Fprintf(w, "\nBase-language misses from the text alone:\n\n")
		for i, s := range samples {
			if r.TextOnly[i] != s.base() {
				fmt.Fprintf(w, "- want %s, got %s: %q\n", s.base(), r.TextOnly[i], s.Text)
			}
		}
		fmt.Fprintf(w, "\nMisses with the country hint (the base language, or the tag of en, es, pt, zh):\n\n")
		for i, s := range samples {
			variantCounts := strings.Contains("en es pt zh", s.base())
			if baseOf(r.WithHints[i]) != s.base() || (variantCounts && r.WithHints[i] != s.Tag) {
				fmt.Fprintf(w, "- want %s, got %s (%s): %q\n", s.Tag, r.WithHints[i], s.Country, s.Text)
			}
		}
	}
}

func baseOf(tag string) string { return strings.SplitN(tag, "-", 2)[0] }

func score(samples []sample, got []string, norm func(string) string) (all, short, long tally) {
	for i, s := range samples {
		g := got[i]
		if norm != nil {
			g = norm(g)
		}
		ok := g == s.base()
		for _, t := range []*tally{&all, map[bool]*tally{true: &short, false: &long}[s.Kind == "short"]} {
			t.n++
			if ok {
				t.ok++
			}
		}
	}
	return all, short, long
}

func byMarket(samples []sample, got []string, norm func(string) string) (market, other tally) {
	for i, s := range samples {
		g := got[i]
		if norm != nil {
			g = norm(g)
		}
		t := &other
		if slices.Contains(language.DefaultHighAccuracy, s.base()) {
			t = &market
		}
		t.n++
		if g == s.base() {
			t.ok++
		}
	}
	return market, other
}

func perLang(samples []sample, got []string, lang string, norm func(string) string) (all, short tally) {
	for i, s := range samples {
		if s.base() != lang {
			continue
		}
		g := got[i]
		if norm != nil {
			g = norm(g)
		}
		all.n++
		if g == lang {
			all.ok++
		}
		if s.Kind == "short" {
			short.n++
			if g == lang {
				short.ok++
			}
		}
	}
	return all, short
}
