package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/pemistahl/lingua-go"

	"github.com/newsflow/newsflow/internal/config"
	"github.com/newsflow/newsflow/internal/kafkasec"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/dedup"
	"github.com/newsflow/newsflow/processor/trends"
	"github.com/newsflow/newsflow/producer"
)

// Settings are the settings of a running instance (`newsflow run`, and
// `newsflow demo` with its own defaults). Register binds them to flags;
// Validate checks them.
type Settings struct {
	ConfigFile      string
	Brokers         config.List
	Input           string
	Output          string
	DLQ             string
	Group           string
	Partitions      int
	Replication     int
	CreateTopics    bool
	MetricsAddr     string
	ShutdownTimeout time.Duration
	CommitInterval  time.Duration
	BatchSize       int
	Workers         int
	MaxInFlight     int
	MaxInFlightMB   int
	Isolation       string
	Compression     string
	StageTimeout    time.Duration
	StuckTimeout    time.Duration
	ConnectTimeout  time.Duration
	Guarantee       string
	TransactionalID string
	MaxRecordBytes  int
	MaxMessageBytes int
	ProducerLinger  time.Duration
	StallTimeout    time.Duration
	Pipeline        string
	Languages       config.List
	// Dedup turns on the near-duplicate stage (full pipeline only), with
	// its global table on DedupTopic (default GROUP.dedup-changelog).
	Dedup          bool
	DedupTopic     string
	DedupThreshold float64
	DedupHorizon   time.Duration
	DedupDrop      bool
	// Trends turns on trending entities (full pipeline): mentions
	// repartitioned by entity to MentionsTopic (default
	// GROUP.mentions), counted per event-time window by an aggregation
	// stage in the same process (its own group, GROUP.trends) into
	// TrendsTopic.
	Trends          bool
	TrendsTopic     string
	MentionsTopic   string
	TrendWindow     time.Duration
	TrendHop        time.Duration
	AllowedLateness time.Duration
	Instance        string
	LogLevel        string
	LogFormat       string
	// OTLPEndpoint turns tracing on: the base URL of an OTLP/HTTP
	// receiver (http://HOST:4318; spans go to its /v1/traces), as the
	// standard OTEL_EXPORTER_OTLP_ENDPOINT, which it overrides. Empty:
	// tracing is on only when OTEL_EXPORTER_OTLP_ENDPOINT or
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (see TracingOn).
	OTLPEndpoint string
	// Security is SASL/TLS to the brokers. The SASL password comes from
	// NEWSFLOW_SASL_PASSWORD (see kafkasec.Options.WithEnv) or a file,
	// never from a flag.
	Security kafkasec.Options
}

// RegisterSecurity binds the SASL/TLS flags to o.
func RegisterSecurity(fs *flag.FlagSet, o *kafkasec.Options) {
	fs.StringVar(&o.SASLMechanism, "sasl-mechanism", o.SASLMechanism, "SASL mechanism: plain, scram-sha-256 or scram-sha-512 (default none); password from $NEWSFLOW_SASL_PASSWORD or --sasl-password-file")
	fs.StringVar(&o.Username, "sasl-username", o.Username, "SASL user name")
	fs.StringVar(&o.PasswordFile, "sasl-password-file", o.PasswordFile, "file holding the SASL password")
	fs.BoolVar(&o.TLS, "tls", o.TLS, "use TLS to the brokers")
	fs.StringVar(&o.TLSCAFile, "tls-ca", o.TLSCAFile, "PEM file of the CAs trusted for broker certificates (default: system roots)")
	fs.StringVar(&o.TLSCertFile, "tls-cert", o.TLSCertFile, "PEM client certificate (with --tls-key)")
	fs.StringVar(&o.TLSKeyFile, "tls-key", o.TLSKeyFile, "PEM client private key (with --tls-cert)")
	fs.BoolVar(&o.TLSInsecureSkipVerify, "tls-insecure-skip-verify", o.TLSInsecureSkipVerify, "accept any broker certificate (experiments only)")
	fs.StringVar(&o.TLSServerName, "tls-server-name", o.TLSServerName, "name the broker certificate must carry (default: the broker host)")
}

