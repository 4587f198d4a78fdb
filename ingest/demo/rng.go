package demo

import "math"

// rng is a splitmix64 stream: a value type, so every conversation and hour gets its own
// generator seeded from a hash without allocating, and results do not depend on the order in
// which conversations are built.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return finalize(r.s)
}

func finalize(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// mix hashes two words into a seed.
func mix(a, b uint64) uint64 { return finalize(a ^ finalize(b+0x632be59bd9b4e019)) }

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *rng) chance(p float64) bool { return r.float() < p }

// exp draws an exponential duration in seconds with the given mean.
func (r *rng) exp(mean float64) float64 { return -mean * math.Log(1-r.float()) }

func (r *rng) norm() float64 {
	u := 1 - r.float()
	return math.Sqrt(-2*math.Log(u)) * math.Cos(2*math.Pi*r.float())
}

// poisson draws a count with the given mean (normal approximation for large means).
func (r *rng) poisson(mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 30 {
		n := math.Round(mean + math.Sqrt(mean)*r.norm())
		if n < 0 {
			return 0
		}
		return int(n)
	}
	l, p := math.Exp(-mean), 1.0
	for k := 0; ; k++ {
		p *= r.float()
		if p <= l {
			return k
		}
	}
}
