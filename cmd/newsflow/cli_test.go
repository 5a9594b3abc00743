package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/processor"
)

// cli runs newsflow in process with the given arguments and environment
// ("NAME=value" entries; nothing of the test process's environment).
type cli struct {
	env   []string
	stdin string
}

type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

func (c cli) run(t *testing.T, args ...string) result {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range c.env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var stdout, stderr bytes.Buffer
	e := env{
		stdin: strings.NewReader(c.stdin), stdout: &stdout, stderr: &stderr,
		getenv:  func(k string) string { return vars[k] },
		environ: func() []string { return c.env },
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	start := time.Now()
	code := runEnv(ctx, args, e)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
}

func newsflow(t *testing.T, args ...string) result { t.Helper(); return cli{}.run(t, args...) }

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// jsonLines returns n JSON Lines of about size bytes each (at most size).
func jsonLines(n, size int) string {
	var b strings.Builder
	for i := range n {
		line := fmt.Sprintf(`{"id":"a-%03d","body":""}`, i)
		body := strings.Repeat("x", max(0, size-len(line)))
		fmt.Fprintf(&b, `{"id":"a-%03d","body":"%s"}`+"\n", i, body)
	}
	return b.String()
}

func sumOffsets(m map[int]int64) int64 {
	var n int64
	for _, o := range m {
		n += max(o, 0)
	}
	return n
}

// The issue: with --max-record-bytes 100, a 100-line file published 69
// records and a fragment of the 70th, and exited 0 — the file was cut at
// 64 × the limit. Every line within the limit must arrive whole.
func TestPublishSendsEveryLineOfALargeFile(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Name(t, "in")
	testkafka.CreateTopics(t, brokers, 3, topic)
	file := writeFile(t, "articles.jsonl", jsonLines(100, 90)) // 9,100 bytes > 64 × 100
	r := newsflow(t, "publish", "--brokers", strings.Join(brokers, ","), "--topic", topic, "--max-record-bytes", "100", file)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "published 100 records to "+topic) {
		t.Errorf("stdout %q", r.stdout)
	}
	msgs := testkafka.ReadUntil(t, brokers, topic, 20*time.Second, func(ms []kafka.Message) bool { return len(ms) >= 100 })
	if len(msgs) != 100 {
		t.Fatalf("%d records on the topic, want 100", len(msgs))
	}
	for _, m := range msgs {
		if !json.Valid(m.Value) {
			t.Errorf("record %s is cut: %q", m.Key, m.Value)
		}
	}
}

// A line over the limit is an error naming the file and the line, exit
// non-zero, and nothing of the file is published.
func TestPublishLongLineIsAnErrorNamingFileAndLine(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Name(t, "in")
	testkafka.CreateTopics(t, brokers, 3, topic)
	lines := strings.SplitAfter(jsonLines(100, 90), "\n")
	lines[69] = jsonLines(1, 150) // line 70
	file := writeFile(t, "big.jsonl", strings.Join(lines, ""))
	r := newsflow(t, "publish", "--brokers", strings.Join(brokers, ","), "--topic", topic, "--max-record-bytes", "100", file)
	if r.code == 0 {
		t.Fatalf("exit 0 with a line over --max-record-bytes; stdout %q", r.stdout)
	}
	if want := file + " line 70: 150 bytes, over --max-record-bytes (100)"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q does not contain %q", r.stderr, want)
	}
	if n := sumOffsets(testkafka.EndOffsets(t, brokers, topic)); n != 0 {
		t.Errorf("%d records were published from a file that was refused", n)
	}
}

// A plain-text file (one article) over the limit is an error naming it.
func TestPublishLargePlainTextFileIsAnError(t *testing.T) {
	file := writeFile(t, "article.txt", "date 2024-01-02\n"+strings.Repeat("A long article. ", 20))
	r := newsflow(t, "publish", "--brokers", closedAddr(t), "--max-record-bytes", "100", file)
	if r.code == 0 || !strings.Contains(r.stderr, file+": larger than --max-record-bytes (100 bytes)") {
		t.Errorf("exit %d, stderr %q: want an error naming %s", r.code, r.stderr, file)
	}
	if strings.Contains(r.stderr, "cannot reach") {
		t.Errorf("the brokers were contacted before the file was checked: %q", r.stderr)
	}
}

