package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A retention policy with an unknown country, a negative period or an unknown kind is refused
// before any engine starts, in one line naming the entry.
func TestServeRefusesABadRetentionPolicy(t *testing.T) {
	const full = "default: {conversations: 1 year, notes: 1 year, send_ledger: 1 year, translations: 1 year}\n"
	for _, tc := range []struct{ name, policy, want string }{
		{"unknown country", full + "countries: {XK: {conversations: 6 months}}", "countries.XK: not an ISO 3166-1 alpha-2 country code"},
		{"negative period", full + "countries: {DE: {conversations: -6 months}}", `countries.DE.conversations: "-6 months": a period must be positive`},
		{"unknown kind", full + "countries: {DE: {invoices: 6 months}}", "countries.DE.invoices: unknown kind of data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			policy := filepath.Join(t.TempDir(), "retention.yaml")
			if err := os.WriteFile(policy, []byte(tc.policy), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"serve", "--addr", freeAddr(t), "--data-dir", dir, "--retention-policy", policy}, &stdout, &stderr)
			if code == 0 || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 || !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q: want a non-zero exit and one line with %q", code, stderr.String(), tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("engines started before the policy was checked: %v", entries)
			}
		})
	}
}
