package kafkasec_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/kafkasec"
)

const secret = "s3cr3t-Pa55"

// pki is a throw-away CA with a server and a client certificate, as PEM
// files in a test's temp dir.
type pki struct {
	caFile, certFile, keyFile, serverCertFile, serverKeyFile string
}

func newPKI(t testing.TB) pki {
	t.Helper()
	dir := t.TempDir()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kafkasec test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	p := pki{caFile: filepath.Join(dir, "ca.pem")}
	writePEM(t, p.caFile, "CERTIFICATE", caDER)
	issue := func(name string, serial int64, usage x509.ExtKeyUsage, ips []net.IP) (string, string) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		certFile, keyFile := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
		writePEM(t, certFile, "CERTIFICATE", der)
		writePEM(t, keyFile, "PRIVATE KEY", keyDER)
		return certFile, keyFile
	}
	p.certFile, p.keyFile = issue("client", 2, x509.ExtKeyUsageClientAuth, nil)
	p.serverCertFile, p.serverKeyFile = issue("server", 3, x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)})
	return p
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestValidate(t *testing.T) {
	p := newPKI(t)
	pwFile := writeFile(t, "pw", secret+"\n")
	emptyFile := writeFile(t, "empty", "\n")
	notPEM := writeFile(t, "notpem", "hello\n")
	missing := filepath.Join(t.TempDir(), "missing")

	tests := []struct {
		name string
		opts kafkasec.Options
		// want lists substrings the error must contain; none means valid.
		want []string
	}{
		{name: "zero value is plaintext", opts: kafkasec.Options{}},
		{name: "plain with password", opts: kafkasec.Options{SASLMechanism: "plain", Username: "u", Password: secret}},
		{name: "kafka spelling accepted", opts: kafkasec.Options{SASLMechanism: "SCRAM-SHA-512", Username: "u", Password: secret}},
		{name: "scram-sha-256 with password file", opts: kafkasec.Options{SASLMechanism: "scram-sha-256", Username: "u", PasswordFile: pwFile}},
		{name: "tls with system roots", opts: kafkasec.Options{TLS: true}},
		{name: "mutual tls", opts: kafkasec.Options{TLS: true, TLSCAFile: p.caFile, TLSCertFile: p.certFile, TLSKeyFile: p.keyFile, TLSServerName: "localhost"}},
		{name: "tls insecure", opts: kafkasec.Options{TLS: true, TLSInsecureSkipVerify: true}},
		{name: "sasl over tls", opts: kafkasec.Options{SASLMechanism: "scram-sha-512", Username: "u", Password: secret, TLS: true, TLSCAFile: p.caFile}},
		{
			name: "unknown mechanism",
			opts: kafkasec.Options{SASLMechanism: "gssapi", Username: "u", Password: secret},
			want: []string{`--sasl-mechanism "gssapi" is not supported`, "scram-sha-512"},
		},
		{
			name: "mechanism without user and password",
			opts: kafkasec.Options{SASLMechanism: "plain"},
			want: []string{"needs --sasl-username", "needs a password: set NEWSFLOW_SASL_PASSWORD or --sasl-password-file"},
		},
		{
			name: "password twice",
			opts: kafkasec.Options{SASLMechanism: "plain", Username: "u", Password: secret, PasswordFile: pwFile},
			want: []string{"given twice"},
		},
		{
			name: "password file missing",
			opts: kafkasec.Options{SASLMechanism: "plain", Username: "u", PasswordFile: missing},
			want: []string{"--sasl-password-file", "no such file"},
		},
		{
			name: "password file empty",
			opts: kafkasec.Options{SASLMechanism: "plain", Username: "u", PasswordFile: emptyFile},
			want: []string{"is empty"},
		},
		{
			name: "user without mechanism",
			opts: kafkasec.Options{Username: "u", Password: secret},
			want: []string{"--sasl-username is set but --sasl-mechanism is not", "password is given but --sasl-mechanism is not"},
		},
		{
			name: "tls settings without tls",
			opts: kafkasec.Options{TLSCAFile: p.caFile, TLSInsecureSkipVerify: true},
			want: []string{"--tls-ca, --tls-insecure-skip-verify given without --tls"},
		},
		{
			name: "ca and insecure contradict",
			opts: kafkasec.Options{TLS: true, TLSCAFile: p.caFile, TLSInsecureSkipVerify: true},
			want: []string{"contradict"},
		},
		{
			name: "cert without key",
			opts: kafkasec.Options{TLS: true, TLSCertFile: p.certFile},
			want: []string{"--tls-cert needs --tls-key"},
		},
		{
			name: "key without cert",
			opts: kafkasec.Options{TLS: true, TLSKeyFile: p.keyFile},
			want: []string{"--tls-key needs --tls-cert"},
		},
		{
			name: "cert and key do not match",
			opts: kafkasec.Options{TLS: true, TLSCertFile: p.certFile, TLSKeyFile: p.serverKeyFile},
			want: []string{"--tls-cert", "--tls-key", "private key does not match"},
		},
		{
			name: "ca file missing",
			opts: kafkasec.Options{TLS: true, TLSCAFile: missing},
			want: []string{"--tls-ca", "no such file"},
		},
		{
			name: "ca file not pem",
			opts: kafkasec.Options{TLS: true, TLSCAFile: notPEM},
			want: []string{"holds no PEM certificate"},
		},
		{
			name: "all problems reported at once",
			opts: kafkasec.Options{SASLMechanism: "plain", TLSKeyFile: p.keyFile},
			want: []string{"needs --sasl-username", "needs a password", "--tls-key given without --tls"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error containing %q", tt.want)
			}
			if !errors.Is(err, kafkasec.ErrInvalid) {
				t.Errorf("Validate() = %v, does not wrap ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Validate() error reveals the password: %q", err)
			}
			if _, derr := tt.opts.Dialer(0); derr == nil {
				t.Errorf("Dialer() accepted options that Validate rejects")
			}
			if _, terr := tt.opts.Transport(); terr == nil {
				t.Errorf("Transport() accepted options that Validate rejects")
			}
		})
	}
}

