package predict

import (
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// truth is the generating model of the synthetic history: effects on log seconds.
var truth = struct {
	intercept                    float64
	intent, channel, lang, tier  map[string]float64
	urgency, issue               map[string]float64
	sentiment, messages, noiseSD float64
}{
	intercept: math.Log(300),
	intent:    map[string]float64{"refund": 0.5, "shipping": 0, "password": -0.4, "complaint": 0.8},
	channel:   map[string]float64{"whatsapp": 0, "email": 0.3, "voice": 0.2},
	lang:      map[string]float64{"en": 0, "de": 0.1, "ja": 0.25},
	tier:      map[string]float64{"new": 0, "returning": -0.1, "vip": 0.15},
	urgency:   map[string]float64{"NORMAL": 0, "HIGH": 0.2},
	issue:     map[string]float64{"billing": 0, "product": 0.1},
	sentiment: -0.3,
	messages:  0.4,
	noiseSD:   0.3,
}

func pick(r *rand.Rand, m map[string]float64) string {
	keys := slices.Sorted(maps.Keys(m)) // map order is random: sort for reproducible draws
	return keys[r.IntN(len(keys))]
}

func synth(n int, seed uint64) []Sample {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]Sample, n)
	for i := range out {
		f := Features{
			Language:  pick(r, truth.lang),
			Channel:   pick(r, truth.channel),
			Intent:    pick(r, truth.intent),
			IssueType: pick(r, truth.issue),
			Tier:      pick(r, truth.tier),
			Urgency:   pick(r, truth.urgency),
			Sentiment: r.Float64()*2 - 1,
			Messages:  1 + r.IntN(12),
		}
		y := truth.intercept + truth.intent[f.Intent] + truth.channel[f.Channel] + truth.lang[f.Language] +
			truth.tier[f.Tier] + truth.urgency[f.Urgency] + truth.issue[f.IssueType] +
			truth.sentiment*f.Sentiment + truth.messages*math.Log1p(float64(f.Messages)) +
			truth.noiseSD*r.NormFloat64()
		out[i] = Sample{Features: f, HandleSeconds: math.Exp(y)}
	}
	return out
}

