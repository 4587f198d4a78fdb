// Package staffing turns forecast demand into agents: Erlang C (callers wait forever) and
// Erlang A (callers abandon after an exponentially distributed patience) per interval, the
// agents needed for a service-level or average-speed-of-answer target, and follow-the-sun
// plans that decide which region staffs which hours and where AI covers alone.
//
// Everything is computed in closed form with numerically stable recursions (Erlang B by its
// recursion, incomplete beta functions by theirs), so thousands of agents are fine.
package staffing

import (
	"errors"
	"fmt"
	"math"
)

// ErrInvalid is wrapped by errors about bad parameters.
var ErrInvalid = errors.New("invalid staffing input")

// Queue describes one queue in one interval.
type Queue struct {
	// CallsPerHour is the arrival rate.
	CallsPerHour float64
	// AHTSeconds is the average handling time (talk plus wrap-up).
	AHTSeconds float64
	// PatienceSeconds is the callers' mean patience; zero means infinite (Erlang C).
	PatienceSeconds float64
}

// Bounds of a queue that exists. Beyond them an input is a mistake (or an attack), and the
// formulas' work grows with it: Erlang B's recursion runs over every agent, Erlang A's queue
// sum over the callers who arrive within a patience time.
const (
	// MaxCallsPerHour is 278 contacts a second into one queue.
	MaxCallsPerHour = 1e6
	// MaxAHTSeconds is a day of handling per contact.
	MaxAHTSeconds = 24 * 3600
	// MaxPatienceSeconds is an hour: callers who wait longer on average do not abandon in
	// Erlang A's sense; plan those queues with Erlang C (no patience).
	MaxPatienceSeconds = 3600
	// MaxTrafficErlangs is 100,000 agents busy at once in one queue.
	MaxTrafficErlangs = 1e5
)

// Queue parameters, as ParamError names them.
const (
	ParamCallsPerHour = "calls per hour"
	ParamAHT          = "average handling time"
	ParamPatience     = "patience"
	ParamTraffic      = "traffic"
)

// ParamError is a queue parameter out of bounds; callers name it as their users know it
// (a flag, a GraphQL field). It wraps ErrInvalid.
type ParamError struct {
	Param string // one of the Param* constants
	Value float64
	Want  string // what the value should be
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("%v: %s %v %s", ErrInvalid, e.Param, e.Value, e.Want)
}

func (e *ParamError) Unwrap() error { return ErrInvalid }

// Validate reports parameters the formulas cannot take, or no real queue has.
func (q Queue) Validate() error {
	switch {
	case !(q.CallsPerHour >= 0 && q.CallsPerHour <= MaxCallsPerHour):
		return &ParamError{ParamCallsPerHour, q.CallsPerHour, fmt.Sprintf("must be between 0 and %g", float64(MaxCallsPerHour))}
	case !(q.AHTSeconds > 0 && q.AHTSeconds <= MaxAHTSeconds):
		return &ParamError{ParamAHT, q.AHTSeconds, fmt.Sprintf("s must be positive and at most %d (a day)", MaxAHTSeconds)}
	case !(q.PatienceSeconds >= 0 && q.PatienceSeconds <= MaxPatienceSeconds):
		return &ParamError{ParamPatience, q.PatienceSeconds, fmt.Sprintf("s must be between 0 (no abandonment) and %d (an hour)", MaxPatienceSeconds)}
	case q.Traffic() > MaxTrafficErlangs:
		return &ParamError{ParamTraffic, q.Traffic(), fmt.Sprintf("Erlangs (calls per hour x handling time) is more than %g agents could carry in one queue", float64(MaxTrafficErlangs))}
	}
	return nil
}

// Traffic is the offered load in Erlangs: arrival rate times handling time.
func (q Queue) Traffic() float64 { return q.CallsPerHour * q.AHTSeconds / 3600 }

