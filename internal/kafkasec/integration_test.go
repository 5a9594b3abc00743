package kafkasec_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/kafkasec"
)

// The integration tests need a real Apache Kafka broker with SASL and TLS
// listeners, as started by scripts/kafka.sh; `eval "$(scripts/kafka.sh env)"`
// exports these variables. Without them the tests skip.
const (
	envBrokers  = "NEWSFLOW_TEST_BROKERS"             // host:port of a PLAINTEXT listener
	envSASL     = "NEWSFLOW_TEST_KAFKA_SASL"          // host:port of a SASL_PLAINTEXT listener
	envSASLSSL  = "NEWSFLOW_TEST_KAFKA_SASL_SSL"      // host:port of a SASL_SSL listener (optional)
	envUser     = "NEWSFLOW_TEST_KAFKA_SASL_USER"     // default "newsflow", as scripts/kafka.sh
	envPassword = "NEWSFLOW_TEST_KAFKA_SASL_PASSWORD" // default "newsflow-test-secret", as scripts/kafka.sh
	envTLS      = "NEWSFLOW_TEST_KAFKA_TLS"           // host:port of an SSL listener
	envTLSCA    = "NEWSFLOW_TEST_KAFKA_TLS_CA"        // PEM CA that signed the broker certificate
	envTLSCert  = "NEWSFLOW_TEST_KAFKA_TLS_CERT"      // PEM client certificate (optional)
	envTLSKey   = "NEWSFLOW_TEST_KAFKA_TLS_KEY"       // its private key (optional)
)

