// Package predict learns, from resolved conversations, how long a new conversation will take
// an agent to handle, and says how long a queue makes a customer wait. The router uses both:
// predicted handling time to weigh an agent's load, expected wait to choose between queueing
// for the right agent and relaxing skills.
//
// HandleSeconds comes from a ridge regression on the logarithm of handling seconds, with
// one-hot language, channel, intent, issue type, tier and urgency, and standardised
// sentiment and log(1 + messages); the intercept is not penalised. When history is thin
// (fewer than MinLinearSamples usable samples) it falls back to the median of the
// conversation's intent (with at least MinIntentSamples samples) and then to the global
// median. ExpectedWait is Erlang C's average speed of answer, from forecasting/staffing.
//
// Limits: the model is linear in the log, so effects multiply and do not interact (a VIP
// refund is the VIP effect times the refund effect). HandleSeconds is a typical
// (median-like) handling time, because exp of a mean log is a geometric mean;
// MeanHandleSeconds scales it by Duan's smearing factor, one factor for all conversations
// (it assumes the spread does not depend on the features). Predictions are clamped to the
// range seen in training. Categories seen fewer than MinCategorySamples
// times, and values unseen in training, contribute nothing (the average). Fitting is a
// single p x p solve whose size grows with the number of distinct categories, capped at
// MaxCategories per feature (the most frequent). Erlang C assumes Poisson arrivals,
// exponential handling times, agents who handle one conversation at a time and customers
// who never abandon; messaging agents with several concurrent conversations wait less than
// it says.
package predict

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/meridian-cs/meridian/forecasting/staffing"
	"gonum.org/v1/gonum/mat"
)

// Thresholds and defaults of Fit.
const (
	// MinLinearSamples is the fewest usable samples for which Fit fits the linear model.
	MinLinearSamples = 50
	// MinIntentSamples is the fewest samples of an intent for its median to be used.
	MinIntentSamples = 5
	// MinCategorySamples is the fewest samples a category value needs for a coefficient.
	MinCategorySamples = 3
	// MaxCategories is the most values per categorical feature that get a coefficient.
	MaxCategories = 256
	// DefaultLambda is the ridge penalty used when Fit is given zero.
	DefaultLambda = 1.0
)

// Errors wrapped by Fit and Evaluate.
var (
	ErrInvalid = errors.New("predict: invalid input")
	ErrNoData  = errors.New("predict: no usable samples")
)

// Features describe a conversation when it arrives.
type Features struct {
	Language, Channel, Intent, IssueType, Tier string
	// Sentiment is from -1 (negative) to 1 (positive).
	Sentiment float64
	// Urgency is the urgency level's name, such as "HIGH".
	Urgency string
	// Messages is the number of customer messages so far.
	Messages int
}

// Sample is one handled conversation.
type Sample struct {
	Features      Features
	HandleSeconds float64
}

// The categorical features, in the order of cats.
const (
	fLanguage = iota
	fChannel
	fIntent
	fIssueType
	fTier
	fUrgency
	nCat
)

var catNames = [nCat]string{"language", "channel", "intent", "issue_type", "tier", "urgency"}

// The numeric features.
const (
	fSentiment = iota
	fMessages
	nNum
)

var numNames = [nNum]string{"sentiment", "messages"}

func (f Features) cats() [nCat]string {
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	return [nCat]string{norm(f.Language), norm(f.Channel), norm(f.Intent), norm(f.IssueType), norm(f.Tier), norm(f.Urgency)}
}

func (f Features) nums() [nNum]float64 {
	s := f.Sentiment
	if math.IsNaN(s) || math.IsInf(s, 0) {
		s = 0
	}
	return [nNum]float64{max(-1, min(1, s)), math.Log1p(float64(max(0, f.Messages)))}
}

// Model predicts handling times. It is safe for concurrent use once fitted.
type Model struct {
	n, dropped int
	global     float64            // median handling seconds
	globalMean float64            // mean handling seconds
	byIntent   map[string]float64 // median per intent with enough samples
	intentMean map[string]float64 // mean per intent with enough samples
	lin        *linear            // nil when history is thin
}

type linear struct {
	intercept      float64
	cats           [nCat]map[string]float64
	mean, sd, coef [nNum]float64 // coef applies to the standardised value
	lo, hi         float64       // the range of log seconds in training
	smear          float64       // mean of exp(residual): the median-to-mean factor
}