func TestWithEnv(t *testing.T) {
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	withPW := env(map[string]string{kafkasec.PasswordEnv: "from-env"})
	tests := []struct {
		name   string
		opts   kafkasec.Options
		lookup func(string) (string, bool)
		want   string
	}{
		{"fills password when sasl is on", kafkasec.Options{SASLMechanism: "plain"}, withPW, "from-env"},
		{"ignored without sasl", kafkasec.Options{}, withPW, ""},
		{"explicit password wins", kafkasec.Options{SASLMechanism: "plain", Password: "explicit"}, withPW, "explicit"},
		{"unset variable", kafkasec.Options{SASLMechanism: "plain"}, env(nil), ""},
		{"empty variable", kafkasec.Options{SASLMechanism: "plain"}, env(map[string]string{kafkasec.PasswordEnv: ""}), ""},
		{"nil lookup", kafkasec.Options{SASLMechanism: "plain"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.opts.WithEnv(tt.lookup).Password; got != tt.want {
				t.Errorf("WithEnv().Password = %q, want %q", got, tt.want)
			}
		})
	}
	// With a password file too, the two sources contradict each other.
	o := kafkasec.Options{SASLMechanism: "plain", Username: "u", PasswordFile: writeFile(t, "pw", "x")}.WithEnv(withPW)
	if err := o.Validate(); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("env and file: Validate() = %v, want a 'given twice' error", err)
	}
}