// DefaultSettings returns the defaults of `newsflow run`.
func DefaultSettings() Settings {
	host, _ := os.Hostname()
	return Settings{
		Input: "articles.raw", Output: "articles.enriched", DLQ: "articles.dlq",
		Group: "newsflow", Partitions: 3, Replication: -1, CreateTopics: true,
		MetricsAddr: ":9464", ShutdownTimeout: 30 * time.Second, CommitInterval: time.Second,
		BatchSize: 500, MaxInFlight: 2000, MaxInFlightMB: 64, Isolation: "read_committed", Compression: producer.DefaultCompression,
		StageTimeout: 10 * time.Second, StuckTimeout: 30 * time.Second, ConnectTimeout: 30 * time.Second,
		Guarantee: "at-least-once", MaxRecordBytes: processor.DefaultMaxRecordBytes, MaxMessageBytes: 1_000_000,
		ProducerLinger: 2 * time.Millisecond, StallTimeout: time.Minute,
		Pipeline: "full", Dedup: true, DedupThreshold: dedup.DefaultThreshold, DedupHorizon: dedup.DefaultHorizon,
		Trends: true, TrendsTopic: "newsflow.trends", TrendWindow: trends.DefaultWindow, AllowedLateness: trends.DefaultAllowedLateness,
		Instance: host, LogLevel: "info", LogFormat: "text",
	}
}

