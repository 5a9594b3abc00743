package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol/describegroups"
	"github.com/segmentio/kafka-go/protocol/metadata"

	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/internal/reach"
	"github.com/newsflow/newsflow/internal/wait"
)

// Check statuses.
const (
	CheckPass = "pass"
	CheckFail = "FAIL"
	CheckWarn = "warn" // could not be checked; run will try anyway
)

// CheckResult is one line of `newsflow check`.
type CheckResult struct {
	Check  string
	Status string
	Detail string
}

// Preflight checks what `run` needs from the brokers with these settings,
// without writing anything: the brokers answer (with the credentials, when
// SASL/TLS is on); every topic exists, or may be created when
// --create-topics is on (a validate-only CreateTopics); the credentials may
// read the inputs, write the outputs and the changelog, and use the
// consumer group (as far as the brokers report authorised operations:
// Metadata v8 and DescribeGroups v3, Kafka 2.3+); the output and
// dead-letter topics take records of --max-message-bytes; the changelog is
// compacted. s must be valid (Settings.Validate). It blocks for at most
// about --connect-timeout plus 30 s; the error is non-nil when a check
// failed, and the results say which.
func Preflight(ctx context.Context, s Settings, log *slog.Logger) ([]CheckResult, error) {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	transport, err := s.Security.Transport()
	if err != nil {
		return []CheckResult{{"configuration", CheckFail, err.Error()}}, err
	}
	if transport == nil {
		transport = &kafka.Transport{}
	}
	defer transport.CloseIdleConnections()
	p := &preflight{s: s, t: transport, log: log}
	p.add("configuration", CheckPass, fmt.Sprintf("valid (guarantee %s, pipeline %s)", s.Guarantee, s.Pipeline))
	if s.Security.Enabled() {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := s.Security.Check(cctx, s.Brokers, 0)
		cancel()
		if err != nil {
			p.add("credentials", CheckFail, err.Error())
			return p.done()
		}
		p.add("credentials", CheckPass, "SASL/TLS accepted")
	}
	rctx, cancel := context.WithTimeout(ctx, s.ConnectTimeout)
	err = reach.Check(rctx, s.Brokers, transport, log)
	cancel()
	if err != nil {
		p.add("brokers", CheckFail, err.Error())
		return p.done()
	}
	p.add("brokers", CheckPass, "reachable: "+strings.Join(s.Brokers, ","))
	mctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p.topics(mctx)
	p.groups(mctx)
	return p.done()
}

// groups checks the consumer groups run joins.
func (p *preflight) groups(ctx context.Context) {
	p.group(ctx, p.s.Group)
	if p.s.Trends && p.s.Pipeline == "full" {
		p.group(ctx, p.s.TrendsGroup())
	}
}

// checkResources is the part of Preflight that `run` performs at start,
// once the brokers answered and missing topics were created: the topics,
// their limits and authorisations, and the group.
func checkResources(ctx context.Context, s Settings, t *kafka.Transport, log *slog.Logger) ([]CheckResult, error) {
	p := &preflight{s: s, t: t, log: log}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p.topics(cctx)
	p.groups(cctx)
	return p.done()
}

type preflight struct {
	s      Settings
	t      *kafka.Transport
	log    *slog.Logger
	out    []CheckResult
	failed bool
}

func (p *preflight) add(check, status, detail string) {
	p.out = append(p.out, CheckResult{check, status, detail})
	if status == CheckFail {
		p.failed = true
	}
}

func (p *preflight) done() ([]CheckResult, error) {
	if !p.failed {
		return p.out, nil
	}
	var failed []string
	for _, r := range p.out {
		if r.Status == CheckFail {
			failed = append(failed, r.Check+": "+r.Detail)
		}
	}
	return p.out, fmt.Errorf("preflight checks failed: %s", strings.Join(failed, "; "))
}

// ACL operation codes (Kafka's AclOperation), as bits of the authorised
// operations fields.
const (
	opRead     = 3
	opWrite    = 4
	opDescribe = 8
)

// topicRole is one topic run uses, and the operations it needs on it.
type topicRole struct {
	name, role string
	ops        []int
	compacted  bool
	sizeLimit  bool // must take --max-message-bytes
}