// Model names the queueing model the queue calls for.
func (q Queue) Model() string {
	if q.PatienceSeconds > 0 {
		return "erlang-a"
	}
	return "erlang-c"
}

// Performance is what a queue achieves with a given number of agents.
type Performance struct {
	Agents int
	// ServiceLevel is the share of all arriving calls answered within the target time.
	ServiceLevel float64
	// ASASeconds is the average speed of answer: the mean wait of answered calls, zero waits
	// included.
	ASASeconds float64
	// WaitProbability is the probability that a call has to queue.
	WaitProbability float64
	// Occupancy is the share of agent time spent handling calls.
	Occupancy float64
	// AbandonRate is the share of calls that hang up before an answer (Erlang A only).
	AbandonRate float64
}

// ErlangB returns the blocking probability of n servers offered a Erlangs, by the recursion
// B(0)=1, B(k) = a B(k-1) / (k + a B(k-1)), which never overflows.
func ErlangB(n int, a float64) float64 {
	b := 1.0
	for k := 1; k <= n; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return b
}

// ErlangC returns the probability that a call waits, with n agents and a Erlangs (1 when
// n <= a: the queue grows without bound).
func ErlangC(n int, a float64) float64 {
	if float64(n) <= a {
		return 1
	}
	b := ErlangB(n, a)
	return erlangCFromB(n, a, b)
}

func erlangCFromB(n int, a, b float64) float64 {
	if float64(n) <= a {
		return 1
	}
	return float64(n) * b / (float64(n) - a*(1-b))
}

// Evaluate returns the performance of q with n agents, answering within answerSeconds
// counting as service.
func Evaluate(q Queue, n int, answerSeconds float64) Performance {
	a := q.Traffic()
	if q.PatienceSeconds > 0 {
		return erlangA(q, n, answerSeconds)
	}
	return erlangCPerf(n, a, q.AHTSeconds, answerSeconds, ErlangB(n, a))
}

func erlangCPerf(n int, a, aht, t, b float64) Performance {
	p := Performance{Agents: n}
	if a == 0 {
		p.ServiceLevel = 1
		return p
	}
	if float64(n) <= a {
		p.WaitProbability, p.Occupancy, p.ASASeconds = 1, 1, math.Inf(1)
		return p
	}
	c := erlangCFromB(n, a, b)
	p.WaitProbability = c
	p.ServiceLevel = 1 - c*math.Exp(-(float64(n)-a)*t/aht)
	p.ASASeconds = c * aht / (float64(n) - a)
	p.Occupancy = a / float64(n)
	return p
}