func TestDialerAndTransport(t *testing.T) {
	p := newPKI(t)
	tests := []struct {
		name      string
		opts      kafkasec.Options
		timeout   time.Duration
		wantSASL  string // mechanism name, "" for none
		wantTLS   bool
		wantRoots bool
		wantCerts int
	}{
		{name: "plaintext", opts: kafkasec.Options{}},
		{name: "plain", opts: kafkasec.Options{SASLMechanism: "Plain", Username: "u", Password: secret}, timeout: time.Second, wantSASL: "PLAIN"},
		{name: "scram-sha-256", opts: kafkasec.Options{SASLMechanism: "scram-sha-256", Username: "u", Password: secret}, wantSASL: "SCRAM-SHA-256"},
		{name: "scram-sha-512 over mutual tls", opts: kafkasec.Options{
			SASLMechanism: "scram-sha-512", Username: "u", Password: secret,
			TLS: true, TLSCAFile: p.caFile, TLSCertFile: p.certFile, TLSKeyFile: p.keyFile,
		}, wantSASL: "SCRAM-SHA-512", wantTLS: true, wantRoots: true, wantCerts: 1},
		{name: "tls system roots", opts: kafkasec.Options{TLS: true}, wantTLS: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.opts.Dialer(tt.timeout)
			if err != nil {
				t.Fatalf("Dialer: %v", err)
			}
			tr, err := tt.opts.Transport()
			if err != nil {
				t.Fatalf("Transport: %v", err)
			}
			wantTimeout := tt.timeout
			if wantTimeout <= 0 {
				wantTimeout = kafkasec.DefaultDialTimeout
			}
			if d.Timeout != wantTimeout {
				t.Errorf("Dialer.Timeout = %v, want %v", d.Timeout, wantTimeout)
			}
			for _, c := range []struct {
				who  string
				mech interface{ Name() string }
				tls  *tls.Config
			}{{"Dialer", d.SASLMechanism, d.TLS}, {"Transport", tr.SASL, tr.TLS}} {
				gotSASL := ""
				if c.mech != nil {
					gotSASL = c.mech.Name()
				}
				if gotSASL != tt.wantSASL {
					t.Errorf("%s SASL = %q, want %q", c.who, gotSASL, tt.wantSASL)
				}
				if (c.tls != nil) != tt.wantTLS {
					t.Fatalf("%s TLS = %v, want set=%v", c.who, c.tls, tt.wantTLS)
				}
				if c.tls == nil {
					continue
				}
				if c.tls.MinVersion != tls.VersionTLS12 {
					t.Errorf("%s TLS MinVersion = %x, want TLS 1.2", c.who, c.tls.MinVersion)
				}
				if (c.tls.RootCAs != nil) != tt.wantRoots {
					t.Errorf("%s TLS RootCAs set = %v, want %v", c.who, c.tls.RootCAs != nil, tt.wantRoots)
				}
				if len(c.tls.Certificates) != tt.wantCerts {
					t.Errorf("%s TLS client certificates = %d, want %d", c.who, len(c.tls.Certificates), tt.wantCerts)
				}
			}
		})
	}
}

