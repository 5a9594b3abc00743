package consumer

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/newsflow/newsflow/internal/wait"
)

// OffsetFetcher fetches a group's committed offsets the way a KIP-447
// consumer does: OffsetFetch v7 with require_stable, sent to the group
// coordinator. The coordinator then answers UNSTABLE_OFFSET_COMMIT for a
// partition while a transactional offset commit of it is pending (its
// transaction neither committed nor aborted yet), and Fetch waits until it
// is resolved, so that a new owner never starts from an offset that a
// pending transaction is about to move (kafka-go's own OffsetFetch, v5 at
// most, would return the previous offset and the records would be
// processed twice).
//
// kafka-go's protocol package cannot encode OffsetFetch v7, so requests are
// encoded with franz-go's kmsg and sent over connections of this package's
// own, opened with the Dialer's settings: DialFunc (or a net.Dialer with
// LocalAddr, DualStack, FallbackDelay, KeepAlive), Resolver, TLS,
// SASLMechanism, ClientID, Timeout and Deadline, as kafka.Dialer itself
// applies them. Each Fetch opens its connections and closes them before it
// returns; an OffsetFetcher holds no state and is safe for concurrent use.
type OffsetFetcher struct {
	// Brokers are the bootstrap brokers, host:port; tried in order.
	Brokers []string
	// Dialer gives the connection settings (TLS, SASL, timeouts). Nil: plain
	// TCP with a 10 s timeout. Its Timeout (10 s if 0) also bounds each
	// request's round trip.
	Dialer *kafka.Dialer
	// Backoff is the first pause before retrying a retriable answer; it
	// doubles up to MaxBackoff. Defaults 50 ms and 500 ms (a partition
	// held by a pending transaction is taken at most that long after the
	// transaction ends).
	Backoff, MaxBackoff time.Duration
	// Logger receives a warning every 5 s while Fetch keeps retrying, and a
	// line when it waited for pending transactions. Nil: discard.
	Logger *slog.Logger
}

// stableVersion is the first OffsetFetch version with require_stable.
const stableVersion = 7

