// Package compliance is where Meridian's data-protection rules live: crypto-shredding of
// personal fields (package shred), and the single gate every read of personal data passes
// through (Gate), where masking by role and region and the audit trail hook in.
package compliance
