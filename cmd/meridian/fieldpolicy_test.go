package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A field policy with an unknown role, field, outcome or region (the residency policy's), or
// a k below 2, is refused before any engine starts, in one line naming the file and entry.
func TestServeRefusesABadFieldPolicy(t *testing.T) {
	for _, tc := range []struct{ name, policy, want string }{
		{"unknown role", "roles: {agnet: {text: clear}}", `line 1: roles: unknown role "agnet"`},
		{"unknown field", "roles: {agent: {email: clear}}", `line 1: roles.agent: unknown field "email"`},
		{"unknown outcome", "roles: {agent: {text: blurred}}", `line 1: roles.agent.text: "blurred" is not an outcome`},
		{"k below 2", "roles: {analyst: {phrase: {outcome: clear, k: 1}}}", `roles.analyst.phrase.k: "1": want a whole number from 2`},
		{"unknown region", "roles: {agent: {identity: clear}}\nregions:\n  apac: {agent: {identity: masked}}", "line 3: regions.apac: not a region of the residency policy (eu, us, sea)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			policy := filepath.Join(t.TempDir(), "fields.yaml")
			if err := os.WriteFile(policy, []byte(tc.policy), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			code := run([]string{"serve", "--addr", freeAddr(t), "--data-dir", dir, "--field-policy", policy}, &stdout, &stderr)
			line := strings.TrimSpace(stderr.String())
			if code == 0 || strings.Contains(line, "\n") || !strings.Contains(line, "field policy "+policy+": ") || !strings.Contains(line, tc.want) {
				t.Fatalf("exit %d, stderr %q: want a non-zero exit and one line naming %s with %q", code, stderr.String(), policy, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("engines started before the policy was checked: %v", entries)
			}
		})
	}
}

// meridian config --field-policy shows that file's tables, its region overrides as a second
// table; a bad file is one line and a non-zero exit.
func TestConfigShowsAFieldPolicysTables(t *testing.T) {
	policy := filepath.Join(t.TempDir(), "fields.yaml")
	if err := os.WriteFile(policy, []byte("roles:\n  agent: {text: clear, identity: clear}\nregions:\n  eu: {agent: {identity: masked}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"config", "--field-policy", policy}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{
		"| `agent` | clear | hidden | clear | hidden | hidden | hidden |",
		"| `admin` | hidden | hidden | hidden | hidden | hidden | hidden |",
		"| region | role | text | customer_id | identity | order | phrase | example |",
		"| `eu` | `agent` | clear | hidden | **masked** | hidden | hidden | hidden |",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("config output lacks %q", want)
		}
	}
	stdout.Reset()
	if err := os.WriteFile(policy, []byte("roles: {agent: {text: maskd}}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"config", "--field-policy", policy}, &stdout, &stderr); code == 0 || stdout.Len() != 0 {
		t.Fatalf("bad policy: exit %d, stdout %q", code, stdout.String())
	}
	var plain bytes.Buffer
	if code := run([]string{"config"}, &plain, &stderr); code != 0 || strings.Contains(plain.String(), "| region | role |") {
		t.Fatalf("config of the shipped policy (no overrides): exit %d, region table shown", code)
	}
}
