package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/config"
	"github.com/newsflow/newsflow/internal/kafkasec"
	"github.com/newsflow/newsflow/internal/offsets"
	"github.com/newsflow/newsflow/internal/reach"
)

// cmdOffsets is `newsflow offsets` and `newsflow offsets reset`.
//
// Without an argument it prints a consumer group's committed offset, log
// end and lag on every partition of a topic, and the totals, as
// kafka-consumer-groups --describe does. With "reset" it computes new
// offsets (--to-datetime, --to-earliest, --to-latest or --shift-by) and
// prints the plan; only with --execute does it commit them, and then only
// while the group has no active member (exit 1 otherwise, naming the
// group's state and members). Usage errors, a missing topic included, exit
// 2 before anything is changed.
func cmdOffsets(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("offsets", flag.ContinueOnError)
	var brokers config.List
	fs.Var(&brokers, "brokers", "Kafka bootstrap brokers, HOST:PORT[,…] (required)")
	group := fs.String("group", "", "consumer group id (required)")
	topic := fs.String("topic", "", "topic whose offsets to show or reset (required)")
	toTime := fs.String("to-datetime", "", "reset: to each partition's first record at or after this RFC 3339 time, e.g. 2026-03-01T00:00:00Z (to the log end where there is none); command line only")
	toEarliest := fs.Bool("to-earliest", false, "reset: to each partition's log start (read everything retained again); command line only")
	toLatest := fs.Bool("to-latest", false, "reset: to each partition's log end (skip everything written so far); command line only")
	shift := fs.Int64("shift-by", 0, "reset: by this many records from the committed offset (negative: back), within the log; command line only")
	execute := fs.Bool("execute", false, "reset: commit the new offsets (without it, reset only prints the plan); command line only")
	connectTimeout := fs.Duration("connect-timeout", 15*time.Second, "how long to keep trying to reach the brokers")
	var sec kafkasec.Options
	app.RegisterSecurity(fs, &sec)
	// A reset is a one-off act: its target and --execute come from the
	// command line only, never from a NEWSFLOW_ variable left in the
	// environment.
	pe := e
	pe.getenv = func(k string) string {
		for _, f := range resetOnly {
			if k == config.EnvName(f) {
				return ""
			}
		}
		return e.getenv(k)
	}
	if err := parse(pe, fs, args); err != nil {
		return err
	}
	for _, f := range resetOnly {
		if v := e.getenv(config.EnvName(f)); v != "" {
			fmt.Fprintf(e.stderr, "newsflow offsets: %s=%s is ignored: --%s is read from the command line only\n", config.EnvName(f), v, f)
		}
	}
	sec = withEnv(e, sec)
	transport, err := sec.Transport()
	if err != nil {
		return usageError{err}
	}
	defer transport.CloseIdleConnections()
	reset := false
	switch {
	case fs.NArg() == 0:
	case fs.Arg(0) == "reset" && fs.NArg() == 1:
		reset = true
	case fs.Arg(0) == "reset":
		return usageError{fmt.Errorf("unexpected argument %q after reset (flags start with --)", fs.Arg(1))}
	default:
		return usageError{fmt.Errorf("unknown argument %q: `newsflow offsets` shows offsets, `newsflow offsets reset` resets them", fs.Arg(0))}
	}
	if err := config.CheckHostPorts("brokers", brokers); err != nil {
		return usageError{err}
	}
	if strings.TrimSpace(*group) == "" {
		return usageError{errors.New("--group is required")}
	}
	if *topic == "" {
		return usageError{errors.New("--topic is required")}
	}
	if err := config.CheckPositive("connect-timeout", *connectTimeout); err != nil {
		return usageError{err}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var targets []string
	for _, name := range resetOnly[:4] {
		if set[name] {
			targets = append(targets, "--"+name)
		}
	}
	var target offsets.Target
	if !reset {
		if set["execute"] {
			targets = append(targets, "--execute")
		}
		if len(targets) > 0 {
			return usageError{fmt.Errorf("%s: only with `newsflow offsets reset`", strings.Join(targets, ", "))}
		}
	} else {
		if len(targets) != 1 {
			return usageError{fmt.Errorf("offsets reset needs exactly one of --to-datetime, --to-earliest, --to-latest and --shift-by (got %d)", len(targets))}
		}
		switch {
		case set["to-datetime"]:
			t, err := parseDatetime(*toTime)
			if err != nil {
				return usageError{err}
			}
			target = offsets.AtTime(t)
		case set["to-earliest"] && *toEarliest:
			target = offsets.Earliest()
		case set["to-latest"] && *toLatest:
			target = offsets.Latest()
		case set["shift-by"]:
			target = offsets.ShiftBy(*shift)
		default:
			return usageError{fmt.Errorf("%s=false sets no target; give one of --to-datetime, --to-earliest, --to-latest and --shift-by", targets[0])}
		}
	}

	rctx, stopReach := context.WithTimeout(ctx, *connectTimeout)
	err = explainReach(sec, reach.Check(rctx, brokers, transport, slog.New(slog.NewTextHandler(e.stderr, nil))))
	stopReach()
	if err != nil {
		if ctx.Err() != nil {
			return nil // interrupted
		}
		return err
	}
	if _, err := topicPartitions(ctx, brokers, transport, *topic); err != nil {
		var missing *missingTopicError
		if errors.As(err, &missing) {
			return usageError{err}
		}
		return err
	}
	admin := offsets.New(brokers, transport, 30*time.Second)
	if !reset {
		d, err := admin.Describe(ctx, *group, *topic)
		if err != nil {
			return err
		}
		return printDescription(e.stdout, d)
	}
	plan, err := admin.PlanReset(ctx, *group, *topic, target)
	if err != nil {
		return err
	}
	if !*execute {
		fmt.Fprintf(e.stdout, "Dry run, nothing changed: consumer group %q on topic %q, %s.\n\n", *group, *topic, plan.Target)
		if err := printPlan(e.stdout, plan); err != nil {
			return err
		}
		if plan.Group.Active() {
			fmt.Fprintf(e.stdout, "\nThe group has %s (state %s): --execute will be refused until every consumer of the group stops.\n",
				plural(len(plan.Group.Members), "active member", "active members"), plan.Group.State)
			return nil
		}
		fmt.Fprintln(e.stdout, "\nRun the same command with --execute to commit these offsets.")
		return nil
	}
	if err := admin.Apply(ctx, plan); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Committed: consumer group %q on topic %q, %s.\n\n", *group, *topic, plan.Target)
	return printPlan(e.stdout, plan)
}

// resetOnly are the flags of `newsflow offsets reset` alone.
var resetOnly = []string{"to-datetime", "to-earliest", "to-latest", "shift-by", "execute"}

// parseDatetime parses an RFC 3339 time, and explains the format when s
// is not one.
func parseDatetime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		hint := "e.g. 2026-03-01T00:00:00Z or 2026-03-01T09:30:00+01:00"
		if d, derr := time.Parse(time.DateOnly, strings.TrimSpace(s)); derr == nil {
			hint = "did you mean " + d.Format(time.RFC3339) + "?"
		}
		return time.Time{}, fmt.Errorf("--to-datetime: %q is not an RFC 3339 time with a time zone (%s)", s, hint)
	}
	if t.Before(time.Unix(0, 0)) {
		return time.Time{}, fmt.Errorf("--to-datetime: %s is before 1970", s)
	}
	return t, nil
}