// A missing file is named even when the topic is missing too: files are
// checked before the brokers are contacted.
func TestPublishNamesAMissingFileBeforeTheTopic(t *testing.T) {
	brokers := testkafka.Brokers(t)
	missing := filepath.Join(t.TempDir(), "nope.jsonl")
	r := newsflow(t, "publish", "--brokers", strings.Join(brokers, ","), "--topic", testkafka.Name(t, "absent"), missing)
	if r.code != 2 || !strings.Contains(r.stderr, missing) || strings.Contains(r.stderr, "does not exist") || strings.Contains(r.stderr, "connecting to Kafka") {
		t.Errorf("exit %d, stderr %q: want exit 2 naming %s, before any broker is contacted", r.code, r.stderr, missing)
	}
}

// Publish and subscribe round trip, with flags after the file name, and
// counts in the singular when there is one.
func TestPublishThenSubscribe(t *testing.T) {
	brokers := strings.Join(testkafka.Brokers(t), ",")
	topic := testkafka.Name(t, "rt")
	one := writeFile(t, "one.jsonl", `{"id":"only","body":"One article."}`+"\n")
	r := newsflow(t, "publish", one, "--brokers", brokers, "--topic", topic, "--create-topic")
	if r.code != 0 || !strings.Contains(r.stdout, "published 1 record to "+topic+"\n") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = cli{stdin: jsonLines(2, 60)}.run(t, "publish", "--brokers", brokers, "--topic", topic, "-")
	if r.code != 0 || !strings.Contains(r.stdout, "published 2 records") {
		t.Fatalf("stdin: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = newsflow(t, "subscribe", "--brokers", brokers, "--topic", topic, "--from-beginning", "--max", "3", "--format", "raw")
	if r.code != 0 {
		t.Fatalf("subscribe: exit %d\n%s", r.code, r.stderr)
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var v struct{ ID string }
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		ids = append(ids, v.ID)
	}
	sort.Strings(ids)
	if got := strings.Join(ids, ","); got != "a-000,a-001,only" {
		t.Errorf("subscribed ids %s", got)
	}
}

// Subscribing to a topic that does not exist says so, at once.
func TestSubscribeMissingTopicSaysSo(t *testing.T) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.Name(t, "absent")
	r := newsflow(t, "subscribe", "--brokers", strings.Join(brokers, ","), "--topic", topic)
	if want := fmt.Sprintf("topic %q does not exist", topic); r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, stderr %q: want exit 2 and %q", r.code, r.stderr, want)
	}
}

// Brokers that cannot be reached: a log line naming them at once, and an
// error naming them when --connect-timeout is over — not a minute of
// silence and "Broker Not Available".
func TestUnreachableBrokersAreNamed(t *testing.T) {
	addr := closedAddr(t)
	file := writeFile(t, "a.jsonl", jsonLines(1, 50))
	for _, args := range [][]string{
		{"publish", "--brokers", addr, "--connect-timeout", "1s", file},
		{"subscribe", "--brokers", addr, "--connect-timeout", "1s"},
	} {
		t.Run(args[0], func(t *testing.T) {
			r := newsflow(t, args...)
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			if want := "newsflow " + args[0] + ": cannot reach brokers " + addr; !strings.Contains(r.stderr, want) {
				t.Errorf("stderr %q lacks %q", r.stderr, want)
			}
			if first, _, _ := strings.Cut(r.stderr, "\n"); !strings.Contains(first, "connecting to Kafka") || !strings.Contains(first, addr) {
				t.Errorf("first line %q: want the addresses being tried", first)
			}
			if r.took > 5*time.Second {
				t.Errorf("took %v with --connect-timeout 1s", r.took)
			}
		})
	}
}

