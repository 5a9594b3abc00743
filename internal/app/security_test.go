package app_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/kafkasec"
	"github.com/newsflow/newsflow/internal/testkafka"
)

// The whole pipeline over SASL (SCRAM-SHA-512 and PLAIN) and TLS against
// the real broker of scripts/kafka.sh (tier 3). Skipped without it.
func TestPipelineOverSASLAndTLS(t *testing.T) {
	sasl, tlsAddr := os.Getenv("NEWSFLOW_TEST_KAFKA_SASL"), os.Getenv("NEWSFLOW_TEST_KAFKA_TLS")
	if sasl == "" || tlsAddr == "" {
		t.Skip("no SASL/TLS broker: run scripts/kafka.sh start and eval \"$(scripts/kafka.sh env)\" (CI tier 3)")
	}
	user, pass := os.Getenv("NEWSFLOW_TEST_KAFKA_SASL_USER"), os.Getenv("NEWSFLOW_TEST_KAFKA_SASL_PASSWORD")
	ca := os.Getenv("NEWSFLOW_TEST_KAFKA_TLS_CA")
	cases := []struct {
		name string
		addr string
		sec  kafkasec.Options
	}{
		{"scram-sha-512", sasl, kafkasec.Options{SASLMechanism: "scram-sha-512", Username: user, Password: pass}},
		{"plain", sasl, kafkasec.Options{SASLMechanism: "plain", Username: user, Password: pass}},
		{"tls", tlsAddr, kafkasec.Options{TLS: true, TLSCAFile: ca}},
	}
	plain := strings.Split(os.Getenv(testkafka.EnvBrokers), ",")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp := topics{brokers: plain, in: testkafka.Name(t, "in"), out: testkafka.Name(t, "out"), dlq: testkafka.Name(t, "dlq"), grp: testkafka.Name(t, "g")}
			testkafka.CreateTopics(t, plain, 3, tp.in, tp.out, tp.dlq)
			s := tp.settings("secure")
			s.Brokers = []string{c.addr}
			s.Security = c.sec
			in, ids := articles(t, 50)
			start(t, s)
			testkafka.Produce(t, plain, tp.in, in...)
			out := testkafka.ReadUntil(t, plain, tp.out, 60*time.Second, coversAll(ids))
			if got := outputIDs(t, out); len(got) != len(ids) {
				t.Fatalf("%s: %d ids out, want %d", c.name, len(got), len(ids))
			}
			waitCommitted(t, tp)
		})
	}
	t.Run("wrong password fails fast", func(t *testing.T) {
		tp := topics{brokers: plain, in: testkafka.Name(t, "in"), out: testkafka.Name(t, "out"), dlq: testkafka.Name(t, "dlq"), grp: testkafka.Name(t, "g")}
		s := tp.settings("bad")
		s.Brokers = []string{sasl}
		s.Security = kafkasec.Options{SASLMechanism: "scram-sha-512", Username: user, Password: "wrong"}
		r := start(t, s)
		err := r.WaitFailure(30 * time.Second)
		if !strings.Contains(strings.ToLower(err.Error()), "sasl") {
			t.Fatalf("want a SASL error at start, got %v", err)
		}
	})
}
