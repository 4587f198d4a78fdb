package shred_test

import (
	"bytes"
	"testing"

	"github.com/meridian-cs/meridian/compliance/shred"
)

func TestSecretsOpenOnlyWithTheirMasterKey(t *testing.T) {
	a, _ := shred.NewKeyring(nil, bytes.Repeat([]byte{1}, 32))
	b, _ := shred.NewKeyring(nil, bytes.Repeat([]byte{2}, 32))
	sealed, err := a.SealSecret([]byte(`{"MERIDIAN_LINE_CHANNEL_SECRET":"s3cret"}`))
	if err != nil || bytes.Contains(sealed, []byte("s3cret")) {
		t.Fatalf("sealed %q, %v", sealed, err)
	}
	if plain, err := a.OpenSecret(sealed); err != nil || string(plain) != `{"MERIDIAN_LINE_CHANNEL_SECRET":"s3cret"}` {
		t.Fatalf("open: %q %v", plain, err)
	}
	if _, err := b.OpenSecret(sealed); err == nil {
		t.Fatal("another master key opened the secret")
	}
	if _, err := a.OpenSecret(sealed[:5]); err == nil {
		t.Fatal("a truncated secret opened")
	}
}