// Register binds s to flags of fs, with s's current values as defaults.
func (s *Settings) Register(fs *flag.FlagSet) {
	fs.StringVar(&s.ConfigFile, "config", s.ConfigFile, "YAML config file; keys are flag names")
	fs.Var(&s.Brokers, "brokers", "Kafka bootstrap brokers, HOST:PORT[,HOST:PORT…] (required)")
	fs.StringVar(&s.Input, "input", s.Input, "input topic, or several, comma-separated (one consumer group over all of them)")
	fs.StringVar(&s.Output, "output", s.Output, "output topic for enriched articles")
	fs.StringVar(&s.DLQ, "dlq", s.DLQ, "dead-letter topic")
	fs.StringVar(&s.Group, "group", s.Group, "consumer group id")
	fs.IntVar(&s.Partitions, "partitions", s.Partitions, "partitions of topics created at start")
	fs.IntVar(&s.Replication, "replication-factor", s.Replication, "replication factor of topics created at start (-1: broker default)")
	fs.BoolVar(&s.CreateTopics, "create-topics", s.CreateTopics, "create missing topics at start")
	fs.StringVar(&s.MetricsAddr, "metrics-addr", s.MetricsAddr, "HTTP listen address for /metrics, /healthz, /readyz and the status page")
	fs.DurationVar(&s.ShutdownTimeout, "shutdown-timeout", s.ShutdownTimeout, "deadline to drain, commit and leave the group on SIGTERM")
	fs.DurationVar(&s.CommitInterval, "commit-interval", s.CommitInterval, "how often finished offsets are committed")
	fs.IntVar(&s.BatchSize, "batch-size", s.BatchSize, "most records of a partition processed and written together")
	fs.IntVar(&s.Workers, "workers", s.Workers, "processing goroutines (0: one per CPU)")
	fs.IntVar(&s.MaxInFlight, "max-in-flight", s.MaxInFlight, "most records fetched and not finished, for the whole instance (every partition shares it)")
	fs.IntVar(&s.MaxInFlightMB, "max-in-flight-mb", s.MaxInFlightMB, "most MiB of records fetched and not finished, for the whole instance")
	fs.StringVar(&s.Isolation, "isolation", s.Isolation, "how input written in transactions is read: read_committed (drop aborted transactions) or read_uncommitted")
	fs.StringVar(&s.Compression, "compression", s.Compression, "compression of the records written: none, gzip, snappy, lz4 or zstd")
	fs.DurationVar(&s.StageTimeout, "stage-timeout", s.StageTimeout, "longest one stage may take on one article before the article is dead-lettered (class timeout)")
	fs.StringVar(&s.Guarantee, "guarantee", s.Guarantee, "at-least-once, or exactly-once: outputs and consumed offsets commit in one Kafka transaction per commit interval")
	fs.StringVar(&s.TransactionalID, "transactional-id", s.TransactionalID, "with --guarantee exactly-once: this instance's transactional id, unique per instance and stable across its restarts (default GROUP.INSTANCE)")
	fs.DurationVar(&s.ConnectTimeout, "connect-timeout", s.ConnectTimeout, "how long to keep trying to reach the brokers at start before failing with the addresses tried")
	fs.DurationVar(&s.StuckTimeout, "stuck-timeout", s.StuckTimeout, "a partition whose outputs stay unwritable this long counts as stuck (metric, /readyz)")
	fs.IntVar(&s.MaxRecordBytes, "max-record-bytes", s.MaxRecordBytes, "largest input record value; larger ones are dead-lettered")
	fs.IntVar(&s.MaxMessageBytes, "max-message-bytes", s.MaxMessageBytes, "largest batch the producer sends; at most the brokers' message.max.bytes")
	fs.DurationVar(&s.ProducerLinger, "producer-linger", s.ProducerLinger, "how long the producer waits to fill a batch (kafka-go BatchTimeout)")
	fs.DurationVar(&s.StallTimeout, "stall-timeout", s.StallTimeout, "not ready when lag > 0 and nothing finished for this long")
	fs.StringVar(&s.Pipeline, "pipeline", s.Pipeline, "full (every enrichment stage) or core (decode, clean, stats)")
	fs.BoolVar(&s.Dedup, "dedup", s.Dedup, "detect near-duplicate articles (full pipeline), with a fingerprint table shared by every instance through a compacted changelog topic")
	fs.StringVar(&s.DedupTopic, "dedup-topic", s.DedupTopic, "changelog topic of the fingerprint table (default GROUP.dedup-changelog)")
	fs.Float64Var(&s.DedupThreshold, "dedup-threshold", s.DedupThreshold, "similarity (0–1] at or above which an article is a near duplicate")
	fs.DurationVar(&s.DedupHorizon, "dedup-horizon", s.DedupHorizon, "how long, in event time, fingerprints are kept (older ones are deleted with tombstones)")
	fs.BoolVar(&s.DedupDrop, "dedup-drop", s.DedupDrop, "filter exact and near duplicates out instead of publishing them with dedup set")
	fs.BoolVar(&s.Trends, "trends", s.Trends, "count trending entities per event-time window (full pipeline), in an aggregation stage of the same process")
	fs.StringVar(&s.TrendsTopic, "trends-topic", s.TrendsTopic, "topic of the trend records (key TYPE:name@window-start)")
	fs.StringVar(&s.MentionsTopic, "mentions-topic", s.MentionsTopic, "internal topic of entity mentions, repartitioned by entity (default GROUP.mentions)")
	fs.DurationVar(&s.TrendWindow, "trend-window", s.TrendWindow, "size of the trend windows (event time); changing it needs a new trends changelog")
	fs.DurationVar(&s.TrendHop, "trend-hop", s.TrendHop, "start-to-start distance of hopping trend windows; 0: tumbling windows")
	fs.DurationVar(&s.AllowedLateness, "allowed-lateness", s.AllowedLateness, "how far behind the largest event time of its partition a mention may be and still count")
	fs.Var(&s.Languages, "languages", "ISO 639-1 codes language detection may answer, comma-separated (default: 25 news languages)")
	fs.StringVar(&s.Instance, "instance", s.Instance, "instance name in processing metadata and logs")
	fs.StringVar(&s.LogLevel, "log-level", s.LogLevel, "debug, info, warn or error")
	fs.StringVar(&s.LogFormat, "log-format", s.LogFormat, "text or json")
	fs.StringVar(&s.OTLPEndpoint, "otlp-endpoint", s.OTLPEndpoint, "trace every record with OpenTelemetry, exporting spans over OTLP/HTTP to this base URL, e.g. http://localhost:4318 (default: off, unless $OTEL_EXPORTER_OTLP_ENDPOINT is set)")
	RegisterSecurity(fs, &s.Security)
}

