package batch_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/batch"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/schema"
)

// input is an Input over a string (a file's name decides its format).
func input(name, content string) batch.Input {
	return batch.Input{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }}
}

// jitterPipeline decodes and then sleeps 0–3 ms, depending on the id, so
// that records finish out of order.
func jitterPipeline(t *testing.T) *processor.Pipeline {
	t.Helper()
	p, err := processor.NewPipeline([]processor.Processor{
		processor.NewDecode(processor.DecodeOptions{}),
		processor.Func("jitter", func(ctx context.Context, a *processor.Article) error {
			h := fnv.New32a()
			h.Write([]byte(a.ID))
			select {
			case <-time.After(time.Duration(h.Sum32()%4) * time.Millisecond):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

func corePipeline(t *testing.T, maxRecordBytes int) *processor.Pipeline {
	t.Helper()
	p, err := app.NewPipeline(nil, app.PipelineOptions{Core: true, MaxRecordBytes: maxRecordBytes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

func fullPipeline(t *testing.T) *processor.Pipeline {
	t.Helper()
	p, err := app.NewPipeline(nil, app.PipelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// numbered returns n JSON lines with ids a-00000, a-00001, …
func numbered(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id":"a-%05d","body":"Article number %d of a long stream."}`+"\n", i, i)
	}
	return b.String()
}

type outLine struct {
	ID  string `json:"id"`
	Pos struct {
		Topic     string    `json:"topic"`
		Partition int       `json:"partition"`
		Offset    int64     `json:"offset"`
		Timestamp time.Time `json:"timestamp"`
	} `json:"source_position"`
}

func parseLines(t *testing.T, out []byte) []outLine {
	t.Helper()
	var lines []outLine
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		var l outLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("output line %d is not JSON: %v: %.200q", len(lines)+1, err, sc.Bytes())
		}
		lines = append(lines, l)
	}
	return lines
}

// Many workers, records finishing out of order: the output is in input
// order, one line per record, each pointing at its line.
func TestOrderIsKeptWithManyWorkers(t *testing.T) {
	const n = 3000
	var out, dlq bytes.Buffer
	st, err := batch.Run(t.Context(), jitterPipeline(t), []batch.Input{input("many.jsonl", numbered(n))},
		batch.Options{Out: &out, DLQ: &dlq, Workers: 64})
	if err != nil {
		t.Fatal(err)
	}
	lines := parseLines(t, out.Bytes())
	if len(lines) != n || st.Read != n || st.Written != n || st.Articles != n {
		t.Fatalf("%d lines; stats %+v; want %d of each", len(lines), st, n)
	}
	for i, l := range lines {
		if want := fmt.Sprintf("a-%05d", i); l.ID != want || l.Pos.Offset != int64(i+1) || l.Pos.Topic != "many.jsonl" {
			t.Fatalf("line %d: id %s at %s/%d, want %s at many.jsonl/%d", i+1, l.ID, l.Pos.Topic, l.Pos.Offset, want, i+1)
		}
	}
	if dlq.Len() != 0 {
		t.Errorf("dead letters: %s", dlq.String())
	}
}

// A malformed line is dead-lettered with its file, line, class, stage
// and original value; the lines around it are enriched; a value that is
// not UTF-8 comes base64-encoded with the flag set.
func TestMalformedLinesAreDeadLetteredWithTheirLine(t *testing.T) {
	in := `{"id":"ok-1","body":"First article."}` + "\n" +
		"\n" +
		`{"id":"bad","body":"unterminated` + "\n" +
		`{"id":"ok-2","body":"Second article."}` + "\n" +
		"not utf-8 \xff\xfe here\n" +
		`{"id":"nobody"}` + "\n"
	var out, dlq bytes.Buffer
	st, err := batch.Run(t.Context(), corePipeline(t, 0), []batch.Input{input("mixed.jsonl", in)}, batch.Options{Out: &out, DLQ: &dlq})
	if err != nil {
		t.Fatal(err)
	}
	lines := parseLines(t, out.Bytes())
	if len(lines) != 2 || lines[0].ID != "ok-1" || lines[1].ID != "ok-2" || lines[1].Pos.Offset != 4 {
		t.Errorf("enriched %+v: want ok-1 and ok-2 (line 4)", lines)
	}
	var dls []batch.DeadLetter
	dec := json.NewDecoder(&dlq)
	for dec.More() {
		var d batch.DeadLetter
		if err := dec.Decode(&d); err != nil {
			t.Fatal(err)
		}
		dls = append(dls, d)
	}
	want := []struct {
		line  int
		class string
	}{{3, processor.ClassInvalidJSON}, {5, processor.ClassInvalidUTF8}, {6, processor.ClassMissingBody}}
	if len(dls) != len(want) || st.DeadLettered != 3 || st.Written != 5 {
		t.Fatalf("dead letters %+v, stats %+v: want %d", dls, st, len(want))
	}
	for i, w := range want {
		d := dls[i]
		if d.File != "mixed.jsonl" || d.Line != w.line || d.Class != w.class || d.Stage != "decode" || !strings.Contains(d.Error, w.class) {
			t.Errorf("dead letter %d: %+v, want mixed.jsonl line %d, class %s, stage decode", i, d, w.line, w.class)
		}
	}
	if dls[0].Value != `{"id":"bad","body":"unterminated` || dls[0].ValueBase64 {
		t.Errorf("value %q: want the line as text", dls[0].Value)
	}
	if raw, err := base64.StdEncoding.DecodeString(dls[1].Value); err != nil || !dls[1].ValueBase64 || string(raw) != "not utf-8 \xff\xfe here" {
		t.Errorf("non-UTF-8 value %q (base64 %v): want the original bytes in base64", dls[1].Value, dls[1].ValueBase64)
	}
}

// Records over the limits: one over --max-record-bytes is dead-lettered
// by the decode stage, as in run; one over --max-message-bytes is not
// read whole, and its dead letter says how long it was.
func TestTooLargeRecords(t *testing.T) {
	const maxRecord, maxMessage = 2048, 4096
	mid := `{"id":"mid","body":"` + strings.Repeat("m", 3000) + `"}`
	huge := `{"id":"huge","body":"` + strings.Repeat("h", 100_000) + `"}`
	in := mid + "\n" + huge + "\n" + `{"id":"fine","body":"Fine."}` + "\n"
	var out, dlq bytes.Buffer
	_, err := batch.Run(t.Context(), corePipeline(t, maxRecord), []batch.Input{input("big.jsonl", in)},
		batch.Options{Out: &out, DLQ: &dlq, MaxRecordBytes: maxRecord, MaxMessageBytes: maxMessage})
	if err != nil {
		t.Fatal(err)
	}
	if lines := parseLines(t, out.Bytes()); len(lines) != 1 || lines[0].ID != "fine" {
		t.Errorf("enriched %+v, want only fine", lines)
	}
	var dls [2]batch.DeadLetter
	dec := json.NewDecoder(&dlq)
	for i := range dls {
		if err := dec.Decode(&dls[i]); err != nil {
			t.Fatal(err)
		}
	}
	if d := dls[0]; d.Line != 1 || d.Class != processor.ClassTooLarge || d.Value != mid || d.ValueTruncated ||
		d.Error != fmt.Sprintf("stage decode: too_large: record value is %d bytes, over the limit of %d (--max-record-bytes)", len(mid), maxRecord) {
		t.Errorf("mid-size dead letter %+v", d)
	}
	if d := dls[1]; d.Line != 2 || d.Class != processor.ClassTooLarge || d.Stage != "decode" || !d.ValueTruncated ||
		d.OriginalBytes != int64(len(huge)) || d.Value != huge[:maxMessage] ||
		d.Error != fmt.Sprintf("stage decode: too_large: record value is %d bytes, over the limit of %d (--max-record-bytes)", len(huge), maxRecord) {
		t.Errorf("huge dead letter: line %d class %s truncated %v original %d, %d value bytes, error %q",
			d.Line, d.Class, d.ValueTruncated, d.OriginalBytes, len(d.Value), d.Error)
	}
}

// Every enriched line of the full pipeline, over the samples and a
// plain-text file, validates against schema/output.schema.json.
func TestOutputValidatesAgainstTheSchema(t *testing.T) {
	recs, err := samples.Articles()
	if err != nil {
		t.Fatal(err)
	}
	var jsonl strings.Builder
	for _, r := range recs {
		jsonl.Write(r.Value)
		jsonl.WriteByte('\n')
	}
	seed, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "data", "seed-article.txt"))
	if err != nil {
		seed = []byte("date 2024-01-02\nThe minister said on Tuesday that \"the plan will work\". Reuters reported it.\n")
	}
	var out, dlq bytes.Buffer
	st, err := batch.Run(t.Context(), fullPipeline(t), []batch.Input{input("samples.jsonl", jsonl.String()), input("seed-article.txt", string(seed))},
		batch.Options{Out: &out, DLQ: &dlq, Version: "test", Instance: "here"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Articles != int64(len(recs))+1 || dlq.Len() != 0 {
		t.Fatalf("stats %+v, dead letters %q: want %d articles", st, dlq.String(), len(recs)+1)
	}
	v, err := schema.Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte("\n")), []byte("\n"))
	for i, l := range lines {
		if err := v.Validate(l); err != nil {
			t.Errorf("line %d does not validate: %v", i+1, err)
		}
	}
	last := parseLines(t, lines[len(lines)-1])[0]
	if last.ID != "seed-article.txt" || last.Pos.Topic != "seed-article.txt" || last.Pos.Offset != 1 {
		t.Errorf("plain-text record: id %q at %s/%d: want the file's name as id and topic, line 1", last.ID, last.Pos.Topic, last.Pos.Offset)
	}
}

// cancelAfter is an output that cancels a context once it has seen n
// lines (and keeps everything written).
type cancelAfter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	n      int
	cancel context.CancelFunc
}

func (w *cancelAfter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if bytes.Count(w.buf.Bytes(), []byte("\n")) >= w.n {
		w.cancel()
	}
	return len(p), nil
}

// An interrupt mid-stream: Run returns an *IncompleteError naming the last
// record written, and the output is exactly the records up to it, in
// order, every line whole.
func TestInterruptLeavesACompletePrefix(t *testing.T) {
	for _, workers := range []int{1, 8} {
		t.Run(fmt.Sprint("workers=", workers), func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			out := &cancelAfter{n: 200, cancel: cancel}
			var dlq bytes.Buffer
			st, err := batch.Run(ctx, jitterPipeline(t), []batch.Input{input("stream.jsonl", numbered(20000))},
				batch.Options{Out: out, DLQ: &dlq, Workers: workers})
			var inc *batch.IncompleteError
			if !errors.As(err, &inc) || !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v: want an *IncompleteError wrapping context.Canceled", err)
			}
			lines := parseLines(t, out.buf.Bytes())
			if len(lines) < 200 || len(lines) >= 20000 {
				t.Fatalf("%d lines written: want a prefix of at least 200", len(lines))
			}
			for i, l := range lines {
				if want := fmt.Sprintf("a-%05d", i); l.ID != want {
					t.Fatalf("line %d is %s, want %s: not a prefix", i+1, l.ID, want)
				}
			}
			if inc.Written != int64(len(lines)) || inc.Last != (batch.Position{File: "stream.jsonl", Line: len(lines)}) || st.Written != inc.Written {
				t.Errorf("error says %d written, last %v; %d lines were", inc.Written, inc.Last, len(lines))
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("interrupted: the output holds the results of the first %d records, up to and including stream.jsonl line %d;", len(lines), len(lines))) {
				t.Errorf("error %q does not name the last line", err)
			}
		})
	}
}

// blockingWriter takes the first allow bytes, then blocks every write
// until released.
type blockingWriter struct {
	allow   int
	release chan struct{}
	bytes.Buffer
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	if w.Len()+len(p) > w.allow {
		<-w.release
	}
	return w.Buffer.Write(p)
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// A writer that does not take the output stops the reading: what is read
// ahead stays bounded, and all of it arrives once the writer moves.
func TestBlockedOutputStopsTheReading(t *testing.T) {
	const n = 20000 // ~1.5 MB of input
	in := &countingReader{r: strings.NewReader(numbered(n))}
	out := &blockingWriter{allow: 300 << 10, release: make(chan struct{})}
	var dlq bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := batch.Run(t.Context(), corePipeline(t, 0), []batch.Input{batch.Stdin(in)}, batch.Options{Out: out, DLQ: &dlq, Workers: 4})
		done <- err
	}()
	// The output takes 300 KiB and stops; then the 256 KiB output buffer
	// fills, then the slots, then the reader's 64 KiB buffer. Let
	// everything that can move do so.
	var read int64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		now := in.n.Load()
		if now == read {
			break
		}
		read = now
	}
	total := int64(len(numbered(n)))
	t.Logf("read %d of %d bytes while the output was blocked", read, total)
	if read > total/2 {
		t.Errorf("read %d of %d bytes with the output blocked: the reading is not held back", read, total)
	}
	close(out.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := len(parseLines(t, out.Bytes())); got != n {
		t.Errorf("%d lines after the release, want %d", got, n)
	}
}

// Standard input is JSON Lines, named "stdin" in the output.
func TestStdin(t *testing.T) {
	var out, dlq bytes.Buffer
	_, err := batch.Run(t.Context(), corePipeline(t, 0), []batch.Input{batch.Stdin(strings.NewReader(numbered(3)))}, batch.Options{Out: &out, DLQ: &dlq})
	if err != nil {
		t.Fatal(err)
	}
	lines := parseLines(t, out.Bytes())
	if len(lines) != 3 || lines[2].Pos.Topic != batch.StdinName || lines[2].Pos.Offset != 3 || lines[2].Pos.Timestamp.IsZero() {
		t.Errorf("lines %+v: want 3, the last at stdin line 3 with the time it was read", lines)
	}
}

// A file that cannot be read part-way: what was read before is written,
// and the error is an *IncompleteError naming it.
func TestUnreadableInputIsAnError(t *testing.T) {
	bad := batch.Input{Name: "gone.jsonl", Open: func() (io.ReadCloser, error) { return nil, os.ErrNotExist }}
	var out, dlq bytes.Buffer
	st, err := batch.Run(t.Context(), corePipeline(t, 0), []batch.Input{input("first.jsonl", numbered(5)), bad, input("third.jsonl", numbered(5))},
		batch.Options{Out: &out, DLQ: &dlq})
	var inc *batch.IncompleteError
	if !errors.As(err, &inc) || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "gone.jsonl") {
		t.Fatalf("error %v: want an *IncompleteError naming gone.jsonl", err)
	}
	if st.Written != 5 || inc.Last != (batch.Position{File: "first.jsonl", Line: 5}) || len(parseLines(t, out.Bytes())) != 5 {
		t.Errorf("stats %+v, last %v: want the 5 records of first.jsonl", st, inc.Last)
	}
}
