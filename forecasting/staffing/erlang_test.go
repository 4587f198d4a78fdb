package staffing

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// The classic worked example of Call Centre Helper's "Erlang C formula - made simple"
// (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls in 30
// minutes, 180 s AHT, 80% in 20 s. Traffic 10 Erlangs; with 11 agents the probability of
// waiting is 68.21% and the service level 39.0%; 14 agents are needed (SL 88.8%, ASA 7.8 s,
// occupancy 71.4%).
func TestErlangCWorkedExample(t *testing.T) {
	q := Queue{CallsPerHour: 200, AHTSeconds: 180}
	p := Evaluate(q, 11, 20)
	if math.Abs(p.WaitProbability-0.6821) > 5e-5 || math.Abs(p.ServiceLevel-0.3896) > 5e-4 {
		t.Errorf("11 agents: Pw %.4f SL %.4f, want 0.6821 and 0.3896", p.WaitProbability, p.ServiceLevel)
	}
	r, err := Required(q, Target{ServiceLevel: 0.8, AnswerSeconds: 20, Shrinkage: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if r.Agents != 14 || math.Abs(r.ServiceLevel-0.8884) > 5e-4 || math.Abs(r.ASASeconds-7.84) > 0.01 || math.Abs(r.Occupancy-0.7143) > 1e-4 {
		t.Errorf("got %+v, want 14 agents, SL 0.888, ASA 7.8 s, occupancy 0.714", r)
	}
	if r.ScheduledAgents != 20 { // ceil(14 / 0.7)
		t.Errorf("scheduled %d, want 20", r.ScheduledAgents)
	}
}

// Erlang B's textbook table value (e.g. Kleinrock, Queueing Systems vol. 1): 10 Erlangs on
// 10 trunks block 21.46% of calls.
func TestErlangBTable(t *testing.T) {
	if b := ErlangB(10, 10); math.Abs(b-0.2146) > 1e-4 {
		t.Errorf("B(10,10) = %.4f, want 0.2146", b)
	}
}

func TestErlangCStaysStableForThousandsOfAgents(t *testing.T) {
	q := Queue{CallsPerHour: 3600 * 5, AHTSeconds: 300} // 1500 Erlangs
	r, err := Required(q, Target{ServiceLevel: 0.8, AnswerSeconds: 20})
	if err != nil {
		t.Fatal(err)
	}
	if r.Agents < 1500 || r.Agents > 1600 || math.IsNaN(r.ServiceLevel) || r.ServiceLevel < 0.8 {
		t.Errorf("1500 Erlangs: %+v", r)
	}
	if prev := Evaluate(q, r.Agents-1, 20); prev.ServiceLevel >= 0.8 {
		t.Errorf("%d agents already reach %.4f", r.Agents-1, prev.ServiceLevel)
	}
}

// bruteForce solves the M/M/n+M birth-death chain truncated at K states as a linear system
// (gonum), and the tagged caller's answer-within-t probability with the matrix exponential of
// its absorbing chain: independent of the closed forms under test.
func bruteForce(t *testing.T, q Queue, n int, answer float64) Performance {
	l, m, th := q.CallsPerHour/3600, 1/q.AHTSeconds, 0.0
	if q.PatienceSeconds > 0 {
		th = 1 / q.PatienceSeconds
	}
	const K = 160
	death := func(k int) float64 { return float64(min(k, n))*m + float64(max(k-n, 0))*th }
	// Generator transposed, with the last equation replaced by the normalisation.
	A := mat.NewDense(K, K, nil)
	for k := 0; k < K; k++ {
		if k+1 < K {
			A.Set(k+1, k, A.At(k+1, k)+l)
			A.Set(k, k, A.At(k, k)-l)
		}
		if k > 0 {
			A.Set(k-1, k, A.At(k-1, k)+death(k))
			A.Set(k, k, A.At(k, k)-death(k))
		}
	}
	rhs := mat.NewVecDense(K, nil)
	for k := 0; k < K; k++ {
		A.Set(K-1, k, 1)
	}
	rhs.SetVec(K-1, 1)
	var pi mat.VecDense
	if err := pi.SolveVec(A, rhs); err != nil {
		t.Fatal(err)
	}
	var p Performance
	var eq float64
	for k := 0; k < K; k++ {
		if k >= n {
			p.WaitProbability += pi.AtVec(k)
			eq += float64(k-n) * pi.AtVec(k)
		} else {
			p.ServiceLevel += pi.AtVec(k)
		}
	}
	p.AbandonRate = th * eq / l
	// Tagged caller with j ahead: states j..0 (queue position), rates n m + i th forward,
	// th to "abandoned". P(answered by t) = 1 - (mass left in transient states) - P(abandoned).
	for j := 0; j < K-n; j++ {
		w := pi.AtVec(n + j)
		if w < 1e-14 {
			continue
		}
		sz := j + 2 // transient states i = j..0, plus absorbing "answered"
		G := mat.NewDense(sz, sz, nil)
		for s := 0; s <= j; s++ { // state index s holds i = j - s ahead
			i := float64(j - s)
			G.Set(s, s+1, float64(n)*m+i*th)
			G.Set(s, s, -(float64(n)*m + i*th + th))
		}
		G.Scale(answer, G)
		var E mat.Dense
		E.Exp(G)
		p.ServiceLevel += w * E.At(0, sz-1)
	}
	return p
}

func TestErlangAMatchesBirthDeathChain(t *testing.T) {
	cases := []struct {
		name string
		q    Queue
		n    int
	}{
		{"overloaded queue held by abandonment", Queue{CallsPerHour: 300, AHTSeconds: 240, PatienceSeconds: 60}, 18},
		{"typical chat queue", Queue{CallsPerHour: 120, AHTSeconds: 240, PatienceSeconds: 180}, 10},
		{"impatient callers", Queue{CallsPerHour: 60, AHTSeconds: 300, PatienceSeconds: 30}, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Evaluate(c.q, c.n, 20)
			want := bruteForce(t, c.q, c.n, 20)
			for _, f := range []struct {
				name      string
				got, want float64
			}{{"service level", got.ServiceLevel, want.ServiceLevel}, {"P(wait)", got.WaitProbability, want.WaitProbability}, {"abandon rate", got.AbandonRate, want.AbandonRate}} {
				if math.Abs(f.got-f.want) > 1e-6 {
					t.Errorf("%s = %.8f, brute force %.8f", f.name, f.got, f.want)
				}
			}
		})
	}
}

func TestErlangCMatchesBirthDeathChain(t *testing.T) {
	q := Queue{CallsPerHour: 200, AHTSeconds: 180}
	got, want := Evaluate(q, 12, 20), bruteForce(t, q, 12, 20)
	if math.Abs(got.ServiceLevel-want.ServiceLevel) > 1e-6 || math.Abs(got.WaitProbability-want.WaitProbability) > 1e-6 {
		t.Errorf("Erlang C %+v, chain %+v", got, want)
	}
}

func TestErlangAApproachesErlangCAsPatienceGrows(t *testing.T) {
	c := Evaluate(Queue{CallsPerHour: 200, AHTSeconds: 180}, 13, 20)
	a := Evaluate(Queue{CallsPerHour: 200, AHTSeconds: 180, PatienceSeconds: 1e6}, 13, 20)
	if math.Abs(a.ServiceLevel-c.ServiceLevel) > 1e-3 || math.Abs(a.ASASeconds-c.ASASeconds) > 0.05 {
		t.Errorf("Erlang A with long patience %+v, Erlang C %+v", a, c)
	}
}

func TestRequiredIsTheFewestAgents(t *testing.T) {
	for _, q := range []Queue{{CallsPerHour: 120, AHTSeconds: 240}, {CallsPerHour: 120, AHTSeconds: 240, PatienceSeconds: 90}, {CallsPerHour: 2000, AHTSeconds: 400, PatienceSeconds: 300}} {
		for _, tg := range []Target{{ServiceLevel: 0.8, AnswerSeconds: 20}, {ASASeconds: 15}, {ServiceLevel: 0.9, AnswerSeconds: 10, MaxOccupancy: 0.85}} {
			r, err := Required(q, tg)
			if err != nil {
				t.Fatal(err)
			}
			if !tg.met(Evaluate(q, r.Agents, tg.AnswerSeconds)) || r.Agents > 0 && tg.met(Evaluate(q, r.Agents-1, tg.AnswerSeconds)) {
				t.Errorf("%+v %+v: %d agents is not the fewest meeting the target", q, tg, r.Agents)
			}
		}
	}
}

func TestInvalidInputIsRefused(t *testing.T) {
	bad := []struct {
		q  Queue
		tg Target
	}{
		{Queue{CallsPerHour: -1, AHTSeconds: 100}, Target{ServiceLevel: 0.8, AnswerSeconds: 20}},
		{Queue{CallsPerHour: 10, AHTSeconds: 0}, Target{ServiceLevel: 0.8, AnswerSeconds: 20}},
		{Queue{CallsPerHour: 10, AHTSeconds: 100}, Target{ServiceLevel: 1.2, AnswerSeconds: 20}},
		{Queue{CallsPerHour: 10, AHTSeconds: 100}, Target{}},
		{Queue{CallsPerHour: 10, AHTSeconds: 100}, Target{ServiceLevel: 0.8, Shrinkage: 1}},
	}
	for _, b := range bad {
		if _, err := Required(b.q, b.tg); err == nil {
			t.Errorf("%+v %+v accepted", b.q, b.tg)
		}
	}
}

func TestQueuesNoOneHasAreRefusedByParameter(t *testing.T) {
	for _, c := range []struct {
		q     Queue
		param string
	}{
		{Queue{CallsPerHour: 1e9, AHTSeconds: 300}, ParamCallsPerHour},
		{Queue{CallsPerHour: math.NaN(), AHTSeconds: 300}, ParamCallsPerHour},
		{Queue{CallsPerHour: 10, AHTSeconds: 86401}, ParamAHT},
		{Queue{CallsPerHour: 10, AHTSeconds: 300, PatienceSeconds: 3601}, ParamPatience},
		{Queue{CallsPerHour: 1e6, AHTSeconds: 361}, ParamTraffic},
	} {
		var pe *ParamError
		if _, err := Required(c.q, Target{ServiceLevel: 0.8, AnswerSeconds: 20}); !errors.As(err, &pe) || pe.Param != c.param || !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v, want a ParamError for %s", c.q, err, c.param)
		}
	}
	// The bounds themselves are queues.
	if _, err := Required(Queue{CallsPerHour: 1e6, AHTSeconds: 360, PatienceSeconds: 3600}, Target{ServiceLevel: 0.8, AnswerSeconds: 20}); err != nil {
		t.Fatal(err)
	}
}

func TestErlangAWithFarMoreTrafficThanAgentsStaysFinite(t *testing.T) {
	// 1,250 Erlangs on one agent, callers waiting 10 minutes on average: the queue weights
	// overflowed float64 and every figure came out NaN.
	p := Evaluate(Queue{CallsPerHour: 5000, AHTSeconds: 900, PatienceSeconds: 600}, 1, 20)
	for name, v := range map[string]float64{"service level": p.ServiceLevel, "ASA": p.ASASeconds, "abandonment": p.AbandonRate, "P(wait)": p.WaitProbability} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s %v", name, v)
		}
	}
	// One agent carries at most 1 Erlang of 1,250: 1 - 1/1250 of the callers abandon.
	if math.Abs(p.AbandonRate-(1-1.0/1250)) > 1e-3 || p.WaitProbability < 0.999 || p.ServiceLevel > 1e-6 {
		t.Fatalf("%+v", p)
	}
}
