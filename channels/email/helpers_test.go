package email

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/meridian-cs/meridian/channels"
)

// intake records deliveries; fail, when set, answers each delivery instead.
type intake struct {
	mu   sync.Mutex
	got  []channels.Message
	fail error
}

func (in *intake) Receive(_ context.Context, channel string, d *channels.Delivery) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if channel != Name {
		panic("channel " + channel)
	}
	if in.fail != nil {
		return in.fail
	}
	in.got = append(in.got, d.Messages...)
	return nil
}

func (in *intake) messages() []channels.Message {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]channels.Message(nil), in.got...)
}

func (in *intake) setFail(err error) {
	in.mu.Lock()
	in.fail = err
	in.mu.Unlock()
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// testTLS makes a server certificate for 127.0.0.1 and a client config trusting it.
func testTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "meridian test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
