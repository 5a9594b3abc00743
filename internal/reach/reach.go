// Package reach checks, before anything else talks to Kafka, that at least
// one bootstrap broker answers, and says so plainly when none does.
//
// Without it a client pointed at a wrong address waits in kafka-go's
// retries for a minute and then reports something misleading (such as
// "Broker Not Available"). [Check] instead logs at once which addresses it
// tries, retries them for as long as the caller's context allows, and
// returns as soon as one broker answers a Kafka ApiVersions request over
// the caller's transport (so TLS and SASL are exercised too). When none
// answers in time its error starts with "cannot reach brokers " and names
// every address with the last error seen for it.
package reach

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// Defaults of Check.
const (
	// DefaultWait bounds the whole of Check when its context has no
	// deadline.
	DefaultWait = 30 * time.Second
	// AttemptTimeout bounds one attempt at one broker: connect, TLS
	// handshake, SASL authentication and the ApiVersions request.
	AttemptTimeout = 3 * time.Second
	// Retries of a round of attempts are spaced from minBackoff, doubling
	// up to maxBackoff.
	minBackoff = 100 * time.Millisecond
	maxBackoff = 2 * time.Second
	// warnEvery spaces the "still trying" log lines.
	warnEvery = 5 * time.Second
)

// Error is the error of Check when no broker answered in time. Its message
// starts with "cannot reach brokers " and names every address with its last
// error. It unwraps to those errors and to the context's error, so
// errors.Is(err, context.DeadlineExceeded) tells a timeout from a
// cancellation.
type Error struct {
	// Brokers are the addresses tried, in the order given, without
	// duplicates.
	Brokers []string
	// Last holds the last error of each address, in the order of Brokers.
	Last []error
	// Attempts is how many rounds were tried; Waited is how long they took.
	Attempts int
	Waited   time.Duration
	cause    error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cannot reach brokers %s (%s in %v)", strings.Join(e.Brokers, ", "),
		plural(e.Attempts, "attempt", "attempts"), e.Waited.Round(10*time.Millisecond))
	for i, addr := range e.Brokers {
		sep := "; "
		if i == 0 {
			sep = ": "
		}
		b.WriteString(sep + addr + ": ")
		if e.Last[i] != nil {
			b.WriteString(e.Last[i].Error())
		} else {
			b.WriteString("not tried before the deadline")
		}
	}
	return b.String()
}

// Explain replaces the last error of each address with explain(err): pass
// kafkasec.Options.Explain to add what to fix to a TLS or SASL failure
// ("this port is not a TLS listener; drop --tls …").
func (e *Error) Explain(explain func(error) error) {
	for i, err := range e.Last {
		if err != nil {
			e.Last[i] = explain(err)
		}
	}
}

// Unwrap returns the last error of each broker and the context's error.
func (e *Error) Unwrap() []error {
	var out []error
	for _, err := range e.Last {
		if err != nil {
			out = append(out, err)
		}
	}
	if e.cause != nil {
		out = append(out, e.cause)
	}
	return out
}