// offset prints an offset, "-" for none.
func offset(o int64) string {
	if o < 0 {
		return "-"
	}
	return strconv.FormatInt(o, 10)
}

// printDescription prints a group's offsets on a topic as
// kafka-consumer-groups --describe does, with a total line.
func printDescription(w io.Writer, d *offsets.Description) error {
	switch g := d.Group; {
	case g.State == "Dead":
		fmt.Fprintf(w, "Consumer group %q does not exist: it has no member and no committed offset.\n\n", g.ID)
	case len(g.Members) == 0:
		fmt.Fprintf(w, "Consumer group %q has no active members (state %s).\n\n", g.ID, g.State)
	default:
		fmt.Fprintf(w, "Consumer group %q has %s (state %s).\n\n", g.ID, plural(len(g.Members), "active member", "active members"), g.State)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tTOPIC\tPARTITION\tCURRENT-OFFSET\tLOG-END-OFFSET\tLAG\tCONSUMER-ID\tHOST\tCLIENT-ID")
	var committed, end int64
	anyCommitted := false
	for _, p := range d.Partitions {
		member, host, client := "-", "-", "-"
		if m := p.Member; m != nil {
			member, host, client = m.ID, m.Host, m.ClientID
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%s\t%s\t%s\n", d.Group.ID, d.Topic, p.Partition, offset(p.Committed), p.LogEnd, p.Lag(), member, host, client)
		if p.Committed >= 0 {
			committed += p.Committed
			anyCommitted = true
		}
		end += p.LogEnd
	}
	total := "-"
	if anyCommitted {
		total = strconv.FormatInt(committed, 10)
	}
	fmt.Fprintf(tw, "%s\t%s\tTOTAL\t%s\t%d\t%d\n", d.Group.ID, d.Topic, total, end, d.Lag())
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if hasUncommitted(d) {
		fmt.Fprintln(w, "\nCURRENT-OFFSET \"-\": nothing committed; the lag counts from the log start, where `newsflow run` starts a new group.")
	}
	return nil
}

// hasUncommitted reports whether some partition has no committed offset.
func hasUncommitted(d *offsets.Description) bool {
	for _, p := range d.Partitions {
		if p.Committed < 0 {
			return true
		}
	}
	return false
}

// printPlan prints a reset plan: per partition the current and new offset
// and the lag after the move, and the totals.
func printPlan(w io.Writer, p *offsets.Plan) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PARTITION\tCURRENT-OFFSET\tNEW-OFFSET\tLOG-START\tLOG-END\tLAG-AFTER")
	var lag int64
	for _, m := range p.Moves {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\n", m.Partition, offset(m.Current), m.New, m.LogStart, m.LogEnd, m.Lag())
		lag += m.Lag()
	}
	fmt.Fprintf(tw, "TOTAL\t\t\t\t\t%d\n", lag) // only the lag adds up
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