func TestHelpOfEveryCommand(t *testing.T) {
	for name, c := range commands() {
		t.Run(name, func(t *testing.T) {
			r := newsflow(t, name, "-h")
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			for _, want := range []string{"newsflow " + name + " — " + c.summary, "Usage:\n  newsflow " + name, "Example:\n  newsflow " + name} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("help lacks %q:\n%s", want, r.stdout)
				}
			}
			if again := newsflow(t, "help", name); again.code != 0 || again.stdout != r.stdout {
				t.Errorf("`newsflow help %s` differs from `newsflow %s -h`", name, name)
			}
		})
	}
	if r := newsflow(t, "run", "-h"); !strings.Contains(r.stdout, "--brokers list\n      Kafka bootstrap brokers") {
		t.Errorf("run -h does not show --brokers:\n%s", r.stdout)
	}
	// demo runs its own broker: no --brokers, let alone a required one.
	if r := newsflow(t, "demo", "-h"); strings.Contains(r.stdout, "--brokers") || strings.Contains(r.stdout, "required") {
		t.Errorf("demo -h lists --brokers:\n%s", r.stdout)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-version"}} {
		if r := newsflow(t, args...); r.code != 0 || r.stdout != "newsflow "+version+"\n" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestBadFlagValuesSayTheExpectedFormat(t *testing.T) {
	addr := closedAddr(t)
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"duration flag", nil, []string{"subscribe", "--brokers", addr, "--idle-timeout", "30"},
			`--idle-timeout: invalid value "30": expected a duration like 30s, 500ms or 1m30s (did you mean 30s?)`},
		{"duration variable", []string{"NEWSFLOW_IDLE_TIMEOUT=30"}, []string{"subscribe", "--brokers", addr},
			`NEWSFLOW_IDLE_TIMEOUT="30": expected a duration like 30s`},
		{"number flag", nil, []string{"publish", "--brokers", addr, "--rate", "fast", "x.jsonl"},
			`--rate: invalid value "fast": expected a number like 2.5`},
		{"whole number flag", nil, []string{"subscribe", "--brokers", addr, "--max", "ten"},
			`--max: invalid value "ten": expected a whole number like 3`},
		{"boolean flag", nil, []string{"demo", "--once=maybe"}, `--once: invalid value "maybe": expected true or false`},
		{"misspelt flag", nil, []string{"subscribe", "--brokerz", addr}, "did you mean --brokers?"},
		{"languages", nil, []string{"run", "--brokers", addr, "--languages", "en,xx"}, `--languages: "xx" is not a language code`},
		{"one language", nil, []string{"run", "--brokers", addr, "--languages", "en"}, "--languages needs at least two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := cli{env: tt.env}.run(t, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q: want exit 2 and %q", r.code, r.stderr, tt.want)
			}
		})
	}
}