func TestPasswordNeverPrinted(t *testing.T) {
	o := kafkasec.Options{
		SASLMechanism: "scram-sha-512", Username: "newsflow", Password: secret,
		TLS: true, TLSCAFile: "/etc/ca.pem",
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("connecting", "security", o)
	js, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"String":   o.String(),
		"GoString": o.GoString(),
		"%v":       fmt.Sprintf("%v", o),
		"%+v":      fmt.Sprintf("%+v", o),
		"%#v":      fmt.Sprintf("%#v", o),
		"%s":       fmt.Sprintf("%s", o),
		"%d":       fmt.Sprintf("%d", o),
		"%q":       fmt.Sprintf("%q", o),
		"pointer":  fmt.Sprintf("%+v", &o),
		"in slice": fmt.Sprintf("%v", []kafkasec.Options{o}),
		"slog":     logged.String(),
		"json":     string(js),
	}
	for name, out := range outputs {
		if strings.Contains(out, secret) {
			t.Errorf("%s reveals the password: %s", name, out)
		}
	}
	if !strings.Contains(outputs["slog"], `"password":"set"`) || !strings.Contains(outputs["slog"], `"user":"newsflow"`) {
		t.Errorf("slog output lacks the non-secret fields: %s", outputs["slog"])
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		opts kafkasec.Options
		want string
	}{
		{kafkasec.Options{}, "sasl=off tls=off"},
		{kafkasec.Options{SASLMechanism: "PLAIN", Username: "u", Password: secret}, `sasl=plain user="u" password=set tls=off`},
		{kafkasec.Options{SASLMechanism: "scram-sha-256", Username: "u", PasswordFile: "/run/pw"}, `sasl=scram-sha-256 user="u" password=file:/run/pw tls=off`},
		{kafkasec.Options{SASLMechanism: "plain"}, `sasl=plain user="" password=none tls=off`},
		{
			kafkasec.Options{TLS: true, TLSCAFile: "/ca", TLSCertFile: "/c", TLSKeyFile: "/k", TLSServerName: "kafka", TLSInsecureSkipVerify: true},
			"sasl=off tls=on ca=/ca cert=/c key=/k server-name=kafka insecure-skip-verify",
		},
	}
	for _, tt := range tests {
		if got := tt.opts.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestExplain(t *testing.T) {
	sasl := kafkasec.Options{SASLMechanism: "scram-sha-512", Username: "newsflow", Password: secret}
	tlsOn := kafkasec.Options{TLS: true}
	tests := []struct {
		name string
		opts kafkasec.Options
		err  error
		want string
	}{
		{"nil", sasl, nil, ""},
		{"wrong password", sasl, fmt.Errorf("dial: %w", kafka.SASLAuthenticationFailed), `authentication as "newsflow" was rejected: check --sasl-username`},
		{"mechanism not enabled", sasl, kafka.UnsupportedSASLMechanism, "does not enable SASL mechanism scram-sha-512"},
		{"unknown CA", tlsOn, &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, "set --tls-ca"},
		{"wrong host", tlsOn, x509.HostnameError{Certificate: &x509.Certificate{}, Host: "kafka"}, "--tls-server-name"},
		{"not a tls listener", tlsOn, tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, "drop --tls or use the TLS port"},
		{"closed on plaintext", kafkasec.Options{}, io.EOF, "add --tls"},
		{"unknown error unchanged", sasl, errors.New("boom"), "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.opts.Explain(tt.err)
			if tt.err == nil {
				if got != nil {
					t.Fatalf("Explain(nil) = %v", got)
				}
				return
			}
			if !errors.Is(got, tt.err) {
				t.Errorf("Explain() = %v, does not wrap %v", got, tt.err)
			}
			if !strings.Contains(got.Error(), tt.want) {
				t.Errorf("Explain() = %q, want it to contain %q", got, tt.want)
			}
			if strings.Contains(got.Error(), secret) {
				t.Errorf("Explain() reveals the password: %q", got)
			}
		})
	}
}

// TestCheckAgainstTLSServer runs Check against a local TLS listener that is
// not Kafka: with the right CA the handshake passes and the Kafka exchange
// then fails; with another CA, Check says to fix --tls-ca.
func TestCheckAgainstTLSServer(t *testing.T) {
	p := newPKI(t)
	other := newPKI(t)
	pair, err := tls.LoadX509KeyPair(p.serverCertFile, p.serverKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// Finish the handshake (or fail it), then hang up: not Kafka.
			_ = c.(*tls.Conn).HandshakeContext(t.Context())
			_ = c.Close()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
	})

	err = kafkasec.Options{TLS: true, TLSCAFile: other.caFile}.Check(t.Context(), []string{ln.Addr().String()}, 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "set --tls-ca") {
		t.Errorf("Check with the wrong CA = %v, want a hint to set --tls-ca", err)
	}
	var unknownCA x509.UnknownAuthorityError
	if !errors.As(err, &unknownCA) {
		t.Errorf("Check with the wrong CA = %v, does not wrap x509.UnknownAuthorityError", err)
	}
	err = kafkasec.Options{TLS: true, TLSCAFile: p.caFile}.Check(t.Context(), []string{ln.Addr().String()}, 5*time.Second)
	if err == nil || strings.Contains(err.Error(), "--tls-ca") {
		t.Errorf("Check with the right CA against a non-Kafka server = %v, want a non-TLS error", err)
	}
	if err := (kafkasec.Options{}).Check(t.Context(), nil, time.Second); err == nil {
		t.Error("Check with no brokers = nil, want an error")
	}
}

// BenchmarkTransport measures building a Transport for SCRAM over mutual
// TLS: reading and parsing the CA, the client certificate and its key.
// It runs once per process start, so it only has to be far from noticeable.
func BenchmarkTransport(b *testing.B) {
	p := newPKI(b)
	o := kafkasec.Options{
		SASLMechanism: "scram-sha-512", Username: "u", Password: secret,
		TLS: true, TLSCAFile: p.caFile, TLSCertFile: p.certFile, TLSKeyFile: p.keyFile,
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := o.Transport(); err != nil {
			b.Fatal(err)
		}
	}
}
