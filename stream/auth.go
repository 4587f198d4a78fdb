package stream

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// SASL mechanisms Meridian's clients speak.
const (
	SCRAMSHA256 = "SCRAM-SHA-256"
	SCRAMSHA512 = "SCRAM-SHA-512"
	Plain       = "PLAIN"
)

// Auth is how every Kafka client Meridian makes (producer, sinks' readers, dead-letter
// writers, topic creation, readiness checks) authenticates to the brokers and protects the
// connection. One value is built from the configuration and handed to all of them, so no
// client can be left talking plaintext without credentials by mistake.
//
// The zero value is an unauthenticated plaintext connection: a test cluster on loopback.
// Auth never prints its password (String, LogValue).
type Auth struct {
	mechanism sasl.Mechanism // nil: no SASL
	username  string
	tls       *tls.Config // nil: plaintext
}

// NewAuth builds the client side of a SASL mechanism (SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN;
// empty for none) with optional TLS (nil for plaintext). PLAIN sends the password as it is,
// so it is refused without TLS.
func NewAuth(mechanism, username, password string, tlsConfig *tls.Config) (Auth, error) {
	a := Auth{username: username, tls: tlsConfig}
	if mechanism == "" {
		if username != "" || password != "" {
			return Auth{}, errors.New("stream: a Kafka username or password is set but no SASL mechanism")
		}
		return a, nil
	}
	if username == "" || password == "" {
		return Auth{}, fmt.Errorf("stream: SASL %s needs a username and a password", mechanism)
	}
	var err error
	switch mechanism {
	case SCRAMSHA256:
		a.mechanism, err = scram.Mechanism(scram.SHA256, username, password)
	case SCRAMSHA512:
		a.mechanism, err = scram.Mechanism(scram.SHA512, username, password)
	case Plain:
		if tlsConfig == nil {
			return Auth{}, errors.New("stream: SASL PLAIN sends the password in clear; it needs TLS")
		}
		a.mechanism = plain.Mechanism{Username: username, Password: password}
	default:
		return Auth{}, fmt.Errorf("stream: SASL mechanism %q is not %s, %s or %s", mechanism, SCRAMSHA256, SCRAMSHA512, Plain)
	}
	if err != nil {
		return Auth{}, fmt.Errorf("stream: SASL %s: %w", mechanism, err)
	}
	return a, nil
}

// LoadTLS builds a client TLS configuration: caFile (PEM) replaces the system's roots when
// set, and certFile with keyFile present a client certificate (mutual TLS).
func LoadTLS(caFile, certFile, keyFile string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("stream: Kafka CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("stream: Kafka CA %s holds no PEM certificate", caFile)
		}
		cfg.RootCAs = pool
	}
	if (certFile == "") != (keyFile == "") {
		return nil, errors.New("stream: a Kafka client certificate needs both its certificate and its key file")
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("stream: Kafka client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// Mechanism is the SASL mechanism's name, or "" for none.
func (a Auth) Mechanism() string {
	if a.mechanism == nil {
		return ""
	}
	return a.mechanism.Name()
}

// Dialer is a kafka-go dialer that authenticates as a (for readers and admin connections).
func (a Auth) Dialer(timeout time.Duration) *kafka.Dialer {
	return &kafka.Dialer{Timeout: timeout, DualStack: true, SASLMechanism: a.mechanism, TLS: a.tls}
}

// Transport is a kafka-go transport that authenticates as a (for writers and clients).
// SASL runs once per connection; the transport keeps its connections open.
func (a Auth) Transport() *kafka.Transport {
	return &kafka.Transport{SASL: a.mechanism, TLS: a.tls}
}

// String describes a without its password.
func (a Auth) String() string {
	s := "plaintext"
	if a.tls != nil {
		s = "TLS"
	}
	if a.mechanism != nil {
		s += ", SASL " + a.mechanism.Name() + " as " + a.username
	}
	return s
}

// LogValue keeps the password out of logs.
func (a Auth) LogValue() slog.Value { return slog.StringValue(a.String()) }