func (p *preflight) roles() []topicRole {
	var out []topicRole
	for _, in := range p.s.Inputs() {
		out = append(out, topicRole{name: in, role: "input", ops: []int{opRead, opDescribe}})
	}
	out = append(out,
		topicRole{name: p.s.Output, role: "output", ops: []int{opWrite, opDescribe}, sizeLimit: true},
		topicRole{name: p.s.DLQ, role: "dead letters", ops: []int{opWrite, opDescribe}, sizeLimit: true})
	if p.s.Dedup && p.s.Pipeline == "full" {
		out = append(out, topicRole{name: p.s.ChangelogTopic(), role: "changelog", ops: []int{opRead, opWrite, opDescribe}, compacted: true})
	}
	if p.s.Trends && p.s.Pipeline == "full" {
		out = append(out,
			topicRole{name: p.s.Mentions(), role: "mentions", ops: []int{opRead, opWrite, opDescribe}},
			topicRole{name: p.s.TrendsTopic, role: "trends", ops: []int{opWrite, opDescribe}, sizeLimit: true},
			topicRole{name: p.s.TrendsChangelog(), role: "trends changelog", ops: []int{opRead, opWrite, opDescribe}, compacted: true})
	}
	return out
}

func opNames(ops []int) string {
	names := map[int]string{opRead: "READ", opWrite: "WRITE", opDescribe: "DESCRIBE"}
	var s []string
	for _, o := range ops {
		s = append(s, names[o])
	}
	return strings.Join(s, "+")
}

// reported says whether an authorised-operations field carries an answer
// (brokers that do not compute it send INT32_MIN, some 0).
func reported(ops int32) bool { return ops != -2147483648 && ops != 0 }

func allowed(ops int32, need []int) []int {
	var missing []int
	for _, o := range need {
		if ops&(1<<o) == 0 {
			missing = append(missing, o)
		}
	}
	return missing
}

func (p *preflight) topics(ctx context.Context) {
	roles := p.roles()
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = r.name
	}
	msg, err := p.t.RoundTrip(ctx, kafka.TCP(p.s.Brokers...), &metadata.Request{TopicNames: names, IncludeTopicAuthorizedOperations: true})
	if err != nil {
		p.add("topics", CheckFail, fmt.Sprintf("metadata: %v", err))
		return
	}
	md, ok := msg.(*metadata.Response)
	if !ok {
		p.add("topics", CheckFail, fmt.Sprintf("metadata: unexpected response %T", msg))
		return
	}
	byName := map[string]metadata.ResponseTopic{}
	for _, t := range md.Topics {
		byName[t.Name] = t
	}
	var missing []kafka.TopicConfig
	roleOf := map[string]string{}
	for _, r := range roles {
		roleOf[r.name] = r.role
		label := fmt.Sprintf("topic %s (%s)", r.name, r.role)
		t, ok := byName[r.name]
		code := kafka.Error(t.ErrorCode)
		switch {
		case !ok || t.ErrorCode != 0 && errors.Is(code, kafka.UnknownTopicOrPartition):
			if !p.s.CreateTopics {
				p.add(label, CheckFail, "does not exist, and --create-topics is off: create it or turn it on")
				continue
			}
			tc := kafka.TopicConfig{Topic: r.name, NumPartitions: p.s.Partitions, ReplicationFactor: p.s.Replication}
			if r.compacted {
				tc.ConfigEntries = []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}}
			}
			missing = append(missing, tc)
			continue
		case errors.Is(code, kafka.LeaderNotAvailable):
			p.add(label, CheckWarn, fmt.Sprintf("not checked: %v (a leader election in progress)", code))
			continue
		case t.ErrorCode != 0:
			p.add(label, CheckFail, fmt.Sprintf("%v", code))
			continue
		}
		detail := fmt.Sprintf("%d partitions", len(t.Partitions))
		status := CheckPass
		if reported(t.TopicAuthorizedOperations) {
			if miss := allowed(t.TopicAuthorizedOperations, r.ops); len(miss) > 0 {
				status, detail = CheckFail, fmt.Sprintf("the credentials lack %s on it (need %s)", opNames(miss), opNames(r.ops))
			} else {
				detail += "; may " + opNames(r.ops)
			}
		} else {
			detail += "; authorisations not reported by the broker"
		}
		if status == CheckPass && r.sizeLimit {
			if err := engine.CheckMessageLimit(ctx, p.s.Brokers, p.t, int64(p.s.MaxMessageBytes), p.log, r.name); err != nil {
				status, detail = CheckFail, err.Error()
			} else {
				detail += fmt.Sprintf("; takes records of %d bytes", p.s.MaxMessageBytes)
			}
		}
		if status == CheckPass && r.compacted {
			v, ok, err := engine.TopicConfig(ctx, p.s.Brokers, p.t, r.name, "cleanup.policy")
			switch {
			case err != nil || !ok:
				detail += "; cleanup.policy not readable"
			case !strings.Contains(v, "compact"):
				status, detail = CheckFail, fmt.Sprintf("cleanup.policy=%s: a changelog must be compacted", v)
			default:
				detail += "; compacted"
			}
		}
		p.add(label, status, detail)
	}
	if len(missing) == 0 {
		return
	}
	// kafka-go's transport, after a CreateTopics, waits for the topics to
	// show in the metadata until its context ends, even for a validate-only
	// request (where they never will); the answer is in by then. So the
	// call gets a short context of its own.
	client := &kafka.Client{Addr: kafka.TCP(p.s.Brokers...), Transport: p.t}
	vctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	resp, err := client.CreateTopics(vctx, &kafka.CreateTopicsRequest{Topics: missing, ValidateOnly: true})
	cancel()
	for _, tc := range missing {
		label := fmt.Sprintf("topic %s (%s)", tc.Topic, roleOf[tc.Topic])
		var terr error
		if err != nil {
			terr = err
		} else {
			terr = resp.Errors[tc.Topic]
		}
		if terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
			p.add(label, CheckFail, fmt.Sprintf("does not exist and cannot be created: %v", terr))
			continue
		}
		p.add(label, CheckPass, fmt.Sprintf("does not exist; run will create it (%d partitions)", tc.NumPartitions))
	}
}