// Fit learns a model from samples; lambda is the ridge penalty (zero: DefaultLambda).
// Samples whose HandleSeconds is not a positive finite number are dropped (Dropped counts
// them). With no usable sample Fit returns ErrNoData.
func Fit(samples []Sample, lambda float64) (*Model, error) {
	if lambda == 0 {
		lambda = DefaultLambda
	}
	if !(lambda > 0) || math.IsInf(lambda, 0) {
		return nil, fmt.Errorf("%w: lambda %v must be positive", ErrInvalid, lambda)
	}
	m := &Model{byIntent: map[string]float64{}, intentMean: map[string]float64{}}
	usable := make([]Sample, 0, len(samples))
	for _, s := range samples {
		if s.HandleSeconds > 0 && !math.IsInf(s.HandleSeconds, 0) {
			usable = append(usable, s)
		} else {
			m.dropped++
		}
	}
	m.n = len(usable)
	if m.n == 0 {
		return nil, fmt.Errorf("%w: %d samples, %d dropped", ErrNoData, len(samples), m.dropped)
	}
	all := make([]float64, 0, m.n)
	perIntent := map[string][]float64{}
	for _, s := range usable {
		all = append(all, s.HandleSeconds)
		in := s.Features.cats()[fIntent]
		perIntent[in] = append(perIntent[in], s.HandleSeconds)
	}
	m.global, m.globalMean = median(all), mean(all)
	for in, xs := range perIntent {
		if len(xs) >= MinIntentSamples {
			m.byIntent[in], m.intentMean[in] = median(xs), mean(xs)
		}
	}
	if m.n >= MinLinearSamples {
		lin, err := fitLinear(usable, lambda)
		if err != nil {
			return nil, err
		}
		m.lin = lin
	}
	return m, nil
}

// fitLinear solves (XᵀX + λD) β = Xᵀy, D the identity without the intercept, accumulating
// XᵀX row by row because each row has only 1 + nCat + nNum non-zero entries.
func fitLinear(samples []Sample, lambda float64) (*linear, error) {
	lin := &linear{lo: math.Inf(1), hi: math.Inf(-1)}
	// Columns: 0 intercept, 1..nNum numeric, then each category's values.
	var counts [nCat]map[string]int
	for c := range nCat {
		counts[c] = map[string]int{}
	}
	var sum, sumSq [nNum]float64
	for _, s := range samples {
		for c, v := range s.Features.cats() {
			counts[c][v]++
		}
		for k, v := range s.Features.nums() {
			sum[k] += v
			sumSq[k] += v * v
		}
	}
	n := float64(len(samples))
	for k := range nNum {
		lin.mean[k] = sum[k] / n
		lin.sd[k] = math.Sqrt(max(0, sumSq[k]/n-lin.mean[k]*lin.mean[k]))
		if lin.sd[k] < 1e-9 {
			lin.sd[k] = 1 // a constant feature: its coefficient stays zero under the penalty
		}
	}
	var col [nCat]map[string]int
	p := 1 + nNum
	for c := range nCat {
		col[c] = map[string]int{}
		vals := make([]string, 0, len(counts[c]))
		for v, k := range counts[c] {
			if k >= MinCategorySamples && v != "" {
				vals = append(vals, v)
			}
		}
		// The most frequent first, ties by name, so the fit is deterministic.
		slices.SortFunc(vals, func(a, b string) int {
			return cmp.Or(cmp.Compare(counts[c][b], counts[c][a]), strings.Compare(a, b))
		})
		for _, v := range vals[:min(len(vals), MaxCategories)] {
			col[c][v] = p
			p++
		}
	}

	xtx := mat.NewSymDense(p, nil)
	xty := mat.NewVecDense(p, nil)
	idx := make([]int, 0, 1+nNum+nCat)
	val := make([]float64, 0, 1+nNum+nCat)
	for _, s := range samples {
		y := math.Log(s.HandleSeconds)
		lin.lo, lin.hi = min(lin.lo, y), max(lin.hi, y)
		idx, val = idx[:0], val[:0]
		idx, val = append(idx, 0), append(val, 1)
		for k, v := range s.Features.nums() {
			idx, val = append(idx, 1+k), append(val, (v-lin.mean[k])/lin.sd[k])
		}
		for c, v := range s.Features.cats() {
			if j, ok := col[c][v]; ok {
				idx, val = append(idx, j), append(val, 1)
			}
		}
		for a, i := range idx {
			xty.SetVec(i, xty.AtVec(i)+val[a]*y)
			for b, j := range idx {
				if i <= j {
					xtx.SetSym(i, j, xtx.At(i, j)+val[a]*val[b])
				}
			}
		}
	}
	for i := 1; i < p; i++ {
		xtx.SetSym(i, i, xtx.At(i, i)+lambda)
	}
	var chol mat.Cholesky
	if !chol.Factorize(xtx) {
		return nil, fmt.Errorf("%w: the penalised normal equations are not positive definite (lambda %v, %d columns)", ErrInvalid, lambda, p)
	}
	var beta mat.VecDense
	if err := chol.SolveVecTo(&beta, xty); err != nil {
		return nil, fmt.Errorf("predict: solve ridge regression: %w", err)
	}
	lin.intercept = beta.AtVec(0)
	for k := range nNum {
		lin.coef[k] = beta.AtVec(1 + k)
	}
	for c := range nCat {
		lin.cats[c] = make(map[string]float64, len(col[c]))
		for v, j := range col[c] {
			lin.cats[c][v] = beta.AtVec(j)
		}
	}
	// Duan's smearing estimate: exp of a predicted mean log is a median; the mean is that
	// times the average exp(residual), whatever the residuals' distribution.
	var smear float64
	for _, s := range samples {
		smear += math.Exp(math.Log(s.HandleSeconds) - lin.logSeconds(s.Features))
	}
	lin.smear = smear / n
	return lin, nil
}

