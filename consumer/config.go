package consumer

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/segmentio/kafka-go"
)

// Isolation is how a consumer treats records written in transactions.
type Isolation int8

const (
	// ReadCommitted (the default) fetches up to the last stable offset and
	// drops the records of aborted transactions, as Kafka's Java consumer
	// does with isolation.level=read_committed.
	ReadCommitted Isolation = 1
	// ReadUncommitted hands over every data record, including those of
	// open and aborted transactions.
	ReadUncommitted Isolation = 2
)

// level is the isolation level byte of fetch and list-offsets requests.
func (i Isolation) level() int8 {
	if i == ReadUncommitted {
		return 0
	}
	return 1
}

// ParseIsolation parses "read_committed" or "read_uncommitted".
func ParseIsolation(s string) (Isolation, error) {
	switch s {
	case "read_committed":
		return ReadCommitted, nil
	case "read_uncommitted":
		return ReadUncommitted, nil
	}
	return 0, fmt.Errorf("isolation must be read_committed or read_uncommitted, got %q", s)
}

func (i Isolation) String() string {
	if i == ReadCommitted {
		return "read_committed"
	}
	return "read_uncommitted"
}

// Config configures a Consumer. Zero values take the documented defaults.
type Config struct {
	Brokers []string // required
	GroupID string   // required
	// Topics are the input topics; at least one is required.
	Topics []string
	// Dialer connects the group coordinator client, and the OffsetFetcher
	// that fetches each generation's start offsets, to the brokers
	// (TLS/SASL). Default: a plain dialer with a 10 s timeout.
	Dialer *kafka.Dialer
	// Transport carries fetch and list-offsets requests (TLS/SASL).
	// Default: a new kafka-go Transport with the Dialer's timeout.
	Transport *kafka.Transport
	// Isolation is how records of transactions are read. Default
	// ReadCommitted. Control records (transaction markers) are never handed
	// to the handler in either mode; their offsets are committed past.
	Isolation Isolation
	// CommitInterval is how often finished offsets are committed. Default 1 s.
	// Offsets are also committed when partitions are revoked and at shutdown.
	CommitInterval time.Duration
	// DrainTimeout bounds how long shutdown waits for in-flight records to
	// finish before abandoning them (uncommitted); revoked partitions wait
	// at most 4/5 of RebalanceTimeout. Default 10 s.
	DrainTimeout time.Duration
	// MaxInFlight bounds the records fetched and not yet Done, for the whole
	// consumer (every assigned partition shares it). Default 2000.
	MaxInFlight int
	// MaxInFlightBytes bounds the bytes (key + value + headers) of records
	// fetched and not yet Done, for the whole consumer. Default 64 MiB.
	MaxInFlightBytes int64
	// MaxFetchBytes is the most one partition's fetch asks for. A larger
	// record is still returned whole by the broker (KIP-74). Default 1 MiB.
	MaxFetchBytes int
	// FetchBudgetBytes bounds the bytes of fetch responses in flight for the
	// whole consumer: each partition's fetch size is FetchBudgetBytes
	// divided by the assigned partitions, between 64 KiB and MaxFetchBytes,
	// and a fetch waits for budget before it is sent. Default 16 MiB.
	FetchBudgetBytes int64
	// MaxWait is the longest the broker holds a fetch waiting for data.
	// Default 500 ms.
	MaxWait time.Duration
	// SessionTimeout, HeartbeatInterval and RebalanceTimeout are the group
	// membership timings. Defaults 10 s, 1 s, 10 s.
	SessionTimeout, HeartbeatInterval, RebalanceTimeout time.Duration
	// Committer, if set, commits offsets instead of the group's plain
	// OffsetCommit (exactly-once: in the output transaction). Default nil.
	Committer Committer
	// Metrics receives the consumer series. Default: an unregistered set.
	Metrics *Metrics
	// Logger. Default: discard.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Dialer == nil {
		c.Dialer = &kafka.Dialer{Timeout: 10 * time.Second, DualStack: true}
	}
	if c.Transport == nil {
		c.Transport = &kafka.Transport{DialTimeout: c.Dialer.Timeout}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.CommitInterval, time.Second)
	def(&c.DrainTimeout, 10*time.Second)
	def(&c.MaxWait, 500*time.Millisecond)
	def(&c.SessionTimeout, 10*time.Second)
	def(&c.HeartbeatInterval, time.Second)
	def(&c.RebalanceTimeout, 10*time.Second)
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 2000
	}
	if c.MaxInFlightBytes == 0 {
		c.MaxInFlightBytes = 64 << 20
	}
	if c.MaxFetchBytes == 0 {
		c.MaxFetchBytes = 1 << 20
	}
	if c.FetchBudgetBytes == 0 {
		c.FetchBudgetBytes = 16 << 20
	}
	if c.Isolation == 0 {
		c.Isolation = ReadCommitted
	}
	if c.Metrics == nil {
		c.Metrics = newMetrics()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// Validate reports the first invalid setting, after defaults.
func (c *Config) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("consumer: no brokers given")
	case c.GroupID == "":
		return errors.New("consumer: group id is empty")
	case len(c.Topics) == 0:
		return errors.New("consumer: no input topic given")
	case c.MaxInFlight < 1:
		return fmt.Errorf("consumer: max in-flight %d must be at least 1", c.MaxInFlight)
	case c.MaxInFlightBytes < 1:
		return fmt.Errorf("consumer: max in-flight bytes %d must be positive", c.MaxInFlightBytes)
	case c.MaxFetchBytes < 1024:
		return fmt.Errorf("consumer: max fetch bytes %d must be at least 1024", c.MaxFetchBytes)
	case c.FetchBudgetBytes < int64(c.MaxFetchBytes):
		return fmt.Errorf("consumer: fetch budget %d must be at least the max fetch bytes %d", c.FetchBudgetBytes, c.MaxFetchBytes)
	case c.Isolation != ReadCommitted && c.Isolation != ReadUncommitted:
		return fmt.Errorf("consumer: unknown isolation %d", c.Isolation)
	case c.HeartbeatInterval >= c.SessionTimeout:
		return fmt.Errorf("consumer: heartbeat interval %v must be shorter than the session timeout %v", c.HeartbeatInterval, c.SessionTimeout)
	case c.CommitInterval < 0 || c.DrainTimeout < 0 || c.MaxWait < 0:
		return errors.New("consumer: durations must not be negative")
	}
	for i, t := range c.Topics {
		if t == "" {
			return errors.New("consumer: empty input topic name")
		}
		for _, u := range c.Topics[:i] {
			if u == t {
				return fmt.Errorf("consumer: input topic %q given twice", t)
			}
		}
	}
	return nil
}
