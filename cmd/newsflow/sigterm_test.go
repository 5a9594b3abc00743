package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/testbin"
	"github.com/newsflow/newsflow/internal/testkafka"
)

// bins builds newsflow once for this package's tests.
var bins testbin.Builder

func buildBinary(t *testing.T) string { return bins.Newsflow(t) }

func TestMain(m *testing.M) {
	code := m.Run()
	bins.Cleanup()
	os.Exit(code)
}

// Scenario 5: SIGTERM while busy: the process exits 0 within its shutdown
// deadline, commits what finished, and a successor re-delivers nothing
// beyond the in-flight window.
func TestSIGTERMWhileBusy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	brokers := testkafka.Brokers(t)
	in, out, dlq, group := testkafka.Name(t, "in"), testkafka.Name(t, "out"), testkafka.Name(t, "dlq"), testkafka.Name(t, "g")
	testkafka.CreateTopics(t, brokers, 3, in, out, dlq)
	const n = 20000
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		id := fmt.Sprintf("a-%05d", i)
		body := strings.Repeat(fmt.Sprintf("Sentence %d of a busy stream. ", i), 40)
		v, _ := json.Marshal(map[string]string{"id": id, "body": body})
		msgs[i] = kafka.Message{Key: []byte(id), Value: v}
	}
	testkafka.Produce(t, brokers, in, msgs...)

	bin := buildBinary(t)
	const maxInFlight, batch = 200, 100
	args := []string{"run", "--brokers", strings.Join(brokers, ","), "--input", in, "--output", out, "--dlq", dlq,
		"--group", group, "--metrics-addr", "127.0.0.1:0", "--commit-interval", "200ms",
		"--max-in-flight", fmt.Sprint(maxInFlight), "--batch-size", fmt.Sprint(batch), "--shutdown-timeout", "10s", "--log-level", "info", "--pipeline", "core"}
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logs := make(chan string, 1)
	go func() {
		var b strings.Builder
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			b.WriteString(sc.Text() + "\n")
		}
		logs <- b.String()
	}()
	// Busy: wait until some output exists, well before the end.
	testkafka.ReadUntil(t, brokers, out, 60*time.Second, func(ms []kafka.Message) bool { return len(ms) >= 2000 })
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitErr := cmd.Wait()
	took := time.Since(sent)
	log := <-logs
	if waitErr != nil {
		t.Fatalf("exit after SIGTERM: %v (want 0)\n%s", waitErr, log)
	}
	if took > 12*time.Second {
		t.Errorf("shutdown took %v, over the 10 s deadline", took)
	}
	committed := testkafka.Committed(t, brokers, group, in)
	outputs := testkafka.ReadUntil(t, brokers, out, 3*time.Second, func([]kafka.Message) bool { return false })
	var total int64
	for _, c := range committed {
		total += max(c, 0)
	}
	// Everything finished was committed: outputs beyond the committed
	// offsets are at most the in-flight window (none, after a clean drain).
	beyond := 0
	for _, m := range outputs {
		var a struct {
			Pos struct {
				Partition int   `json:"partition"`
				Offset    int64 `json:"offset"`
			} `json:"source_position"`
		}
		if err := json.Unmarshal(m.Value, &a); err != nil {
			t.Fatal(err)
		}
		if a.Pos.Offset >= committed[a.Pos.Partition] {
			beyond++
		}
	}
	window := 3 * (maxInFlight + 2*batch)
	t.Logf("SIGTERM after %d outputs: exit 0 in %v; committed %d of %d; %d outputs beyond the committed offsets (window %d)",
		2000, took.Round(time.Millisecond), total, n, beyond, window)
	if total == 0 {
		t.Fatalf("nothing committed at shutdown\n%s", log)
	}
	if beyond > window {
		t.Errorf("%d finished records were not committed (window %d)", beyond, window)
	}
	if !strings.Contains(log, "partitions released") {
		t.Errorf("no drain in the log:\n%s", log)
	}
}