func TestFitRecoversKnownCoefficients(t *testing.T) {
	m, err := Fit(synth(5000, 1), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Linear() {
		t.Fatal("5000 samples should fit the regression")
	}
	c := m.Coefficients()
	const tol = 0.04
	for name, want := range map[string]float64{"sentiment": truth.sentiment, "messages": truth.messages} {
		if math.Abs(c[name]-want) > tol {
			t.Errorf("%s = %.3f, want %.3f", name, c[name], want)
		}
	}
	// One-hot effects are identified up to a constant per feature: compare differences.
	for _, g := range []struct {
		feature string
		effects map[string]float64
		base    string
	}{
		{"intent", truth.intent, "shipping"},
		{"channel", truth.channel, "whatsapp"},
		{"language", truth.lang, "en"},
		{"tier", truth.tier, "new"},
		{"urgency", truth.urgency, "NORMAL"},
		{"issue_type", truth.issue, "billing"},
	} {
		for v, want := range g.effects {
			got := c[g.feature+"="+lower(v)] - c[g.feature+"="+lower(g.base)]
			if math.Abs(got-want) > tol {
				t.Errorf("%s=%s relative to %s: %.3f, want %.3f", g.feature, v, g.base, got, want)
			}
		}
	}
	// And a prediction is the generating model's median.
	f := Features{Language: "ja", Channel: "email", Intent: "complaint", IssueType: "product", Tier: "vip", Urgency: "HIGH", Sentiment: -0.5, Messages: 4}
	want := math.Exp(truth.intercept + 0.8 + 0.3 + 0.25 + 0.15 + 0.2 + 0.1 + 0.15 + 0.4*math.Log(5))
	if got := m.HandleSeconds(f); math.Abs(math.Log(got/want)) > 0.05 {
		t.Errorf("HandleSeconds = %.0f, want about %.0f", got, want)
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestMeanHandleSecondsIsTheMean(t *testing.T) {
	m, err := Fit(synth(5000, 8), 1)
	if err != nil {
		t.Fatal(err)
	}
	test := synth(20000, 9)
	var actual, predicted, typical float64
	for _, s := range test {
		actual += s.HandleSeconds
		predicted += m.MeanHandleSeconds(s.Features)
		typical += m.HandleSeconds(s.Features)
	}
	// Log-normal noise with sd 0.3: the mean is exp(0.045), 4.6%, above the median.
	if r := predicted / actual; math.Abs(r-1) > 0.015 {
		t.Errorf("mean predictions are %.3f of the actual total", r)
	}
	if r := predicted / typical; math.Abs(r-math.Exp(0.045)) > 0.01 {
		t.Errorf("mean / typical = %.4f, want about %.4f", r, math.Exp(0.045))
	}
}

func TestRidgeShrinks(t *testing.T) {
	samples := synth(200, 2)
	weak, _ := Fit(samples, 0.01)
	strong, _ := Fit(samples, 1e5)
	d := func(m *Model) float64 {
		c := m.Coefficients()
		return math.Abs(c["intent=complaint"] - c["intent=password"])
	}
	if !(d(strong) < d(weak)/10) {
		t.Errorf("a strong penalty should shrink effects: %.3f vs %.3f", d(strong), d(weak))
	}
}

func TestFallbacks(t *testing.T) {
	var s []Sample
	add := func(intent string, secs ...float64) {
		for _, x := range secs {
			s = append(s, Sample{Features: Features{Intent: intent}, HandleSeconds: x})
		}
	}
	add("refund", 100, 200, 300, 400, 500)   // enough for its own median: 300
	add("password", 10, 20, 30, 40)          // too few: global median
	add("shipping", 1000, math.NaN(), 0, -5) // invalid ones dropped
	m, err := Fit(s, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Linear() {
		t.Fatal("10 samples should not fit the regression")
	}
	if used, dropped := m.Samples(); used != 10 || dropped != 3 {
		t.Errorf("samples %d used %d dropped, want 10 and 3", used, dropped)
	}
	if m.Coefficients() != nil {
		t.Error("the fallback has no coefficients")
	}
	if got := m.MeanHandleSeconds(Features{Intent: "refund"}); got != 300 {
		t.Errorf("refund mean %v, want 300", got)
	}
	if got := m.MeanHandleSeconds(Features{Intent: "password"}); got != 2600.0/10 {
		t.Errorf("global mean %v, want 260", got)
	}
	for _, c := range []struct {
		intent string
		want   float64
	}{
		{"refund", 300},
		{" Refund ", 300},
		{"password", 150}, // median of all 10: (100+200)/2
		{"never seen", 150},
		{"", 150},
	} {
		if got := m.HandleSeconds(Features{Intent: c.intent}); got != c.want {
			t.Errorf("intent %q: %v, want %v", c.intent, got, c.want)
		}
	}
}

func TestUnseenCategoriesAndExtremesStayInRange(t *testing.T) {
	samples := synth(1000, 3)
	m, err := Fit(samples, 1)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range samples {
		lo, hi = min(lo, s.HandleSeconds), max(hi, s.HandleSeconds)
	}
	for _, f := range []Features{
		{},
		{Language: "xx", Channel: "pigeon", Intent: "??"},
		{Messages: 1 << 30, Sentiment: math.Inf(-1)},
		{Messages: -5, Sentiment: math.NaN()},
	} {
		got := m.HandleSeconds(f)
		if !(got >= lo*(1-1e-9) && got <= hi*(1+1e-9)) {
			t.Errorf("%+v: %v outside the training range [%v, %v]", f, got, lo, hi)
		}
	}
}

func TestFitErrors(t *testing.T) {
	if _, err := Fit(nil, 1); !errors.Is(err, ErrNoData) {
		t.Errorf("no samples: %v", err)
	}
	if _, err := Fit([]Sample{{HandleSeconds: 0}, {HandleSeconds: math.Inf(1)}}, 1); !errors.Is(err, ErrNoData) {
		t.Errorf("no usable samples: %v", err)
	}
	for _, l := range []float64{-1, math.NaN(), math.Inf(1)} {
		if _, err := Fit(synth(10, 1), l); !errors.Is(err, ErrInvalid) {
			t.Errorf("lambda %v: %v", l, err)
		}
	}
}

func TestEvaluateBeatsTheBaseline(t *testing.T) {
	r, err := Evaluate(synth(4000, 4), synth(1000, 5), 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", r)
	if r.N != 1000 || !(r.MAE < 0.7*r.MAEBaseline) {
		t.Errorf("got %+v, want N 1000 and MAE well under the baseline's", r)
	}
	if _, err := Evaluate(synth(100, 4), nil, 1); !errors.Is(err, ErrNoData) {
		t.Errorf("empty test set: %v", err)
	}
	if _, err := Evaluate(nil, synth(10, 4), 1); !errors.Is(err, ErrNoData) {
		t.Errorf("empty training set: %v", err)
	}
}

func TestExpectedWait(t *testing.T) {
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	cases := []struct {
		name          string
		arrivals, aht float64
		agents        int
		want, tol     time.Duration
	}{
		// Call Centre Helper's worked example (see forecasting/staffing's erlang_test.go):
		// 200 calls an hour, 180 s handling: 10 Erlangs. With 14 agents the ASA is 7.8 s;
		// with 11 agents P(wait) is 68.21%, so the ASA is 0.6821 x 180 / (11 - 10) s.
		{"worked example, 14 agents", 200, 180, 14, sec(7.84), sec(0.01)},
		{"worked example, 11 agents", 200, 180, 11, sec(0.6821 * 180), sec(0.01)},
		// M/M/1: the wait is rho/(1-rho) x AHT; rho 0.5 waits one handling time.
		{"one agent at half load", 10, 180, 1, sec(180), sec(0.001)},
		{"as many agents as Erlangs never catch up", 200, 180, 10, Unbounded, 0},
		{"no agents", 1, 60, 0, Unbounded, 0},
		{"no arrivals", 0, 180, 3, 0, 0},
		{"no handling time", 100, 0, 3, 0, 0},
		{"NaN", math.NaN(), 180, 3, Unbounded, 0},
		{"beyond any real queue", 1e9, 180, 3, Unbounded, 0},
		{"absurdly many agents", 200, 180, math.MaxInt, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ExpectedWait(c.arrivals, c.aht, c.agents)
			if d := got - c.want; d > c.tol || d < -c.tol {
				t.Errorf("got %v, want %v ± %v", got, c.want, c.tol)
			}
		})
	}
}

func TestExpectedWaitFallsWithAgents(t *testing.T) {
	prev := Unbounded
	for n := 11; n < 30; n++ {
		w := ExpectedWait(200, 180, n)
		if w >= prev {
			t.Fatalf("%d agents wait %v, no less than %v with one fewer", n, w, prev)
		}
		prev = w
	}
}

func BenchmarkHandleSeconds(b *testing.B) {
	samples := synth(5000, 6)
	m, err := Fit(samples, 1)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		m.HandleSeconds(samples[i%len(samples)].Features)
	}
}

func BenchmarkFit(b *testing.B) {
	samples := synth(10000, 7)
	for b.Loop() {
		if _, err := Fit(samples, 1); err != nil {
			b.Fatal(err)
		}
	}
}