// Check blocks until one of brokers (HOST:PORT bootstrap addresses)
// answers a Kafka ApiVersions request, and returns nil then. It logs to
// log, within the first moment, the addresses it tries, and while it
// retries, every few seconds, what each one answered; a nil log logs
// nothing.
//
// Connections use transport's TLS, SASL, Dial and ClientID, so a
// transport from kafkasec.Options.Transport checks the whole connection a
// client will make; a nil transport means plaintext TCP. Every round tries
// all brokers at once, each attempt bounded by AttemptTimeout; rounds are
// repeated with a growing pause (100 ms up to 2 s) until ctx is done. When
// ctx has no deadline, DefaultWait applies. Check returns an *Error when no
// broker answered, and an error without trying anything when brokers is
// empty. It leaves transport unchanged and opens no connection that
// outlives it.
func Check(ctx context.Context, brokers []string, transport *kafka.Transport, log *slog.Logger) error {
	addrs := dedupe(brokers)
	if len(addrs) == 0 {
		return errors.New("cannot reach brokers: no broker address given")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultWait)
		defer cancel()
	}
	start := time.Now()
	deadline, _ := ctx.Deadline()
	log.Info("connecting to Kafka", "brokers", strings.Join(addrs, ","),
		"tls", transport != nil && transport.TLS != nil, "sasl", transport != nil && transport.SASL != nil,
		"gives_up_in", time.Until(deadline).Round(100*time.Millisecond))
	last := make([]error, len(addrs))
	var lastWarn time.Time
	backoff := minBackoff
	for attempts := 1; ; attempts++ {
		addr, errs := round(ctx, transport, addrs)
		if addr != "" {
			log.Info("connected to Kafka", "broker", addr, "after", time.Since(start).Round(time.Millisecond))
			return nil
		}
		for i, err := range errs {
			// An attempt cut short by the end of ctx says less than the
			// error before it (connection refused, bad certificate, …).
			if err != nil && (last[i] == nil || ctx.Err() == nil) {
				last[i] = err
			}
		}
		fail := func() error {
			return &Error{Brokers: addrs, Last: last, Attempts: attempts, Waited: time.Since(start), cause: ctx.Err()}
		}
		if ctx.Err() != nil {
			return fail()
		}
		if time.Since(lastWarn) >= warnEvery {
			lastWarn = time.Now()
			log.Warn("no Kafka broker answered yet; retrying", "errors", summary(addrs, last),
				"waited", time.Since(start).Round(100*time.Millisecond), "gives_up_in", time.Until(deadline).Round(100*time.Millisecond))
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fail()
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// summary is "addr: error; addr: error" for the addresses with an error.
func summary(addrs []string, errs []error) string {
	var parts []string
	for i, a := range addrs {
		if errs[i] != nil {
			parts = append(parts, a+": "+errs[i].Error())
		}
	}
	return strings.Join(parts, "; ")
}

// round tries every address at once. It returns the first that answered,
// or "" and the error of each address.
func round(ctx context.Context, t *kafka.Transport, addrs []string) (string, []error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(addrs))
	answered := make(chan string, len(addrs))
	var wg sync.WaitGroup
	for i, addr := range addrs {
		wg.Go(func() {
			if err := attempt(ctx, t, addr); err != nil {
				errs[i] = err
				return
			}
			answered <- addr
			cancel() // one is enough: stop the others
		})
	}
	wg.Wait()
	select {
	case addr := <-answered:
		return addr, nil
	default:
		return "", errs
	}
}

// attempt connects to addr with t's settings and asks for the broker's API
// versions, within AttemptTimeout.
func attempt(ctx context.Context, t *kafka.Transport, addr string) (err error) {
	actx, cancel := context.WithTimeout(ctx, AttemptTimeout)
	defer cancel()
	defer func() {
		if err != nil && actx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("no answer within %v: %w", AttemptTimeout, err)
		}
	}()
	conn, err := dialer(actx, t).DialContext(actx, "tcp", addr)
	if err != nil {
		return simplify(err)
	}
	defer conn.Close()
	if dl, ok := actx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return fmt.Errorf("set deadline: %w", err)
		}
	}
	if _, err := conn.ApiVersions(); err != nil {
		return fmt.Errorf("connected, but no Kafka answer to ApiVersions: %w", err)
	}
	return nil
}

// dialer builds a Dialer with t's TLS, SASL, Dial and ClientID (the
// Transport itself is not used, so its pool and cached metadata are neither
// created nor consulted). The connections it opens are closed when actx is
// done: kafka-go's SASL exchange sets no deadline of its own, and this is
// what bounds it.
func dialer(actx context.Context, t *kafka.Transport) *kafka.Dialer {
	d := &kafka.Dialer{Timeout: AttemptTimeout}
	dial := (&net.Dialer{}).DialContext
	if t != nil {
		d.TLS, d.SASLMechanism, d.ClientID = t.TLS, t.SASL, t.ClientID
		if t.Dial != nil {
			dial = t.Dial
		}
	}
	d.DialFunc = func(ctx context.Context, network, address string) (net.Conn, error) {
		c, err := dial(ctx, network, address)
		if err != nil {
			return nil, err
		}
		context.AfterFunc(actx, func() { _ = c.Close() })
		return c, nil
	}
	return d
}

// simplify drops kafka-go's "failed to dial: failed to open connection to
// …" prefixes from a network error, which names the address already.
func simplify(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return op
	}
	return err
}

func dedupe(brokers []string) []string {
	var out []string
	for _, b := range brokers {
		if b = strings.TrimSpace(b); b != "" && !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