// Validate reports the first invalid setting with what to fix.
func (s *Settings) Validate() error {
	if err := config.CheckHostPorts("brokers", s.Brokers); err != nil {
		return err
	}
	inputs := s.Inputs()
	if len(inputs) == 0 {
		return fmt.Errorf("--input: %q names no topic", s.Input)
	}
	checks := []struct{ flag, v string }{{"output", s.Output}, {"dlq", s.DLQ}}
	for _, in := range inputs {
		checks = append(checks, struct{ flag, v string }{"input", in})
	}
	if s.Dedup {
		checks = append(checks, struct{ flag, v string }{"dedup-topic", s.ChangelogTopic()})
	}
	if s.Trends {
		checks = append(checks, struct{ flag, v string }{"trends-topic", s.TrendsTopic},
			struct{ flag, v string }{"mentions-topic", s.Mentions()},
			struct{ flag, v string }{"group (its trends changelog)", s.TrendsChangelog()})
		o := trends.Options{TrendsTopic: s.TrendsTopic, Window: s.TrendWindow, Hop: s.TrendHop, AllowedLateness: s.AllowedLateness}
		if s.AllowedLateness == 0 {
			o.AllowedLateness = -1 // none; trends.Options reads 0 as its default
		}
		if err := o.Validate(); err != nil {
			return fmt.Errorf("--trend-window, --trend-hop, --allowed-lateness: %w", err)
		}
	}
	for _, t := range checks {
		if err := checkTopic(t.flag, t.v); err != nil {
			return err
		}
	}
	seen := map[string]string{}
	for _, t := range checks {
		if f, dup := seen[t.v]; dup {
			return fmt.Errorf("--%s and --%s both name topic %q: the input, output, dead-letter and changelog topics must all differ", f, t.flag, t.v)
		}
		seen[t.v] = t.flag
	}
	switch {
	case s.DedupThreshold <= 0 || s.DedupThreshold > 1:
		return fmt.Errorf("--dedup-threshold must be in (0, 1], got %v", s.DedupThreshold)
	case s.DedupHorizon <= 0:
		return fmt.Errorf("--dedup-horizon must be positive, got %v", s.DedupHorizon)
	case strings.TrimSpace(s.Group) == "":
		return errors.New("--group must not be empty")
	case s.Partitions < 1 || s.Partitions > 10000:
		return fmt.Errorf("--partitions must be between 1 and 10000, got %d", s.Partitions)
	case s.Replication == 0 || s.Replication < -1:
		return fmt.Errorf("--replication-factor must be -1 (broker default) or at least 1, got %d", s.Replication)
	case s.BatchSize < 1 || s.BatchSize > 100000:
		return fmt.Errorf("--batch-size must be between 1 and 100000, got %d", s.BatchSize)
	case s.Workers < 0:
		return fmt.Errorf("--workers must be 0 (one per CPU) or more, got %d", s.Workers)
	case s.MaxInFlight < 1:
		return fmt.Errorf("--max-in-flight must be at least 1, got %d", s.MaxInFlight)
	case s.MaxInFlightMB < 1 || s.MaxInFlightMB > 1<<20:
		return fmt.Errorf("--max-in-flight-mb must be between 1 and 1048576, got %d", s.MaxInFlightMB)
	case s.Guarantee != "at-least-once" && s.Guarantee != "exactly-once":
		return fmt.Errorf("--guarantee must be at-least-once or exactly-once, got %q", s.Guarantee)
	case s.Isolation != "read_committed" && s.Isolation != "read_uncommitted":
		return fmt.Errorf("--isolation must be read_committed or read_uncommitted, got %q", s.Isolation)
	case s.MaxRecordBytes < 1024:
		return fmt.Errorf("--max-record-bytes must be at least 1024, got %d", s.MaxRecordBytes)
	case s.Pipeline != "full" && s.Pipeline != "core":
		return fmt.Errorf("--pipeline must be full or core, got %q", s.Pipeline)
	case s.MaxMessageBytes < 1024:
		return fmt.Errorf("--max-message-bytes must be at least 1024, got %d", s.MaxMessageBytes)
	case s.MaxRecordBytes >= s.MaxMessageBytes:
		return fmt.Errorf("--max-record-bytes (%d) must be below --max-message-bytes (%d): the enriched output of a record is larger than the record", s.MaxRecordBytes, s.MaxMessageBytes)
	case s.ProducerLinger < 0 || s.ProducerLinger > 10*time.Second:
		return fmt.Errorf("--producer-linger must be between 0 and 10s, got %v", s.ProducerLinger)
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"shutdown-timeout", s.ShutdownTimeout}, {"commit-interval", s.CommitInterval}, {"stall-timeout", s.StallTimeout},
		{"stage-timeout", s.StageTimeout}, {"stuck-timeout", s.StuckTimeout}, {"connect-timeout", s.ConnectTimeout}} {
		if err := config.CheckPositive(d.flag, d.v); err != nil {
			return err
		}
	}
	if err := config.CheckHostPort("metrics-addr", s.MetricsAddr); err != nil {
		return err
	}
	if len(s.Languages) > 0 {
		// The codes the language stage accepts: lingua's ISO 639-1 codes,
		// and "no" for Norwegian Bokmål (see language.New).
		distinct := map[string]bool{}
		for _, c := range s.Languages {
			c = strings.ToLower(strings.TrimSpace(c))
			if c == "no" {
				c = "nb"
			}
			if lingua.GetIsoCode639_1FromValue(c) == lingua.UnknownIsoCode639_1 {
				var known []string
				for _, l := range lingua.AllLanguages() {
					known = append(known, strings.ToLower(l.IsoCode639_1().String()))
				}
				return fmt.Errorf("--languages: %q is not a language code the language stage knows; use ISO 639-1 codes among: %s", c, strings.Join(known, ", "))
			}
			distinct[c] = true
		}
		if len(distinct) < 2 {
			return fmt.Errorf("--languages needs at least two different codes (e.g. en,fr), got %q", s.Languages.String())
		}
	}
	if err := (producer.Config{Brokers: []string{"x:1"}, Compression: s.Compression}).Validate(); err != nil {
		return fmt.Errorf("--compression must be none, gzip, snappy, lz4 or zstd, got %q", s.Compression)
	}
	if _, err := parseLevel(s.LogLevel); err != nil {
		return err
	}
	if s.LogFormat != "text" && s.LogFormat != "json" {
		return fmt.Errorf("--log-format must be text or json, got %q", s.LogFormat)
	}
	if s.OTLPEndpoint != "" {
		u, err := url.Parse(s.OTLPEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("--otlp-endpoint must be the base URL of an OTLP/HTTP receiver, http(s)://HOST:PORT[/PATH] (e.g. http://localhost:4318), got %q", s.OTLPEndpoint)
		}
	}
	return s.Security.Validate()
}