// erlangA evaluates the M/M/n+M queue exactly. With arrival rate l, service rate m and
// abandonment rate th, a call finding j others queued is answered within t with probability
// (r/(r+j+1)) (1 - I_x(r+1, j+1)), x = exp(-th t), r = n m / th: its offered wait is a sum of
// exponentials with rates n m + i th, whose density integrates to a regularised incomplete
// beta function I. The stationary distribution of the birth-death chain weighs these.
func erlangA(q Queue, n int, t float64) Performance {
	p := Performance{Agents: n}
	a := q.Traffic()
	if a == 0 {
		p.ServiceLevel = 1
		return p
	}
	l := q.CallsPerHour / 3600
	m := 1 / q.AHTSeconds
	th := 1 / q.PatienceSeconds
	if n == 0 {
		// Nobody answers: everyone abandons.
		p.AbandonRate, p.WaitProbability = 1, 1
		return p
	}
	b := ErlangB(n, a) // pi_n / sum_{k<=n} pi_k
	// Queue weights q_j = pi_{n+j}/pi_n = prod_{i=1..j} l/(n m + i th), summed until negligible.
	nm := float64(n) * m
	r := nm / th
	x := math.Exp(-th * t)
	lnx, ln1x := -th*t, math.Log1p(-x)
	if x == 1 {
		ln1x = math.Inf(-1)
	}
	// I_x(r+1, j+1) by the recurrence I_x(a, b+1) = I_x(a, b) + t_b with
	// t_b = x^a (1-x)^b / (b B(a, b)), t_1 = a x^a (1-x) and t_{b+1} = t_b (1-x) (a+b)/(b+1),
	// the terms carried as logarithms so that neither x^a nor the ratios underflow.
	aa := r + 1
	inc := math.Exp(aa * lnx) // I_x(a, 1) = x^a
	logT := math.Log(aa) + aa*lnx + ln1x
	harm := 1 / (r + 1) // sum_{i=1}^{j+1} 1/(r+i)
	var sumQ, sumJQ, sumServed, sumSL, sumWait float64
	peak := (l-nm)/th + 10
	logScale := 0.0
	qj := 1.0
	for j := 0; ; j++ {
		if j > 0 {
			qj *= l / (nm + float64(j)*th)
			if qj > 1e200 {
				// With fewer agents than the traffic, q_j grows until the peak and would
				// overflow: keep every sum scaled down by e^-logScale.
				qj, sumQ, sumJQ, sumServed, sumSL, sumWait = qj*1e-200, sumQ*1e-200, sumJQ*1e-200, sumServed*1e-200, sumSL*1e-200, sumWait*1e-200
				logScale += 200 * math.Ln10
			}
			// advance I from b=j to b=j+1
			bb := float64(j)
			inc += math.Exp(logT)
			logT += ln1x + math.Log((aa+bb)/(bb+1))
			harm += 1 / (r + float64(j) + 1)
		}
		served := r / (r + float64(j) + 1)
		sumQ += qj
		sumJQ += float64(j) * qj
		sumServed += qj * served
		sumSL += qj * served * math.Max(0, 1-math.Min(inc, 1))
		sumWait += qj * served * harm / th
		// q_j grows while l > n m + j th and falls after: stop past that peak once the terms
		// are negligible (waiting for j > l/th instead cost l/th terms at every n, seconds
		// per call with thousands of calls per patience time).
		if float64(j) > peak && qj < 1e-17*sumQ {
			break
		}
	}
	// Normalise: sum_{k<n} pi_k = pi_n (1/B - 1), sum_{k>=n} pi_k = pi_n sumQ.
	// pi_n / sum_k pi_k = 1 / (1/B - 1 + sumQ); with the sums scaled, pin is too.
	pin := 1 / ((1/b-1)*math.Exp(-logScale) + sumQ)
	below := 1 - pin*sumQ // P(arrival finds a free agent)
	p.WaitProbability = pin * sumQ
	p.AbandonRate = th * pin * sumJQ / l
	answered := below + pin*sumServed
	p.ServiceLevel = below + pin*sumSL
	if answered > 0 {
		p.ASASeconds = pin * sumWait / answered
	}
	// Busy agents = carried load = a * (1 - abandon rate).
	p.Occupancy = math.Min(1, a*(1-p.AbandonRate)/float64(n))
	return p
}

// Target is what staffing must achieve; zero fields are not targeted.
type Target struct {
	// ServiceLevel (e.g. 0.8) of calls answered within AnswerSeconds (e.g. 20).
	ServiceLevel, AnswerSeconds float64
	// ASASeconds caps the average speed of answer.
	ASASeconds float64
	// MaxOccupancy caps occupancy (e.g. 0.9) so that agents are not run into the ground.
	MaxOccupancy float64
	// Shrinkage is the share of paid time agents are not available for calls (breaks,
	// training, absence): scheduled = ceil(agents / (1 - shrinkage)).
	Shrinkage float64
}