func requireEnv(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if os.Getenv(n) == "" {
			t.Skipf("%s is not set: start a real broker with scripts/kafka.sh start and eval \"$(scripts/kafka.sh env)\" to run this test", n)
		}
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func saslCredentials() (user, password string) {
	return envOr(envUser, "newsflow"), envOr(envPassword, "newsflow-test-secret")
}

// TestRealKafkaPlaintext checks that the zero Options gives working plain
// kafka-go values.
func TestRealKafkaPlaintext(t *testing.T) {
	requireEnv(t, envBrokers)
	addr, _, _ := strings.Cut(os.Getenv(envBrokers), ",")
	roundTrip(t, addr, "plaintext", kafkasec.Options{})
}

func TestRealKafkaSASL(t *testing.T) {
	requireEnv(t, envSASL)
	addr := os.Getenv(envSASL)
	user, password := saslCredentials()
	pwFile := writeFile(t, "password", password+"\n")
	tests := []struct {
		name string
		opts kafkasec.Options
	}{
		{"plain", kafkasec.Options{SASLMechanism: kafkasec.MechanismPlain, Username: user, Password: password}},
		{"plain-password-file", kafkasec.Options{SASLMechanism: kafkasec.MechanismPlain, Username: user, PasswordFile: pwFile}},
		{"scram-sha-256", kafkasec.Options{SASLMechanism: kafkasec.MechanismSCRAMSHA256, Username: user, Password: password}},
		{"scram-sha-512", kafkasec.Options{SASLMechanism: kafkasec.MechanismSCRAMSHA512, Username: user, PasswordFile: pwFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roundTrip(t, addr, tt.name, tt.opts)
		})
	}
}

func TestRealKafkaTLS(t *testing.T) {
	requireEnv(t, envTLS, envTLSCA)
	addr, ca := os.Getenv(envTLS), os.Getenv(envTLSCA)
	tests := []struct {
		name string
		opts kafkasec.Options
	}{
		{"tls", kafkasec.Options{TLS: true, TLSCAFile: ca}},
		{"tls-server-name", kafkasec.Options{TLS: true, TLSCAFile: ca, TLSServerName: "localhost"}},
	}
	if os.Getenv(envTLSCert) != "" && os.Getenv(envTLSKey) != "" {
		tests = append(tests, struct {
			name string
			opts kafkasec.Options
		}{"mutual-tls", kafkasec.Options{TLS: true, TLSCAFile: ca, TLSCertFile: os.Getenv(envTLSCert), TLSKeyFile: os.Getenv(envTLSKey)}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roundTrip(t, addr, tt.name, tt.opts)
		})
	}
}

func TestRealKafkaSASLOverTLS(t *testing.T) {
	requireEnv(t, envSASLSSL, envTLSCA)
	user, password := saslCredentials()
	for _, mech := range []string{kafkasec.MechanismPlain, kafkasec.MechanismSCRAMSHA512} {
		t.Run(mech, func(t *testing.T) {
			roundTrip(t, os.Getenv(envSASLSSL), "sasl-ssl-"+mech, kafkasec.Options{
				SASLMechanism: mech, Username: user, Password: password,
				TLS: true, TLSCAFile: os.Getenv(envTLSCA),
			})
		})
	}
}

// TestRealKafkaRejections checks that a wrong password, an untrusted broker
// certificate or a plaintext client on the TLS port end in a clear error
// within the bound, not in endless retries.
func TestRealKafkaRejections(t *testing.T) {
	requireEnv(t, envSASL, envTLS, envTLSCA)
	user, _ := saslCredentials()
	tests := []struct {
		name     string
		addr     string
		opts     kafkasec.Options
		wantIs   error  // if set, errors.Is must hold
		wantHint string // substring of the message
	}{
		{
			name:     "plain wrong password",
			addr:     os.Getenv(envSASL),
			opts:     kafkasec.Options{SASLMechanism: kafkasec.MechanismPlain, Username: user, Password: "wrong-password"},
			wantIs:   kafka.SASLAuthenticationFailed,
			wantHint: "was rejected: check --sasl-username and the password",
		},
		{
			name:     "scram-sha-512 wrong password",
			addr:     os.Getenv(envSASL),
			opts:     kafkasec.Options{SASLMechanism: kafkasec.MechanismSCRAMSHA512, Username: user, Password: "wrong-password"},
			wantIs:   kafka.SASLAuthenticationFailed,
			wantHint: "was rejected",
		},
		{
			name:     "scram-sha-512 unknown user",
			addr:     os.Getenv(envSASL),
			opts:     kafkasec.Options{SASLMechanism: kafkasec.MechanismSCRAMSHA512, Username: "nobody", Password: "x"},
			wantIs:   kafka.SASLAuthenticationFailed,
			wantHint: "was rejected",
		},
		{
			name:     "untrusted broker certificate",
			addr:     os.Getenv(envTLS),
			opts:     kafkasec.Options{TLS: true, TLSCAFile: newPKI(t).caFile},
			wantHint: "set --tls-ca",
		},
		{
			name:     "plaintext client on the TLS port",
			addr:     os.Getenv(envTLS),
			opts:     kafkasec.Options{},
			wantHint: "no broker accepted the connection",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			err := tt.opts.Check(ctx, []string{tt.addr}, 10*time.Second)
			if err == nil {
				t.Fatal("Check succeeded, want an error")
			}
			if ctx.Err() != nil {
				t.Fatalf("Check ran into the test's bound instead of failing by itself: %v", err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Check = %v, want errors.Is(%v)", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantHint) {
				t.Errorf("Check = %q, want it to contain %q", err, tt.wantHint)
			}
			t.Logf("Check: %v", err)

			// A Writer with the same options fails too, and returns.
			tr, err := tt.opts.Transport()
			if err != nil {
				t.Fatal(err)
			}
			defer tr.CloseIdleConnections()
			w := &kafka.Writer{Addr: kafka.TCP(tt.addr), Topic: "kafkasec-rejected", Transport: tr, MaxAttempts: 1}
			defer w.Close()
			if err := w.WriteMessages(ctx, kafka.Message{Value: []byte("x")}); err == nil {
				t.Error("WriteMessages succeeded, want an error")
			} else if ctx.Err() != nil {
				t.Errorf("WriteMessages ran into the test's bound: %v", err)
			}
		})
	}
}

// roundTrip creates a topic, writes one record with a kafka-go Writer over
// o.Transport, reads it back with a kafka-go Reader over o.Dialer, and
// compares key, value and headers byte for byte.
func roundTrip(t *testing.T, addr, name string, o kafkasec.Options) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if err := o.Check(ctx, []string{addr}, 10*time.Second); err != nil {
		t.Fatalf("Check: %v", err)
	}
	tr, err := o.Transport()
	if err != nil {
		t.Fatalf("Transport: %v", err)
	}
	defer tr.CloseIdleConnections()
	topic := fmt.Sprintf("kafkasec-%s-%d", name, time.Now().UnixNano())
	client := &kafka.Client{Addr: kafka.TCP(addr), Transport: tr}
	res, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{
		Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: 1, ReplicationFactor: 1}},
	})
	if err != nil {
		t.Fatalf("CreateTopics: %v", err)
	}
	if err := res.Errors[topic]; err != nil {
		t.Fatalf("CreateTopics %s: %v", topic, err)
	}

	value := make([]byte, 0, 600)
	for i := range 256 {
		value = append(value, byte(i))
	}
	value = append(value, "«Grüße» — 新闻 \x00 end"...)
	want := kafka.Message{
		Key:     []byte("key-" + name),
		Value:   value,
		Headers: []kafka.Header{{Key: "newsflow-test", Value: []byte(name)}},
	}
	w := &kafka.Writer{
		Addr:         kafka.TCP(addr),
		Topic:        topic,
		Transport:    tr,
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 10 * time.Millisecond,
	}
	if err := w.WriteMessages(ctx, want); err != nil {
		_ = w.Close()
		t.Fatalf("WriteMessages: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Writer.Close: %v", err)
	}

	d, err := o.Dialer(10 * time.Second)
	if err != nil {
		t.Fatalf("Dialer: %v", err)
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:   []string{addr},
		Topic:     topic,
		Partition: 0,
		Dialer:    d,
		MinBytes:  1,
		MaxBytes:  1 << 20,
		MaxWait:   200 * time.Millisecond,
	})
	defer r.Close()
	got, err := r.ReadMessage(ctx)
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	if !bytes.Equal(got.Key, want.Key) || !bytes.Equal(got.Value, want.Value) {
		t.Errorf("read back key %q value %d bytes, want key %q value %d bytes (identical)", got.Key, len(got.Value), want.Key, len(want.Value))
	}
	if len(got.Headers) != 1 || got.Headers[0].Key != want.Headers[0].Key || !bytes.Equal(got.Headers[0].Value, want.Headers[0].Value) {
		t.Errorf("read back headers %v, want %v", got.Headers, want.Headers)
	}
}