// TracingOn reports whether tracing is on: --otlp-endpoint is set, or
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is
// (getenv reads the environment), and OTEL_SDK_DISABLED is not "true".
func (s *Settings) TracingOn(getenv func(string) string) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	return s.OTLPEndpoint != "" || getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// OTLPTracesURL returns the URL spans are sent to with --otlp-endpoint:
// its path with /v1/traces appended, as for OTEL_EXPORTER_OTLP_ENDPOINT.
func (s *Settings) OTLPTracesURL() string {
	u, err := url.Parse(s.OTLPEndpoint)
	if err != nil {
		return s.OTLPEndpoint
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	return u.String()
}

// Inputs returns the input topics (--input is a comma-separated list).
func (s *Settings) Inputs() []string {
	var out []string
	for _, t := range strings.Split(s.Input, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// transactionTimeout is the exactly-once transaction timeout: Kafka
// Streams' 10 s, or five commit intervals when that is longer. A member
// that takes over a partition whose previous owner froze mid-transaction
// waits for it (OffsetFetch require_stable), so it bounds that wait.
func (s *Settings) transactionTimeout() time.Duration {
	return max(10*time.Second, 5*s.CommitInterval)
}

// Mentions returns the topic of entity mentions.
func (s *Settings) Mentions() string {
	if s.MentionsTopic != "" {
		return s.MentionsTopic
	}
	return s.Group + ".mentions"
}

// TrendsChangelog returns the changelog topic of the trend windows.
func (s *Settings) TrendsChangelog() string { return s.Group + ".trends-changelog" }

// TrendsGroup returns the consumer group of the aggregation stage.
func (s *Settings) TrendsGroup() string { return s.Group + ".trends" }

// ChangelogTopic returns the fingerprint table's changelog topic.
func (s *Settings) ChangelogTopic() string {
	if s.DedupTopic != "" {
		return s.DedupTopic
	}
	return s.Group + ".dedup-changelog"
}

// checkTopic applies Kafka's topic name rules.
func checkTopic(flagName, t string) error {
	if t == "" || len(t) > 249 || t == "." || t == ".." {
		return fmt.Errorf("--%s: %q is not a valid topic name (1–249 characters of a-z A-Z 0-9 . _ -)", flagName, t)
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("--%s: %q is not a valid topic name (1–249 characters of a-z A-Z 0-9 . _ -)", flagName, t)
		}
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}

// Logger builds the logger the settings ask for, writing to w.
func (s *Settings) Logger(w io.Writer) *slog.Logger {
	l, _ := parseLevel(s.LogLevel)
	o := &slog.HandlerOptions{Level: l}
	if s.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, o))
	}
	return slog.New(slog.NewTextHandler(w, o))
}