// Validate reports targets that cannot be met by any staffing.
func (t Target) Validate() error {
	switch {
	case t.ServiceLevel == 0 && t.ASASeconds == 0:
		return fmt.Errorf("%w: no target: give a service level or an ASA", ErrInvalid)
	case !(t.ServiceLevel >= 0 && t.ServiceLevel < 1):
		return fmt.Errorf("%w: service level %v must be in [0, 1)", ErrInvalid, t.ServiceLevel)
	case !(t.AnswerSeconds >= 0) || math.IsInf(t.AnswerSeconds, 0):
		return fmt.Errorf("%w: answer time %v s must be non-negative", ErrInvalid, t.AnswerSeconds)
	case !(t.ASASeconds >= 0) || math.IsInf(t.ASASeconds, 0):
		return fmt.Errorf("%w: ASA target %v s must be non-negative", ErrInvalid, t.ASASeconds)
	case !(t.MaxOccupancy >= 0 && t.MaxOccupancy <= 1):
		return fmt.Errorf("%w: maximum occupancy %v must be in [0, 1]", ErrInvalid, t.MaxOccupancy)
	case !(t.Shrinkage >= 0 && t.Shrinkage < 1):
		return fmt.Errorf("%w: shrinkage %v must be in [0, 1)", ErrInvalid, t.Shrinkage)
	}
	return nil
}

// Result is the staffing of one queue in one interval.
type Result struct {
	Model   string
	Traffic float64 // Erlangs
	Performance
	// ScheduledAgents adds shrinkage to Agents.
	ScheduledAgents int
}

func (t Target) met(p Performance) bool {
	if t.ServiceLevel > 0 && p.ServiceLevel < t.ServiceLevel-1e-12 {
		return false
	}
	if t.ASASeconds > 0 && !(p.ASASeconds <= t.ASASeconds) {
		return false
	}
	if t.MaxOccupancy > 0 && p.Occupancy > t.MaxOccupancy {
		return false
	}
	return true
}

// Scheduled adds shrinkage to the agents needed on the phones.
func (t Target) Scheduled(agents int) int {
	return int(math.Ceil(float64(agents)/(1-t.Shrinkage) - 1e-9))
}

// Required returns the fewest agents meeting the target, and their performance.
func Required(q Queue, t Target) (Result, error) {
	if err := q.Validate(); err != nil {
		return Result{}, err
	}
	if err := t.Validate(); err != nil {
		return Result{}, err
	}
	a := q.Traffic()
	res := Result{Model: q.Model(), Traffic: a}
	if a == 0 {
		res.Performance = Performance{ServiceLevel: 1}
		return res, nil
	}
	if q.PatienceSeconds == 0 {
		// Erlang C: scan upwards from the stability bound, carrying Erlang B along.
		n := int(math.Floor(a)) + 1
		b := ErlangB(n, a)
		for ; ; n++ {
			if n > int(math.Floor(a))+1 {
				b = a * b / (float64(n) + a*b)
			}
			p := erlangCPerf(n, a, q.AHTSeconds, t.AnswerSeconds, b)
			if t.met(p) {
				res.Performance = p
				res.ScheduledAgents = t.Scheduled(n)
				return res, nil
			}
		}
	}
	// Erlang A: performance improves with n; bisect between a lower bound and a generous
	// upper one. Calls answered within the target are at most those answered, a share of at
	// most n/a, so fewer than ServiceLevel*a agents never meet it.
	lo, hi := 0, int(a+10*math.Sqrt(a)+20)
	if t.ServiceLevel > 0 {
		lo = max(0, int(math.Ceil(t.ServiceLevel*a))-1)
	}
	for !t.met(erlangA(q, hi, t.AnswerSeconds)) {
		lo, hi = hi, 2*hi
	}
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if t.met(erlangA(q, mid, t.AnswerSeconds)) {
			hi = mid
		} else {
			lo = mid
		}
	}
	if t.met(erlangA(q, lo, t.AnswerSeconds)) {
		hi = lo
	}
	res.Performance = erlangA(q, hi, t.AnswerSeconds)
	res.ScheduledAgents = t.Scheduled(hi)
	return res, nil
}
