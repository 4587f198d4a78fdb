// Package compliance is where Meridian's data-protection rules live: crypto-shredding of
// personal fields (package shred), and the single gate every read of personal data passes
// through (Gate), where masking by role and region and the audit trail hook in (its Auditor:
// in the server the hash-chained log of package audit; SlogAuditor in tests and tools). How
// each role sees each field, per region, is data (Policy: fields.default.yaml or a file
// LoadPolicy reads).
package compliance