func TestUnknownEnvironmentVariablesAreWarnedAbout(t *testing.T) {
	r := cli{env: []string{
		"NEWSFLOW_BROKER=localhost:9092", // a typo of NEWSFLOW_BROKERS
		"NEWSFLOW_FORMAT=raw",            // a flag of subscribe: fine in a shared environment
		"NEWSFLOW_SASL_PASSWORD=secret",  // read by kafkasec
		"NEWSFLOW_TEST_BROKERS=x:1",      // the tests'
		"HOME=/root",
	}}.run(t, "version")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	want := "newsflow version: warning: NEWSFLOW_BROKER is not a newsflow setting and is ignored (did you mean NEWSFLOW_BROKERS?)\n"
	if r.stderr != want {
		t.Errorf("stderr %q, want only %q", r.stderr, want)
	}
	// The warning comes before the error it may explain.
	r = cli{env: []string{"NEWSFLOW_BROKER=localhost:9092"}}.run(t, "subscribe")
	if r.code != 2 || !strings.Contains(r.stderr, "NEWSFLOW_BROKER is not a newsflow setting") || !strings.Contains(r.stderr, "--brokers is required") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// The progress line: count out of the total, percentage, rate and time
// left; its bar only ever fills (it used to start over every 1,550
// records).
func TestProgressLine(t *testing.T) {
	start := time.Unix(1000, 0)
	p := &progress{total: 10000, start: start}
	prev := -1
	for n := 0; n <= 10000; n += 37 {
		line := p.line(n, start.Add(time.Duration(n)*time.Millisecond)) // 1000 records/s
		filled := strings.Count(line, "#")
		if filled < prev {
			t.Fatalf("bar went back from %d to %d at %d: %q", prev, filled, n, line)
		}
		prev = filled
	}
	got := p.line(2500, start.Add(2500*time.Millisecond))
	if want := "[#####...............] 2500/10000 records  25%  1000/s  ETA 8s"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	if got := p.line(10000, start.Add(10*time.Second)); !strings.HasPrefix(got, "[####################] 10000/10000 records 100%") || !strings.HasSuffix(got, "ETA 0s") {
		t.Errorf("finished line %q", got)
	}
	unknown := &progress{total: -1, start: start}
	if got := unknown.line(1, start.Add(time.Second)); got != "1 record  1.0/s" {
		t.Errorf("line without a total: %q", got)
	}
	var out bytes.Buffer
	tty := &progress{w: &out, tty: true, total: 3, start: start, now: func() time.Time { return start.Add(time.Second) }}
	tty.update(3)
	tty.done()
	if s := out.String(); !strings.HasPrefix(s, "\r[") || !strings.Contains(s, "3/3 records") || !strings.HasSuffix(s, "\033[K\r\033[K") {
		t.Errorf("terminal output %q: want a line redrawn in place and cleared at the end", s)
	}
}

func TestDemoLineCountsInTheSingular(t *testing.T) {
	var out bytes.Buffer
	p := &printer{w: &out}
	p.article(&processor.Article{Title: "One", Stats: processor.Stats{Words: 1}, Quotes: make([]processor.Quote, 1)})
	p.article(&processor.Article{Title: "Two", Stats: processor.Stats{Words: 2}, Quotes: make([]processor.Quote, 2)})
	lines := strings.Split(out.String(), "\n")
	if !strings.Contains(lines[0], " 1 word ") || !strings.Contains(lines[0], " 1 quote ") || strings.Contains(lines[0], "quotes") {
		t.Errorf("line %q: want 1 word, 1 quote", lines[0])
	}
	if !strings.Contains(lines[1], "2 words") || !strings.Contains(lines[1], "2 quotes") {
		t.Errorf("line %q: want 2 words, 2 quotes", lines[1])
	}
	if strings.Index(lines[0], "One") != strings.Index(lines[1], "Two") {
		t.Errorf("titles are not aligned:\n%s", out.String())
	}
}

func TestUnknownCommandSuggests(t *testing.T) {
	r := newsflow(t, "pubish")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown command "pubish"; did you mean "publish"?`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// readRecords keeps every byte of every line within the limit, whatever
// the line endings and however long the line is compared with its read
// buffer, and refuses the first line over it.
func TestReadRecords(t *testing.T) {
	long := `{"id":"long","body":"` + strings.Repeat("y", 200<<10) + `"}` // over bufio's 64 KiB buffer
	// 65,535 bytes, so that its "\r" ends the 64 KiB buffer and its "\n"
	// comes in the next read.
	edge := `{"id":"edge","body":"` + strings.Repeat("z", 65535-23) + `"}`
	tests := []struct {
		name, file, in string
		max            int
		want           []string // values; keys checked for JSON only
		wantErr        string
	}{
		{"lf", "a.jsonl", "{\"id\":\"1\"}\n\n  \n{\"id\":\"2\"}\n", 100, []string{`{"id":"1"}`, `{"id":"2"}`}, ""},
		{"crlf and no final break", "a.jsonl", "{\"id\":\"1\"}\r\n{\"id\":\"2\"}", 10, []string{`{"id":"1"}`, `{"id":"2"}`}, ""},
		{"exactly the limit", "a.jsonl", "{\"id\":\"1\"}\r\n", 10, []string{`{"id":"1"}`}, ""},
		{"one over the limit", "a.jsonl", "{\"id\":\"1\"}\n{\"id\":\"22\"}\n", 10, nil, "a.jsonl line 2: 11 bytes, over --max-record-bytes (10)"},
		{"longer than the read buffer", "a.jsonl", long + "\n", 300 << 10, []string{long}, ""},
		{"crlf split over two reads", "a.jsonl", edge + "\r\n{}\n", len(edge), []string{edge, "{}"}, ""},
		{"longer than the buffer and the limit", "a.jsonl", "{}\n" + long + "\n", 100 << 10, nil, fmt.Sprintf("a.jsonl line 2: %d bytes", len(long))},
		{"content decides", "notes", "  {\"id\":\"1\"}\n{\"id\":\"2\"}\n", 100, []string{`{"id":"1"}`, `{"id":"2"}`}, ""},
		{"plain text", "story.txt", "date 2024-01-02\nA story.\n", 100, []string{"date 2024-01-02\nA story.\n"}, ""},
		{"plain text over the limit", "story.txt", strings.Repeat("word ", 30), 100, nil, "story.txt: larger than --max-record-bytes (100 bytes)"},
		{"empty plain text", "story.txt", "\n", 100, nil, "story.txt: empty file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			var keys []string
			err := readRecords(strings.NewReader(tt.in), tt.file, false, tt.max, func(r samples.Record) error {
				got = append(got, string(r.Value))
				keys = append(keys, string(r.Key))
				return nil
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("records %.80q, want %.80q", got, tt.want)
			}
			if tt.file == "story.txt" && keys[0] != "story.txt" {
				t.Errorf("plain-text key %q", keys[0])
			}
		})
	}
}

// demo takes no --brokers; an exported NEWSFLOW_BROKERS (meant for run)
// is ignored with a note instead of stopping the demo.
func TestDemoBrokers(t *testing.T) {
	r := newsflow(t, "demo", "--brokers", "kafka:9092")
	if r.code != 2 || !strings.Contains(r.stderr, "demo runs its own embedded broker") {
		t.Errorf("--brokers: exit %d, stderr %q", r.code, r.stderr)
	}
	// --tls stops the demo right after the brokers are looked at.
	r = cli{env: []string{"NEWSFLOW_BROKERS=kafka:9092"}}.run(t, "demo", "--tls")
	if !strings.Contains(r.stderr, "NEWSFLOW_BROKERS is ignored") || !strings.Contains(r.stderr, "speaks plaintext") {
		t.Errorf("NEWSFLOW_BROKERS: exit %d, stderr %q", r.code, r.stderr)
	}
}

// A listener that hangs up at once (a TLS port spoken to in plaintext,
// say): the error of that address carries kafkasec's hint.
func TestUnreachableBrokerErrorHasTheSecurityHint(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Read(make([]byte, 512)) // the request, then hang up: EOF
			c.Close()
		}
	}()
	addr := ln.Addr().String()
	r := newsflow(t, "subscribe", "--brokers", addr, "--connect-timeout", "500ms")
	if want := addr + ": the broker closed the connection: if this is a TLS listener, add --tls"; r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, stderr %q: want %q", r.code, r.stderr, want)
	}
}

// The demo shows the stories with copies and the entities that burst in
// the current window (the samples' timestamps make two stories break).
func TestDemoShowsStoriesAndTrends(t *testing.T) {
	r := newsflow(t, "demo", "--once", "--quiet", "--metrics-addr", "127.0.0.1:0", "--log-level", "error")
	if r.code != 0 {
		t.Fatalf("demo --once = %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Which article of a story is seen first (and names it) depends on how
	// the partitions interleave: the counts do not.
	for _, want := range []string{"43 enriched, 4 dead-lettered", "stories with copies", "  6 × ", "  3 × ", "TRENDING"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestDemoTimesPutTheBreakingStoriesInTheCurrentWindow(t *testing.T) {
	arts, err := samples.Articles()
	if err != nil {
		t.Fatal(err)
	}
	for _, now := range []time.Time{time.Date(2026, 3, 1, 18, 0, 5, 0, time.UTC), time.Date(2026, 3, 1, 18, 59, 0, 0, time.UTC)} {
		times := demoTimes(arts, now, time.Hour)
		for _, a := range arts {
			id := string(a.Key)
			at, ok := times[id]
			breaking := strings.Contains(id, "-copy") || strings.HasPrefix(id, "enwikinews-69ae245848d5") || strings.HasPrefix(id, "enwikinews-eee45ef30ddc")
			switch {
			case !ok:
				t.Fatalf("%s has no time", id)
			case breaking && (at.Before(now.Truncate(time.Hour)) || at.After(now)):
				t.Errorf("now %v: breaking %s at %v, outside the current window", now, id, at)
			case !breaking && !at.Before(now.Truncate(time.Hour)):
				t.Errorf("now %v: %s at %v, in the current window", now, id, at)
			}
		}
	}
}