func (p *preflight) group(ctx context.Context, group string) {
	label := "group " + group
	// A new group's coordinator may not be ready yet (a broker loading or
	// creating __consumer_offsets answers NOT_COORDINATOR or
	// COORDINATOR_NOT_AVAILABLE for a while): retry those for up to 15 s,
	// then report the check as not conclusive rather than failed.
	var g describegroups.ResponseGroup
	backoff := 100 * time.Millisecond
	deadline := time.Now().Add(15 * time.Second)
	for {
		msg, err := p.t.RoundTrip(ctx, kafka.TCP(p.s.Brokers...), &describegroups.Request{Groups: []string{group}, IncludeAuthorizedOperations: true})
		if err != nil {
			p.add(label, CheckWarn, fmt.Sprintf("not checked: %v", err))
			return
		}
		res, ok := msg.(*describegroups.Response)
		if !ok || len(res.Groups) != 1 {
			p.add(label, CheckWarn, "not checked: unexpected answer")
			return
		}
		g = res.Groups[0]
		code := kafka.Error(g.ErrorCode)
		retriable := errors.Is(code, kafka.NotCoordinatorForGroup) || errors.Is(code, kafka.GroupCoordinatorNotAvailable) || errors.Is(code, kafka.GroupLoadInProgress)
		if !retriable {
			break
		}
		if time.Now().After(deadline) || !wait.Sleep(ctx, backoff) {
			p.add(label, CheckWarn, fmt.Sprintf("not checked: %v", code))
			return
		}
		backoff = min(2*backoff, time.Second)
	}
	if g.ErrorCode != 0 {
		p.add(label, CheckFail, kafka.Error(g.ErrorCode).Error())
		return
	}
	detail := "state " + strings.ToLower(g.GroupState)
	if g.GroupState == "" || g.GroupState == "Dead" {
		detail = "new (no member, no committed offset)"
	}
	need := []int{opRead, opDescribe}
	if reported(g.AuthorizedOperations) {
		if miss := allowed(g.AuthorizedOperations, need); len(miss) > 0 {
			p.add(label, CheckFail, fmt.Sprintf("the credentials lack %s on the group (need READ to join and commit)", opNames(miss)))
			return
		}
		detail += "; may join and commit"
	} else {
		detail += "; authorisations not reported by the broker"
	}
	if p.s.Guarantee == "exactly-once" {
		detail += "; the transactional id is not checked (checking would fence a running instance)"
	}
	p.add(label, CheckPass, detail)
}
