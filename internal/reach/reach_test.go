package reach_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/newsflow/newsflow/internal/reach"
	"github.com/newsflow/newsflow/internal/testkafka"
)

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// recorder is a slog handler that keeps the records it is given.
type recorder struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Clone())
	return nil
}
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *recorder) WithGroup(string) slog.Handler      { return r }

func (r *recorder) records() []slog.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]slog.Record(nil), r.recs...)
}

func text(rec slog.Record) string {
	var b strings.Builder
	b.WriteString(rec.Message)
	rec.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	return b.String()
}

// A closed port: Check logs the address at once, retries until the
// deadline, and then fails naming the address and why.
func TestClosedPortFailsByTheDeadlineNamingTheAddress(t *testing.T) {
	addr := closedAddr(t)
	rec := &recorder{}
	const wait = 1500 * time.Millisecond
	ctx, cancel := context.WithTimeout(t.Context(), wait)
	defer cancel()
	start := time.Now()
	err := reach.Check(ctx, []string{addr}, nil, slog.New(rec))
	took := time.Since(start)
	if err == nil {
		t.Fatal("Check succeeded against a closed port")
	}
	if want := "cannot reach brokers " + addr; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q does not give the last error of %s (connection refused)", err, addr)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %q does not unwrap to the context's error", err)
	}
	var re *reach.Error
	if !errors.As(err, &re) || re.Attempts < 2 {
		t.Errorf("want a *reach.Error after several attempts, got %#v", err)
	}
	if took > wait+time.Second {
		t.Errorf("Check returned after %v, well past the context deadline of %v", took, wait)
	}
	recs := rec.records()
	if len(recs) == 0 {
		t.Fatal("nothing logged")
	}
	first := recs[0]
	if !strings.Contains(text(first), addr) || first.Time.Sub(start) > time.Second {
		t.Errorf("first log line %q at +%v: want the address within a second", text(first), first.Time.Sub(start))
	}
	var warned bool
	for _, r := range recs {
		warned = warned || (r.Level == slog.LevelWarn && strings.Contains(text(r), "connection refused"))
	}
	if !warned {
		t.Errorf("no warning with the reason while retrying; logged: %v", recs)
	}
}

// Every address is named with its own last error.
func TestErrorNamesEveryAddress(t *testing.T) {
	a, b := closedAddr(t), closedAddr(t)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	err := reach.Check(ctx, []string{a, b, a}, nil, nil)
	if err == nil {
		t.Fatal("Check succeeded against closed ports")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "cannot reach brokers "+a+", "+b+" ") {
		t.Errorf("error %q: want both addresses, once each, after \"cannot reach brokers \"", msg)
	}
	for _, addr := range []string{a, b} {
		if !strings.Contains(msg, addr+": dial tcp "+addr) {
			t.Errorf("error %q lacks the last error of %s", msg, addr)
		}
	}
}

func TestNoBrokers(t *testing.T) {
	if err := reach.Check(t.Context(), nil, nil, nil); err == nil || !strings.HasPrefix(err.Error(), "cannot reach brokers") {
		t.Errorf("no broker: %v", err)
	}
}

// The embedded broker answers: Check returns nil, through the caller's
// Dial, even when a dead address comes first in the list.
func TestEmbeddedBrokerAnswers(t *testing.T) {
	brokers := testkafka.Brokers(t)
	var dials atomic.Int32
	tr := &kafka.Transport{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var logs bytes.Buffer
	if err := reach.Check(ctx, append([]string{closedAddr(t)}, brokers...), tr, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
		t.Fatalf("Check against the embedded broker: %v", err)
	}
	if dials.Load() == 0 {
		t.Error("the transport's Dial was not used")
	}
	if !strings.Contains(logs.String(), "connected to Kafka") || !strings.Contains(logs.String(), brokers[0]) {
		t.Errorf("log does not say which broker answered:\n%s", logs.String())
	}
}

// A listener that accepts connections but never answers (a wrong port,
// a stuck proxy) must not hold Check past its deadline — not even in the
// SASL handshake, for which kafka-go sets no deadline of its own.
func TestSilentListenerDoesNotHoldCheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns sync.WaitGroup
	conns.Go(func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // accept, read nothing, answer nothing
		}
	})
	defer conns.Wait()
	defer ln.Close()
	for _, tc := range []struct {
		name string
		tr   *kafka.Transport
	}{
		{"plaintext", nil},
		{"sasl", &kafka.Transport{SASL: plain.Mechanism{Username: "u", Password: "p"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const wait = 800 * time.Millisecond
			ctx, cancel := context.WithTimeout(t.Context(), wait)
			defer cancel()
			start := time.Now()
			err := reach.Check(ctx, []string{ln.Addr().String()}, tc.tr, nil)
			if took := time.Since(start); took > wait+time.Second {
				t.Errorf("Check took %v with a deadline of %v", took, wait)
			}
			if err == nil || !strings.HasPrefix(err.Error(), "cannot reach brokers "+ln.Addr().String()) {
				t.Errorf("silent listener: %v", err)
			}
		})
	}
}

// With TLS and SASL the check goes through the whole handshake of the
// caller's transport: the right credentials pass, a plaintext transport or
// a wrong password fail with the reason.
func TestTLSAndSASLTransport(t *testing.T) {
	serverTLS, clientTLS := newTLSPair(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.TLS(serverTLS), kfake.EnableSASL(),
		kfake.Superuser("PLAIN", "newsflow", "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := c.ListenAddrs()
	tests := []struct {
		name string
		tr   *kafka.Transport
		want string // "" = success
	}{
		{"tls and sasl", &kafka.Transport{TLS: clientTLS, SASL: plain.Mechanism{Username: "newsflow", Password: "s3cret"}}, ""},
		{"plaintext to a TLS listener", nil, "cannot reach brokers " + brokers[0]},
		{"wrong password", &kafka.Transport{TLS: clientTLS, SASL: plain.Mechanism{Username: "newsflow", Password: "wrong"}}, "SASL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			err := reach.Check(ctx, brokers, tt.tr, nil)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Check: %v, want an error containing %q", err, tt.want)
			case err != nil:
				t.Logf("as expected: %v", err)
			}
		})
	}
}

// newTLSPair returns a server configuration with a certificate for
// 127.0.0.1 and a client configuration that trusts it.
func newTLSPair(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "reach test broker"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
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
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return server, client
}

// Explain adds a hint to each address's error and keeps what it wraps.
func TestErrorExplain(t *testing.T) {
	a, b := closedAddr(t), closedAddr(t)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	err := reach.Check(ctx, []string{a, b}, nil, nil)
	var re *reach.Error
	if !errors.As(err, &re) {
		t.Fatalf("want a *reach.Error, got %v", err)
	}
	re.Explain(func(err error) error { return fmt.Errorf("check the port: %w", err) })
	msg := err.Error()
	if strings.Count(msg, "check the port: dial tcp") != 2 || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("explained error %q", msg)
	}
}