// HandleSeconds predicts how many seconds of an agent's time a conversation will take.
func (m *Model) HandleSeconds(f Features) float64 {
	if m.lin == nil {
		if s, ok := m.byIntent[f.cats()[fIntent]]; ok {
			return s
		}
		return m.global
	}
	return math.Exp(m.lin.logSeconds(f))
}

// MeanHandleSeconds predicts the mean handling time of conversations like f, which is what
// queueing formulas such as ExpectedWait take: the typical time of HandleSeconds scaled by
// the spread of the training residuals (a mean is above a median when a few conversations
// take very long).
func (m *Model) MeanHandleSeconds(f Features) float64 {
	if m.lin == nil {
		if s, ok := m.intentMean[f.cats()[fIntent]]; ok {
			return s
		}
		return m.globalMean
	}
	return m.HandleSeconds(f) * m.lin.smear
}

// logSeconds is the regression's prediction, clamped to the range seen in training.
func (l *linear) logSeconds(f Features) float64 {
	y := l.intercept
	for k, v := range f.nums() {
		y += l.coef[k] * (v - l.mean[k]) / l.sd[k]
	}
	for c, v := range f.cats() {
		y += l.cats[c][v]
	}
	return max(l.lo, min(l.hi, y))
}

// Linear reports whether the model is the regression (true) or the median fallback.
func (m *Model) Linear() bool { return m.lin != nil }

// Samples returns the number of samples the model learned from and the number dropped.
func (m *Model) Samples() (used, dropped int) { return m.n, m.dropped }

// Coefficients returns the regression's effects on log seconds, in the features' own units:
// "intercept", "sentiment" (per unit of sentiment), "messages" (per unit of log(1 +
// messages)) and "feature=value" for each category value, such as "intent=refund". The
// effects of one feature's values are relative to each other: only their differences mean
// anything. It returns nil for the median fallback.
func (m *Model) Coefficients() map[string]float64 {
	if m.lin == nil {
		return nil
	}
	l := m.lin
	out := map[string]float64{}
	icpt := l.intercept
	for k := range nNum {
		out[numNames[k]] = l.coef[k] / l.sd[k]
		icpt -= l.coef[k] * l.mean[k] / l.sd[k]
	}
	out["intercept"] = icpt
	for c := range nCat {
		for v, b := range l.cats[c] {
			out[catNames[c]+"="+v] = b
		}
	}
	return out
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Report compares a model with the global-median baseline on held-out samples.
type Report struct {
	// N is the number of usable test samples.
	N int
	// MAE and MAEBaseline are the mean absolute errors in seconds of the model and of the
	// training set's median handling time.
	MAE, MAEBaseline float64
}

// Evaluate fits on train and measures on test.
func Evaluate(train, test []Sample, lambda float64) (Report, error) {
	m, err := Fit(train, lambda)
	if err != nil {
		return Report{}, fmt.Errorf("predict: evaluate: %w", err)
	}
	var r Report
	for _, s := range test {
		if !(s.HandleSeconds > 0) || math.IsInf(s.HandleSeconds, 0) {
			continue
		}
		r.N++
		r.MAE += math.Abs(m.HandleSeconds(s.Features) - s.HandleSeconds)
		r.MAEBaseline += math.Abs(m.global - s.HandleSeconds)
	}
	if r.N == 0 {
		return Report{}, fmt.Errorf("predict: evaluate: test set: %w", ErrNoData)
	}
	r.MAE /= float64(r.N)
	r.MAEBaseline /= float64(r.N)
	return r, nil
}

// Unbounded is the expected wait of a queue that grows without bound.
const Unbounded = time.Duration(math.MaxInt64)

// maxAgents bounds the Erlang recursion: with staffing's traffic bound of 1e5 Erlangs, twice
// as many agents already means no wait.
const maxAgents = 2 * staffing.MaxTrafficErlangs

// ExpectedWait is the mean wait of an arriving conversation (those answered at once
// included) in an Erlang C queue with arrivalsPerHour, a mean handling time of handleSeconds
// and agents agents. No arrivals or no handling time means no wait; Unbounded means the
// agents cannot keep up (agents at most the offered load) or the parameters are beyond any
// real queue (NaN, or outside staffing.Queue's bounds).
func ExpectedWait(arrivalsPerHour, handleSeconds float64, agents int) time.Duration {
	if arrivalsPerHour <= 0 || handleSeconds <= 0 {
		return 0
	}
	q := staffing.Queue{CallsPerHour: arrivalsPerHour, AHTSeconds: handleSeconds}
	if q.Validate() != nil {
		return Unbounded
	}
	n := min(agents, int(maxAgents))
	if float64(n) <= q.Traffic() {
		return Unbounded
	}
	asa := staffing.Evaluate(q, n, 0).ASASeconds
	return time.Duration(math.Round(asa * float64(time.Second)))
}