// Fetch returns the committed offset of every partition in parts (topic ->
// partitions) for group, as topic -> partition -> offset, -1 for a
// partition without a committed offset (also when the group does not
// exist). Every requested partition is in the result.
//
// It retries, pausing with backoff, while the coordinator answers
// UNSTABLE_OFFSET_COMMIT (a pending transactional offset commit; this
// lasts until the transaction ends, at most its transaction timeout),
// COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR or
// COORDINATOR_NOT_AVAILABLE (these two after finding the coordinator
// again), until ctx ends. Any other error code, a failed connection or
// authentication, or ctx ending, is returned wrapped (error codes as
// kafka.Error, so errors.Is works): the caller decides whether to try
// again.
//
// On a coordinator without OffsetFetch v7 (Kafka before 2.5), Fetch falls
// back to the highest version it supports, without require_stable, and
// logs a warning: offsets of pending transactions are then invisible.
func (f OffsetFetcher) Fetch(ctx context.Context, group string, parts map[string][]int) (map[string]map[int]int64, error) {
	if len(parts) == 0 {
		return map[string]map[int]int64{}, nil
	}
	if group == "" {
		return nil, errors.New("consumer: offset fetch: group id is empty")
	}
	if len(f.Brokers) == 0 {
		return nil, errors.New("consumer: offset fetch: no brokers given")
	}
	backoff, maxBackoff := f.Backoff, f.MaxBackoff
	if backoff <= 0 {
		backoff = 50 * time.Millisecond
	}
	if maxBackoff <= 0 {
		maxBackoff = 500 * time.Millisecond
	}
	log := f.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var coord *brokerConn
	defer func() {
		if coord != nil {
			coord.close()
		}
	}()
	start, lastWarn := time.Now(), time.Now()
	unstable := 0
	var retried error // the last retriable error, if any
	for attempt := 1; ; attempt++ {
		var err error
		if coord == nil {
			coord, err = f.coordinator(ctx, group)
		}
		if err == nil {
			var offs map[string]map[int]int64
			offs, err = coord.offsetFetch(ctx, group, parts, log)
			if err == nil {
				if unstable > 0 {
					log.Info("committed offsets fetched after waiting for pending transactional offset commits",
						"group", group, "waited", time.Since(start).Round(time.Millisecond), "attempts", attempt)
				}
				return offs, nil
			}
			if coord.broken {
				coord.close()
				coord = nil
			}
		}
		var code kafka.Error
		if !errors.As(err, &code) {
			if ctx.Err() != nil && retried != nil {
				// The wait for a retriable answer ran out in the middle of
				// a request: the deadline, and why it was waited for.
				return nil, fmt.Errorf("consumer: offset fetch for group %q: %w after %d attempts in %v (last: %w)",
					group, ctx.Err(), attempt, time.Since(start).Round(time.Millisecond), retried)
			}
			return nil, fmt.Errorf("consumer: offset fetch for group %q: %w", group, err)
		}
		switch code {
		case kafka.UnstableOffsetCommit:
			unstable++
		case kafka.GroupLoadInProgress:
		case kafka.NotCoordinatorForGroup, kafka.GroupCoordinatorNotAvailable:
			if coord != nil {
				coord.close()
				coord = nil
			}
		default:
			return nil, fmt.Errorf("consumer: offset fetch for group %q: %w", group, err)
		}
		retried = err
		if time.Since(lastWarn) >= 5*time.Second {
			lastWarn = time.Now()
			log.Warn("committed offsets not available yet, retrying", "group", group, "waited", time.Since(start).Round(time.Millisecond), "attempts", attempt, "reason", err)
		}
		if !wait.Sleep(ctx, backoff) {
			return nil, fmt.Errorf("consumer: offset fetch for group %q: %w after %d attempts in %v (last: %w)",
				group, ctx.Err(), attempt, time.Since(start).Round(time.Millisecond), err)
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// dialer returns f's Dialer or the default one.
func (f OffsetFetcher) dialer() *kafka.Dialer {
	if f.Dialer != nil {
		return f.Dialer
	}
	return &kafka.Dialer{Timeout: 10 * time.Second, DualStack: true}
}

// coordinator finds the group's coordinator through the first bootstrap
// broker that answers and returns a connection to it. A retriable
// FindCoordinator answer (COORDINATOR_NOT_AVAILABLE, ...) is returned as a
// kafka.Error.
func (f OffsetFetcher) coordinator(ctx context.Context, group string) (*brokerConn, error) {
	var errs []error
	for _, addr := range f.Brokers {
		b, err := dialBroker(ctx, f.dialer(), addr)
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		host, port, err := b.findCoordinator(ctx, group)
		if err != nil {
			b.close()
			var code kafka.Error
			if errors.As(err, &code) || ctx.Err() != nil {
				return nil, err
			}
			errs = append(errs, err)
			continue
		}
		caddr := net.JoinHostPort(host, strconv.Itoa(int(port)))
		if caddr == addr {
			return b, nil
		}
		b.close()
		c, err := dialBroker(ctx, f.dialer(), caddr)
		if err != nil {
			return nil, fmt.Errorf("group coordinator %s: %w", caddr, err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("no bootstrap broker answered: %w", errors.Join(errs...))
}

// brokerConn is one authenticated connection that speaks kmsg-encoded
// requests, one at a time.
type brokerConn struct {
	addr     string
	conn     net.Conn
	timeout  time.Duration   // per round trip
	versions map[int16]int16 // api key -> highest version the broker supports
	format   *kmsg.RequestFormatter
	corr     int32
	broken   bool // a round trip failed midway: the connection is unusable
}

// maxResponse bounds a response's size (OffsetFetch answers for a
// consumer's partitions are a few KiB).
const maxResponse = 64 << 20

// dialBroker connects to addr as d would (resolver, dial function, TLS),
// asks for the broker's API versions and authenticates with d's SASL
// mechanism.
func dialBroker(ctx context.Context, d *kafka.Dialer, addr string) (*brokerConn, error) {
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if !d.Deadline.IsZero() {
		var cancelDeadline context.CancelFunc
		dctx, cancelDeadline = context.WithDeadline(dctx, d.Deadline)
		defer cancelDeadline()
	}
	host, port, err := resolve(dctx, addr, d.Resolver)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", addr, err)
	}
	address := net.JoinHostPort(host, port)
	dial := d.DialFunc
	if dial == nil {
		// (DualStack is not copied: net.Dialer ignores it, Happy Eyeballs
		// is always on unless FallbackDelay is negative.)
		dial = (&net.Dialer{LocalAddr: d.LocalAddr, FallbackDelay: d.FallbackDelay, KeepAlive: d.KeepAlive}).DialContext
	}
	conn, err := dial(dctx, "tcp", address)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	if d.TLS != nil {
		cfg := d.TLS
		if cfg.ServerName == "" {
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(dctx); err != nil {
			conn.Close()
			return nil, fmt.Errorf("TLS handshake with %s: %w", address, err)
		}
		conn = tc
	}
	clientID := d.ClientID
	if clientID == "" {
		clientID = "newsflow"
	}
	b := &brokerConn{addr: address, conn: conn, timeout: timeout, format: kmsg.NewRequestFormatter(kmsg.FormatterClientID(clientID))}
	if err := b.apiVersions(dctx); err != nil {
		b.close()
		return nil, fmt.Errorf("%s: %w", address, err)
	}
	if d.SASLMechanism != nil {
		p, _ := strconv.Atoi(port)
		if err := b.authenticate(sasl.WithMetadata(dctx, &sasl.Metadata{Host: host, Port: p}), d.SASLMechanism); err != nil {
			b.close()
			return nil, fmt.Errorf("%s: SASL %s: %w", address, d.SASLMechanism.Name(), err)
		}
	}
	return b, nil
}

// resolve splits addr (port 9092 if it has none) and applies r as
// kafka-go's Dialer does: the first address r returns replaces the host,
// and its port is used only when addr has none.
func resolve(ctx context.Context, addr string, r kafka.Resolver) (host, port string, err error) {
	host, port, err = net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, ""
	}
	if r != nil {
		resolved, err := r.LookupHost(ctx, host)
		if err != nil {
			return "", "", err
		}
		if len(resolved) > 0 {
			h, p, err := net.SplitHostPort(resolved[0])
			if err != nil {
				h, p = resolved[0], ""
			}
			host = h
			if port == "" {
				port = p
			}
		}
	}
	if port == "" {
		port = "9092"
	}
	return host, port, nil
}

func (b *brokerConn) close() { _ = b.conn.Close() }

// roundTrip sends req and decodes its response. The round trip is bounded
// by b.timeout and by ctx; on any failure the connection is marked broken.
func (b *brokerConn) roundTrip(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	resp := req.ResponseKind()
	if err := b.exchange(ctx, req, resp); err != nil {
		return nil, fmt.Errorf("%s v%d to %s: %w", kmsg.NameForKey(req.Key()), req.GetVersion(), b.addr, err)
	}
	return resp, nil
}

func (b *brokerConn) exchange(ctx context.Context, req kmsg.Request, resp kmsg.Response) (err error) {
	if b.broken {
		return errors.New("connection broken by an earlier failure")
	}
	defer func() {
		if err != nil {
			b.broken = true
			if ctx.Err() != nil {
				err = fmt.Errorf("%w (%w)", ctx.Err(), err)
			}
		}
	}()
	deadline := time.Now().Add(b.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := b.conn.SetDeadline(deadline); err != nil {
		return err
	}
	// Interrupt a blocked read or write when ctx ends.
	stop := context.AfterFunc(ctx, func() { _ = b.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	b.corr++
	if _, err := b.conn.Write(b.format.AppendRequest(nil, req, b.corr)); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	var head [8]byte // size, correlation id
	if _, err := io.ReadFull(b.conn, head[:]); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	size := int32(binary.BigEndian.Uint32(head[:4]))
	if size < 4 || size > maxResponse {
		return fmt.Errorf("response size %d out of range", size)
	}
	if corr := int32(binary.BigEndian.Uint32(head[4:])); corr != b.corr {
		return fmt.Errorf("response to request %d, want %d", corr, b.corr)
	}
	body := make([]byte, size-4)
	if _, err := io.ReadFull(b.conn, body); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	// Flexible responses have a tagged-field section in their header,
	// except ApiVersions (KIP-511).
	if req.IsFlexible() && req.Key() != int16(kmsg.ApiVersions) {
		r := &tagReader{b: body}
		kmsg.SkipTags(r)
		if r.failed {
			return errors.New("truncated response header")
		}
		body = r.b
	}
	// A broker that does not support the ApiVersions version asked for
	// answers UNSUPPORTED_VERSION in the v0 layout.
	if req.Key() == int16(kmsg.ApiVersions) && len(body) >= 2 && kafka.Error(int16(binary.BigEndian.Uint16(body))) == kafka.UnsupportedVersion {
		resp.SetVersion(0)
	}
	if err := resp.ReadFrom(body); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return nil
}

// tagReader is the kmsg.TagReader of a response header.
type tagReader struct {
	b      []byte
	failed bool
}

func (r *tagReader) Uvarint() uint32 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v > 1<<32-1 {
		r.failed, r.b = true, nil
		return 0
	}
	r.b = r.b[n:]
	return uint32(v)
}

func (r *tagReader) Span(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.failed, r.b = true, nil
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *tagReader) Ok() bool { return !r.failed }

// apiVersions asks the broker which request versions it supports (v3;
// the answer is decoded as v0 when the broker does not know v3).
func (b *brokerConn) apiVersions(ctx context.Context) error {
	req := kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(3)
	req.ClientSoftwareName, req.ClientSoftwareVersion = "newsflow", "1"
	r, err := b.roundTrip(ctx, req)
	if err != nil {
		return err
	}
	resp := r.(*kmsg.ApiVersionsResponse)
	if resp.ErrorCode != 0 && (resp.Version != 0 || len(resp.ApiKeys) == 0) {
		return fmt.Errorf("ApiVersions: %w", kafka.Error(resp.ErrorCode))
	}
	b.versions = make(map[int16]int16, len(resp.ApiKeys))
	for _, k := range resp.ApiKeys {
		b.versions[k.ApiKey] = k.MaxVersion
	}
	return nil
}

// version returns the highest version of key both the broker and this
// client (want) support, or an error if the broker does not support
// version least.
func (b *brokerConn) version(key kmsg.Key, want, least int16) (int16, error) {
	v, ok := b.versions[int16(key)]
	if !ok || v < least {
		return 0, fmt.Errorf("broker %s does not support %s v%d or later", b.addr, key.Name(), least)
	}
	return min(v, want), nil
}

// authenticate runs the SASL exchange of mech: SaslHandshake v1, then
// SaslAuthenticate until the mechanism is done (as kafka-go's Dialer).
func (b *brokerConn) authenticate(ctx context.Context, mech sasl.Mechanism) error {
	if _, err := b.version(kmsg.SASLHandshake, 1, 1); err != nil {
		return err
	}
	authV, err := b.version(kmsg.SASLAuthenticate, 2, 0)
	if err != nil {
		return err
	}
	hs := kmsg.NewPtrSASLHandshakeRequest()
	hs.SetVersion(1)
	hs.Mechanism = mech.Name()
	r, err := b.roundTrip(ctx, hs)
	if err != nil {
		return err
	}
	if hr := r.(*kmsg.SASLHandshakeResponse); hr.ErrorCode != 0 {
		return fmt.Errorf("handshake: %w (the broker offers %v)", kafka.Error(hr.ErrorCode), hr.SupportedMechanisms)
	}
	sess, state, err := mech.Start(ctx)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	for done := false; !done; {
		ar := kmsg.NewPtrSASLAuthenticateRequest()
		ar.SetVersion(authV)
		ar.SASLAuthBytes = state
		r, err := b.roundTrip(ctx, ar)
		if err != nil {
			if errors.Is(err, io.EOF) {
				// Brokers may end a failed exchange by closing the
				// connection.
				return fmt.Errorf("%w: %w", kafka.SASLAuthenticationFailed, err)
			}
			return err
		}
		resp := r.(*kmsg.SASLAuthenticateResponse)
		if resp.ErrorCode != 0 {
			msg := ""
			if resp.ErrorMessage != nil {
				msg = ": " + *resp.ErrorMessage
			}
			return fmt.Errorf("%w%s", kafka.Error(resp.ErrorCode), msg)
		}
		done, state, err = sess.Next(ctx, resp.SASLAuthBytes)
		if err != nil {
			return fmt.Errorf("authentication: %w", err)
		}
	}
	return nil
}

// findCoordinator asks for the group coordinator's address. An error code
// in the answer is returned as a kafka.Error.
func (b *brokerConn) findCoordinator(ctx context.Context, group string) (string, int32, error) {
	v, err := b.version(kmsg.FindCoordinator, 4, 0)
	if err != nil {
		return "", 0, err
	}
	req := kmsg.NewPtrFindCoordinatorRequest()
	req.SetVersion(v)
	req.CoordinatorType = 0 // group
	if v >= 4 {
		req.CoordinatorKeys = []string{group}
	} else {
		req.CoordinatorKey = group
	}
	r, err := b.roundTrip(ctx, req)
	if err != nil {
		return "", 0, err
	}
	resp := r.(*kmsg.FindCoordinatorResponse)
	code, host, port := resp.ErrorCode, resp.Host, resp.Port
	if v >= 4 {
		i := slices.IndexFunc(resp.Coordinators, func(c kmsg.FindCoordinatorResponseCoordinator) bool { return c.Key == group })
		if i < 0 {
			return "", 0, fmt.Errorf("FindCoordinator v%d to %s: no answer for group %q", v, b.addr, group)
		}
		c := resp.Coordinators[i]
		code, host, port = c.ErrorCode, c.Host, c.Port
	}
	if code != 0 {
		return "", 0, fmt.Errorf("FindCoordinator for group %q: %w", group, kafka.Error(code))
	}
	return host, port, nil
}

// offsetFetch sends one OffsetFetch (v7 with require_stable, or the
// broker's highest version) for parts and decodes it. UNSTABLE_OFFSET_COMMIT
// on any partition, and any error code, is returned as a kafka.Error.
func (b *brokerConn) offsetFetch(ctx context.Context, group string, parts map[string][]int, log *slog.Logger) (map[string]map[int]int64, error) {
	v, err := b.version(kmsg.OffsetFetch, stableVersion, 1)
	if err != nil {
		return nil, err
	}
	if v < stableVersion {
		log.Warn("the group coordinator does not support OffsetFetch v7 (require_stable, Kafka 2.5 or later): offsets of pending transactions are not waited for", "coordinator", b.addr, "version", v)
	}
	req := kmsg.NewPtrOffsetFetchRequest()
	req.SetVersion(v)
	req.Group = group
	req.RequireStable = v >= stableVersion
	topics := make([]string, 0, len(parts))
	for t := range parts {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	for _, t := range topics {
		rt := kmsg.NewOffsetFetchRequestTopic()
		rt.Topic = t
		for _, p := range parts[t] {
			rt.Partitions = append(rt.Partitions, int32(p))
		}
		req.Topics = append(req.Topics, rt)
	}
	r, err := b.roundTrip(ctx, req)
	if err != nil {
		return nil, err
	}
	resp := r.(*kmsg.OffsetFetchResponse)
	out := make(map[string]map[int]int64, len(parts))
	for t, ps := range parts {
		out[t] = make(map[int]int64, len(ps))
	}
	switch code := kafka.Error(resp.ErrorCode); code {
	case 0:
	case kafka.GroupIdNotFound:
		// No such group (the embedded broker says so; Kafka answers -1
		// for every partition): nothing is committed.
		for t, ps := range parts {
			for _, p := range ps {
				out[t][p] = -1
			}
		}
		return out, nil
	default:
		return nil, fmt.Errorf("OffsetFetch v%d for group %q: %w", v, group, code)
	}
	var unstable []string
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			want, ok := out[rt.Topic]
			if !ok || !slices.Contains(parts[rt.Topic], int(rp.Partition)) {
				continue // not asked for
			}
			switch code := kafka.Error(rp.ErrorCode); code {
			case 0:
				want[int(rp.Partition)] = max(rp.Offset, -1)
			case kafka.UnstableOffsetCommit:
				unstable = append(unstable, fmt.Sprintf("%s/%d", rt.Topic, rp.Partition))
			default:
				return nil, fmt.Errorf("OffsetFetch v%d for group %q, %s/%d: %w", v, group, rt.Topic, rp.Partition, code)
			}
		}
	}
	if len(unstable) > 0 {
		return nil, fmt.Errorf("OffsetFetch v%d for group %q: %w on %v", v, group, kafka.UnstableOffsetCommit, unstable)
	}
	for t, ps := range parts {
		for _, p := range ps {
			if _, ok := out[t][p]; !ok {
				return nil, fmt.Errorf("OffsetFetch v%d for group %q: the coordinator %s did not answer for %s/%d", v, group, b.addr, t, p)
			}
		}
	}
	return out, nil
}
