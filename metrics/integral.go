package metrics

// Integral reports whether measure counts something (events, conversations, customers), so
// that its values are whole numbers and a columnar answer may hold them as integers. A
// measure without a final step is its single partial summed over regions, and every such
// partial is a count (TestIntegralMeasuresAreCounts checks this).
func Integral(measure string) bool {
	m, ok := measures[measure]
	return ok && m.final == nil
}
