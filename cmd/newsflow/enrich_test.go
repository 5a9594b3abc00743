package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// enrichedIDs parses JSON Lines of enriched articles and returns their ids.
func enrichedIDs(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var a struct {
			Schema int    `json:"schema"`
			ID     string `json:"id"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil || a.Schema != 1 {
			t.Fatalf("output line %d is not an enriched article: %v: %.200q", i+1, err, line)
		}
		ids = append(ids, a.ID)
	}
	return ids
}

// JSON Lines on stdin (no argument, or "-") come out enriched on stdout,
// in order, with nothing on stderr and exit 0.
func TestEnrichStdin(t *testing.T) {
	for _, args := range [][]string{{"enrich", "--pipeline", "core"}, {"enrich", "--pipeline", "core", "-"}} {
		r := cli{stdin: jsonLines(5, 80)}.run(t, args...)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		if got := strings.Join(enrichedIDs(t, r.stdout), ","); got != "a-000,a-001,a-002,a-003,a-004" {
			t.Errorf("%v: ids %s", args, got)
		}
	}
}

// Files and stdin together, in the order given; a malformed line goes to
// --dlq with its file and line, and is not a failure.
func TestEnrichFilesAndDeadLetterFile(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first.jsonl")
	lines := strings.SplitAfter(jsonLines(3, 80), "\n")
	lines[1] = `{"id":"broken","body":` + "\n" // line 2
	if err := os.WriteFile(first, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	story := filepath.Join(dir, "story.txt")
	if err := os.WriteFile(story, []byte("date 2024-01-02\nA plain-text story, one article.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dlq := filepath.Join(dir, "dead.jsonl")
	r := cli{stdin: `{"id":"from-stdin","body":"Read last."}` + "\n"}.run(t, "enrich", "--pipeline", "core", "--dlq", dlq, first, story, "-")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if got := strings.Join(enrichedIDs(t, r.stdout), ","); got != "a-000,a-002,story.txt,from-stdin" {
		t.Errorf("ids %s", got)
	}
	if want := "newsflow enrich: 1 record dead-lettered, see " + dlq + "\n"; r.stderr != want {
		t.Errorf("stderr %q, want %q", r.stderr, want)
	}
	data, err := os.ReadFile(dlq)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		File, Class, Stage, Value string
		Line                      int
	}
	if err := json.Unmarshal(data, &d); err != nil || strings.Count(string(data), "\n") != 1 {
		t.Fatalf("dead-letter file %q: %v", data, err)
	}
	if d.File != first || d.Line != 2 || d.Class != "invalid_json" || d.Stage != "decode" || d.Value != `{"id":"broken","body":` {
		t.Errorf("dead letter %+v: want %s line 2, invalid_json", d, first)
	}
}

// Without --dlq, dead letters are JSON Lines on stderr; NEWSFLOW_DLQ (the
// DLQ topic of run in a shared environment) is not taken as a file name.
func TestEnrichDeadLettersOnStderr(t *testing.T) {
	notAFile := filepath.Join(t.TempDir(), "articles.dlq")
	r := cli{stdin: "{\"id\":\"x\",\"body\":\"\"}\n", env: []string{"NEWSFLOW_DLQ=" + notAFile}}.run(t, "enrich", "--pipeline", "core")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	note, dl, _ := strings.Cut(r.stderr, "\n")
	if !strings.Contains(note, "NEWSFLOW_DLQ="+notAFile+" (the DLQ topic of run) is ignored") {
		t.Errorf("first stderr line %q: want a note that NEWSFLOW_DLQ is ignored", note)
	}
	var d struct{ Class string }
	if err := json.Unmarshal([]byte(dl), &d); err != nil || d.Class != "missing_body" {
		t.Errorf("dead letter on stderr %q: %v", dl, err)
	}
	if _, err := os.Stat(notAFile); err == nil {
		t.Errorf("%s was created from NEWSFLOW_DLQ", notAFile)
	}
}

// Usage errors exit 2 before anything is read or written, and name what
// to fix; run's checks apply to run's settings.
func TestEnrichUsageErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	content := jsonLines(2, 80)
	if err := os.WriteFile(in, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{filepath.Join(dir, "missing.jsonl")}, "missing.jsonl"},
		{[]string{dir}, "is a directory"},
		{[]string{"-", "-"}, `stdin ("-") can be given only once`},
		{[]string{"--dlq", in, in}, "is also an input file"},
		{[]string{"--dlq", "-", in}, "--dlq -"},
		{[]string{"--dlq", filepath.Join(dir, "no", "such", "dir.jsonl"), in}, "--dlq"},
		{[]string{"--pipeline", "fast", in}, "--pipeline must be full or core"},
		{[]string{"--languages", "en", in}, "--languages needs at least two"},
		{[]string{"--max-record-bytes", "2000000", in}, "--max-record-bytes (2000000) must be below --max-message-bytes"},
		{[]string{"--workers", "-1", in}, "--workers must be 0"},
		{[]string{"--brokers", "x:1", in}, "flag provided but not defined: -brokers"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := newsflow(t, append([]string{"enrich"}, tt.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q: want exit 2 and %q", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
	if data, err := os.ReadFile(in); err != nil || string(data) != content {
		t.Errorf("the input file was changed: %v", err)
	}
}

// SIGINT mid-stream: the process exits 1 soon, saying where the output
// stops, and the output is a complete, in-order prefix of the input.
func TestEnrichSIGINTLeavesAValidPrefix(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	cmd := exec.Command(buildBinary(t), "enrich", "--pipeline", "core")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Feed lines until told to stop; the input never ends by itself.
	stopFeed := make(chan struct{})
	fed := make(chan int, 1)
	go func() {
		n := 0
		defer func() { fed <- n }()
		for {
			select {
			case <-stopFeed:
				return
			default:
			}
			var b strings.Builder
			for range 50 {
				fmt.Fprintf(&b, `{"id":"a-%06d","body":"Sentence %d of a stream that is interrupted."}`+"\n", n, n)
				n++
			}
			if _, err := io.WriteString(stdin, b.String()); err != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	out := make(chan string, 1)
	sawOutput := make(chan struct{})
	go func() {
		var b strings.Builder
		br := bufio.NewReader(stdout)
		once := false
		for {
			line, err := br.ReadString('\n')
			b.WriteString(line)
			if !once && strings.Count(b.String(), "\n") >= 500 {
				once = true
				close(sawOutput)
			}
			if err != nil {
				out <- b.String()
				return
			}
		}
	}()
	select {
	case <-sawOutput:
	case <-time.After(30 * time.Second):
		t.Fatal("no output after 30 s")
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	got := <-out // stdout closes when the process exits
	waitErr := cmd.Wait()
	took := time.Since(sent)
	close(stopFeed)
	stdin.Close()
	n := <-fed
	var ee *exec.ExitError
	if !errors.As(waitErr, &ee) || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1 (interrupted before the end of the input)", waitErr)
	}
	if took > 5*time.Second {
		t.Errorf("took %v to stop after SIGINT", took)
	}
	ids := enrichedIDs(t, got)
	for i, id := range ids {
		if want := fmt.Sprintf("a-%06d", i); id != want {
			t.Fatalf("output line %d is %s, want %s: not a prefix", i+1, id, want)
		}
	}
	if want := fmt.Sprintf("newsflow enrich: interrupted: the output holds the results of the first %d records, up to and including stdin line %d;", len(ids), len(ids)); !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q lacks %q", stderr.String(), want)
	}
	t.Logf("SIGINT after %d lines fed: %d enriched lines written, exit in %v", n, len(ids), took.Round(time.Millisecond))
}
