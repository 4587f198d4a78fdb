// Command evalinsights measures Meridian's opportunity-mining, competitor and price models on
// a generated multilingual corpus with planted signals (themes over-represented in South-East
// Asia, 45% of Korean enquiries comparing with Japanese brands, EU enterprise customers
// mentioning price 60% less than North American ones) and prints a Markdown report of
// precision, recall and measured rates. The RNG is seeded: the same flags give the same
// report.
//
//	go run ./cmd/evalinsights -seed 1 -per-period 600 > report.md
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/insights"
	"github.com/meridian-cs/meridian/insights/competitors"
	"github.com/meridian-cs/meridian/insights/keyness"
	"github.com/meridian-cs/meridian/insights/price"
	"github.com/meridian-cs/meridian/insights/themes"
	"github.com/meridian-cs/meridian/understanding/tokenize"
)

func main() {
	seed := flag.Uint64("seed", 1, "RNG seed")
	per := flag.Int("per-period", 600, "documents per market and period")
	dict := flag.String("competitors", "insights/competitors.example.yaml", "competitor dictionary")
	flag.Parse()
	if err := run(os.Stdout, *seed, *per, *dict); err != nil {
		fmt.Fprintln(os.Stderr, "evalinsights:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, seed uint64, per int, dictPath string) error {
	start := time.Now()
	docs := generate(seed, per)
	fmt.Fprintf(w, "corpus: %d documents, %d markets × %d periods × %d, seed %d\n\n", len(docs), len(markets), len(periods), per, seed)

	fmt.Fprintln(w, "## Opportunity mining: planted themes")
	fmt.Fprintln(w, "\nPlanted: \"high-temperature sterilisation\" and \"moisture-proof\", each in 4% → 10% → 18% of SEA documents (TH, SG, MY) over three periods, 1% elsewhere. Keyness: G², BH-corrected α = 0.01, min 5 occurrences in 3 documents, log2 ratio ≥ 1; themes: Jaccard ≥ 0.6.")
	fmt.Fprintln(w, "\n| experiment | target | baseline | key phrases | phrase precision | themes | theme precision | theme recall | emerging alerts |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	sel := func(f func(labelled) bool) []insights.Document {
		var out []insights.Document
		for _, d := range docs {
			if f(d) {
				out = append(out, d.Document)
			}
		}
		return out
	}
	sea := func(d labelled) bool { return d.region == "SEA" }
	exps := []struct {
		name, target, baseline string
		langs                  []string
		t, b                   []insights.Document
	}{
		{"A: market, within English", "SG+MY (en)", "US+GB (en)", []string{"en"},
			sel(func(d labelled) bool { return sea(d) && d.Language == "en" }),
			sel(func(d labelled) bool { return !sea(d) && d.Language == "en" })},
		{"B: period, within Thai", "TH 2025-03", "TH 2025-01", []string{"th"},
			sel(func(d labelled) bool { return d.Market == "TH" && d.Period == "2025-03" }),
			sel(func(d labelled) bool { return d.Market == "TH" && d.Period == "2025-01" })},
		{"C: naive, all languages", "all SEA", "all other markets", []string{"en", "th", "de", "es", "ja", "zh", "ko", "ar"},
			sel(sea), sel(func(d labelled) bool { return !sea(d) })},
	}
	var examples []string
	for _, e := range exps {
		res, err := keyness.Test(keyness.Count(e.t, e.b), keyness.DefaultOptions())
		if err != nil {
			return err
		}
		planted := plantedKeys(e.langs)
		nSig, nGood := 0, 0
		for _, r := range res {
			if r.Significant {
				nSig++
				if _, ok := planted[r.Phrase]; ok {
					nGood++
				}
			}
		}
		ths := themes.Group(res, append(slices.Clone(e.t), e.b...), themes.Defaults())
		correct, found := 0, map[string]bool{}
		var alerts []string
		for _, th := range ths {
			if name := classify(th, planted); name != "" {
				correct++
				found[name] = true
			}
			if a, ok := themes.Emerging(th, themes.AlertOptions{}); ok {
				alerts = append(alerts, a.Theme)
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d | %s | %d | %s | %s | %d |\n", e.name, e.target, e.baseline, nSig,
			frac(nGood, nSig), len(ths), frac(correct, len(ths)), frac(len(found), 2), len(alerts))
		if len(ths) > 0 {
			var labels []string
			for i, th := range ths {
				if i == 4 {
					labels = append(labels, fmt.Sprintf("… %d more", len(ths)-4))
					break
				}
				labels = append(labels, fmt.Sprintf("%q (%d docs, top market %s %.1f%%)", th.Label, th.Volume, th.Markets[0].Key, 100*th.Markets[0].Rate))
			}
			examples = append(examples, fmt.Sprintf("- %s: %s", e.name, strings.Join(labels, "; ")))
		}
	}
	fmt.Fprintln(w, "\nTop themes per experiment:")
	for _, x := range examples {
		fmt.Fprintln(w, x)
	}

	// Competitors.
	d, err := competitors.Load(dictPath)
	if err != nil {
		return err
	}
	all := sel(func(labelled) bool { return true })
	jp, err := d.Analyze(all, competitors.Query{Origin: "JP"})
	if err != nil {
		return err
	}
	anyRep, err := d.Analyze(all, competitors.Query{})
	if err != nil {
		return err
	}
	truthAny, truthJP, truthCo := map[string]int{}, map[string]int{}, map[string]int{}
	tp, fp, fn := 0, 0, 0
	for _, x := range docs {
		found, _ := d.Mentions(x.Text)
		planted := len(x.competitors) > 0
		if planted {
			truthAny[x.Market]++
			if x.ours {
				truthCo[x.Market]++
			}
			if slices.ContainsFunc(x.competitors, func(c string) bool { return c == "toyota" || c == "honda" || c == "lexus" }) {
				truthJP[x.Market]++
			}
		}
		switch {
		case planted && slices.Equal(found, x.competitors):
			tp++
		case planted:
			fn++
			if len(found) > 0 {
				fp++
			}
		case len(found) > 0:
			fp++
		}
	}
	fmt.Fprintln(w, "\n## Competitor mentions")
	fmt.Fprintf(w, "\nPlanted: KR 45%% of enquiries name a Japanese brand (도요타/혼다/렉서스), JP and CN 10%%, others 8%%, each in the market's language and script; half of those also name our product (co-mention). Document-level detection (exact competitor set): precision %s, recall %s (%d TP, %d FP, %d FN).\n\n", frac(tp, tp+fp), frac(tp, tp+fn), tp, fp, fn)
	fmt.Fprintln(w, "| market | documents | planted any | measured any (95% CI) | planted Japanese brands | measured Japanese brands | planted co-mention | measured co-mention |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	jpBy := map[string]insights.Rate{}
	for _, r := range jp.AnyByMarket {
		jpBy[r.Key] = r
	}
	for _, r := range anyRep.AnyByMarket {
		co := "0"
		for _, c := range anyRep.CoMention {
			if c.Key == r.Key {
				co = pct(c.Rate)
			}
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s (%s–%s) | %s | %s | %s | %s |\n", r.Key, r.Docs, pct(float64(truthAny[r.Key])/float64(r.Docs)), pct(r.Rate), pct(r.Low), pct(r.High),
			pct(float64(truthJP[r.Key])/float64(r.Docs)), pct(jpBy[r.Key].Rate), pct(float64(truthCo[r.Key])/float64(max(1, truthAny[r.Key]))), co)
	}
	ids := make([]string, 0, len(anyRep.Mentions))
	for id := range anyRep.Mentions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var counts []string
	for _, id := range ids {
		counts = append(counts, fmt.Sprintf("%s %d", id, anyRep.Mentions[id]))
	}
	fmt.Fprintf(w, "\nMention counts (documents): %s.\n", strings.Join(counts, ", "))

	// Price.
	det := price.New(price.Lexicon)
	pr := det.Analyze(all)
	ptp, pfp, pfn := 0, 0, 0
	truth := map[string][2]int{}
	for _, x := range docs {
		got := det.Mentions(x.Text)
		k := x.Market + "/" + x.Segment
		t := truth[k]
		t[1]++
		if x.price {
			t[0]++
		}
		truth[k] = t
		switch {
		case got && x.price:
			ptp++
		case got:
			pfp++
		case x.price:
			pfn++
		}
	}
	fmt.Fprintln(w, "\n## Price sensitivity")
	fmt.Fprintf(w, "\nPlanted price-mention rates: NA (US) enterprise 40%%, consumer 45%%; EU (GB, DE, ES) enterprise 16%% (60%% lower), consumer 35%%; elsewhere 30%%. Document-level detection: precision %s, recall %s (%d TP, %d FP, %d FN).\n\n", frac(ptp, ptp+pfp), frac(ptp, ptp+pfn), ptp, pfp, pfn)
	fmt.Fprintln(w, "| market/segment | documents | planted (realised) | measured (95% CI) |")
	fmt.Fprintln(w, "|---|---|---|---|")
	measured := map[string]insights.Rate{}
	for _, r := range pr.ByMarketSegment {
		measured[r.Key] = r
		t := truth[r.Key]
		fmt.Fprintf(w, "| %s | %d | %s | %s (%s–%s) |\n", r.Key, r.Docs, pct(float64(t[0])/float64(t[1])), pct(r.Rate), pct(r.Low), pct(r.High))
	}
	euHits, euDocs := 0, 0
	for _, m := range []string{"GB", "DE", "ES"} {
		euHits += measured[m+"/enterprise"].Hits
		euDocs += measured[m+"/enterprise"].Docs
	}
	eu := float64(euHits) / float64(euDocs)
	na := measured["US/enterprise"].Rate
	fmt.Fprintf(w, "\nEU enterprise vs NA enterprise: measured %s vs %s, i.e. %s lower (planted: 60%% lower). Trend of the overall rate per period: %+.4f.\n", pct(eu), pct(na), pct(1-eu/na), pr.Trend)
	fmt.Fprintf(w, "\n(evaluation ran in %s)\n", time.Since(start).Round(10*time.Millisecond))
	return nil
}

// plantedKeys are the phrase keys of the planted theme sentences in langs that never occur
// in the background, price or competitor sentences, mapped to their theme.
func plantedKeys(langs []string) map[string]string {
	bg := map[string]bool{}
	add := func(lang, s string) {
		for _, p := range tokenize.Phrases(s, lang) {
			bg[p.Key] = true
		}
	}
	for _, l := range langs {
		for _, s := range background[l] {
			for _, m := range models {
				add(l, fmt.Sprintf(s, m))
			}
		}
		for _, s := range priceLines[l] {
			add(l, s)
		}
		for _, f := range compFrames[l] {
			for _, a := range compAlias {
				add(l, fmt.Sprintf(f, a[l]))
			}
		}
	}
	out := map[string]string{}
	for name, byLang := range plantedThemes {
		for _, l := range langs {
			for _, s := range byLang[l] {
				for _, p := range tokenize.Phrases(s, l) {
					if !bg[p.Key] {
						out[p.Key] = name
					}
				}
			}
		}
	}
	return out
}

// classify names the planted theme most of a detected theme's phrases belong to, or "".
func classify(th themes.Theme, planted map[string]string) string {
	votes := map[string]int{}
	for _, k := range th.Keys {
		if n, ok := planted[k]; ok {
			votes[n]++
		}
	}
	for n, v := range votes {
		if 2*v > len(th.Keys) {
			return n
		}
	}
	return ""
}

func frac(a, b int) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }
