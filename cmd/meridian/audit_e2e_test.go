package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// On a running server, a read of a message's text, an agent and a team described through
// GraphQL, and reads of the legal holds and of a customer's erasure certificates land in eu's
// audit trail with the key's id and the caller's address; verifyAuditLog finds the chain
// valid, and so does `meridian audit verify` on the data directory once the server has
// stopped (and anchored every region).
func TestTheServerAuditsReadsAndActionsAndTheCLIVerifiesThem(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir)
	if code, out := s.post(t, "/v1/events", testKey, "application/json", contractBody); code != 202 && code != 200 {
		t.Fatalf("post: %d %v", code, out)
	}
	waitCounts(t, s, map[string]float64{"eu": 1}, 20*time.Second)
	msgs := s.gql(t, `{ conversations { edges { node { messages { text } } } } }`, nil)
	if !strings.Contains(fmt.Sprint(msgs), "Wo ist meine Bestellung?") {
		t.Fatalf("conversations: %v", msgs)
	}
	s.gql(t, `mutation { upsertAgent(input: {id: "lena", name: "Lena", region: "eu", languages: ["de"], skills: [], tiers: [], maxConcurrent: 2, timezone: "Europe/Berlin", shifts: []}) { id } }`, nil)
	if up := s.gql(t, `mutation { upsertTeam(input: {id: "desk", region: "eu"}) { id } }`, nil); fmt.Sprint(up) != "map[upsertTeam:map[id:desk]]" {
		t.Fatalf("upsertTeam: %v", up)
	}
	if h := s.gql(t, `{ legalHolds(region: "eu") { id } }`, nil); fmt.Sprint(h) != "map[legalHolds:[]]" {
		t.Fatalf("legalHolds: %v", h)
	}
	if c := s.gql(t, `{ erasureCertificates(customerId: "cus_someone") { id } }`, nil); fmt.Sprint(c) != "map[erasureCertificates:[]]" {
		t.Fatalf("erasureCertificates: %v", c)
	}

	key := sha256.Sum256([]byte(testKey))
	keyID := hex.EncodeToString(key[:])
	// The reads are queued: wait until the writer has committed them.
	deadline := time.Now().Add(10 * time.Second)
	var log string
	for {
		log = fmt.Sprint(s.gql(t, `{ auditLog(region: "eu", first: 100) { edges { node { seq keyId role action subject from outcome prevHash hash } } } }`, nil))
		if strings.Contains(log, "action:read.text") || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, want := range []string{"action:read.text", "action:admin.upsert_agent", "subject:lena", "action:admin.upsert_team", "subject:desk",
		"action:compliance.read_legal_holds", "action:compliance.read_erasure_certificates", "subject:cus_someone", "keyId:" + keyID, "from:127.0.0.1", "outcome:clear"} {
		if !strings.Contains(log, want) {
			t.Errorf("eu's trail lacks %s: %s", want, log)
		}
	}
	v := fmt.Sprint(s.gql(t, `{ verifyAuditLog { valid entries firstInvalidEntry } }`, nil)["verifyAuditLog"])
	if !strings.Contains(v, "valid:true") || strings.Contains(v, "entries:0 ") {
		t.Fatalf("verifyAuditLog: %s", v)
	}
	s.stop(syscall.SIGTERM)
	code, out, errOut := runCLI(t, "audit", "verify", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "eu: valid,") || strings.Contains(out, "eu: valid, 0 entries") {
		t.Fatalf("audit verify: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "audit", "anchor", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "eu: anchored entry") {
		t.Fatalf("audit anchor: exit %d\n%s", code, out)
	}
}
