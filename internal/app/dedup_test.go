package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/newsflow/newsflow/internal/app"
	"github.com/newsflow/newsflow/internal/samples"
	"github.com/newsflow/newsflow/internal/shareddata"
	"github.com/newsflow/newsflow/internal/testkafka"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/schema"
)

// sampleMessages returns the bundled samples (originals and their edited
// copies) as input messages, and the ids of each story's copies by the
// original's id.
func sampleMessages(t *testing.T) ([]kafka.Message, map[string][]string) {
	t.Helper()
	recs, err := samples.Articles()
	if err != nil {
		t.Fatal(err)
	}
	stories := map[string][]string{}
	var msgs []kafka.Message
	for _, r := range recs {
		id := string(r.Key)
		if i := strings.Index(id, "-copy"); i > 0 {
			stories[id[:i]] = append(stories[id[:i]], id)
		}
		msgs = append(msgs, kafka.Message{Key: r.Key, Value: r.Value, Time: time.Now()})
	}
	if len(stories) < 2 {
		t.Fatalf("the samples have %d stories with copies, want at least 2", len(stories))
	}
	return msgs, stories
}

func dedupOf(t *testing.T, msgs []kafka.Message) map[string]*processor.Dedup {
	t.Helper()
	v, err := schema.Output()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*processor.Dedup{}
	for _, m := range msgs {
		if err := v.Validate(m.Value); err != nil {
			t.Fatalf("output %s does not match the schema: %v", m.Key, err)
		}
		var a processor.Article
		if err := json.Unmarshal(m.Value, &a); err != nil {
			t.Fatal(err)
		}
		out[a.ID] = a.Dedup
	}
	return out
}

// The copies of a story, spread over partitions and processed by two
// instances, all land in one cluster; unrelated articles in none; and a
// copy published after both instances were replaced is found through the
// table restored from the changelog.
func TestNearDuplicatesAcrossInstancesAndAfterRestart(t *testing.T) {
	for _, g := range []string{"at-least-once", "exactly-once"} {
		t.Run(g, func(t *testing.T) { nearDuplicates(t, g) })
	}
}

func nearDuplicates(t *testing.T, guarantee string) {
	tp := newTopics(t)
	settings := func(instance string) app.Settings {
		s := tp.settings(instance)
		s.Guarantee = guarantee
		return s
	}
	msgs, stories := sampleMessages(t)
	ids := map[string]bool{}
	for _, m := range msgs {
		ids[string(m.Key)] = true
	}
	a := start(t, settings("a"))
	b := start(t, settings("b"))
	// The originals first, the copies once the originals are out: copies
	// processed at the same moment as their original on another instance
	// may miss it (the race of a global table, see README), which this
	// test is not about.
	var originals, copies []kafka.Message
	firstIDs := map[string]bool{}
	for _, m := range msgs {
		if strings.Contains(string(m.Key), "-copy") {
			copies = append(copies, m)
		} else {
			originals = append(originals, m)
			firstIDs[string(m.Key)] = true
		}
	}
	testkafka.Produce(t, tp.brokers, tp.in, originals...)
	readCommittedMessages(t, tp.brokers, tp.out, 60*time.Second, coversAll(firstIDs))
	testkafka.Produce(t, tp.brokers, tp.in, copies...)
	out := readCommittedMessages(t, tp.brokers, tp.out, 60*time.Second, coversAll(ids))
	dd := dedupOf(t, out)
	copyOf := map[string]string{}
	for orig, cs := range stories {
		for _, c := range cs {
			copyOf[c] = orig
		}
	}
	for orig, cs := range stories {
		cluster := dd[orig].Cluster
		for _, c := range append([]string{orig}, cs...) {
			d := dd[c]
			if d == nil || d.Fingerprint == "" {
				t.Fatalf("%s has no dedup", c)
			}
			if d.Cluster != cluster {
				t.Errorf("%s is in cluster %q, %s in %q: copies of one story must share a cluster", c, d.Cluster, orig, cluster)
			}
			if d.Cluster != orig && copyOf[d.Cluster] != orig {
				t.Errorf("%s: cluster %q is not one of the story's articles", c, d.Cluster)
			}
		}
	}
	firsts := 0
	for id, d := range dd {
		if copyOf[id] != "" || stories[id] != nil {
			continue
		}
		if d.DuplicateOf != nil || d.Cluster != id {
			t.Errorf("unrelated article %s marked as a duplicate of %v (cluster %s, similarity %.2f)", id, *d.DuplicateOf, d.Cluster, d.Similarity)
		}
		firsts++
	}
	if firsts < 30 {
		t.Fatalf("only %d unrelated articles checked", firsts)
	}
	waitCommitted(t, tp)
	if err := a.Shutdown(); err != nil {
		t.Fatal(err)
	}
	if err := b.Shutdown(); err != nil {
		t.Fatal(err)
	}

	// A new instance restores the table before it reads anything, and
	// finds the story of a copy published now.
	c := start(t, settings("c"))
	var orig string
	for o := range stories {
		orig = o
		break
	}
	var src map[string]any
	for _, m := range msgs {
		if string(m.Key) == orig {
			_ = json.Unmarshal(m.Value, &src)
		}
	}
	src["id"], src["title"] = "late-copy", "A late copy"
	src["body"] = "(Sample Wire) — " + src["body"].(string)
	v, _ := json.Marshal(src)
	testkafka.Produce(t, tp.brokers, tp.in, kafka.Message{Key: []byte("late-copy"), Value: v})
	out = readCommittedMessages(t, tp.brokers, tp.out, 60*time.Second, func(ms []kafka.Message) bool {
		for _, m := range ms {
			if string(m.Key) == "late-copy" {
				return true
			}
		}
		return false
	})
	late := dedupOf(t, out)["late-copy"]
	body := scrape(t, c.HTTPAddr())
	if late == nil || late.DuplicateOf == nil || late.Cluster != dd[orig].Cluster {
		t.Fatalf("late copy: %+v, want a duplicate in cluster %s\n%s", late, dd[orig].Cluster, grep(body, "newsflow_state_"))
	}
	for _, want := range []string{`newsflow_state_restoring{store="dedup"} 0`, `newsflow_dedup_articles_total{result="near"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// The restore read what the stopped instances committed, and the
	// table holds an entry per article. (With exactly-once, an instance
	// stopping mid-transaction leaves its last records to the next one:
	// their entries arrive after the restore, as updates.)
	var restored, entries int
	for _, l := range strings.Split(body, "\n") {
		fmt.Sscanf(l, `newsflow_state_restore_records_total{store="dedup"} %d`, &restored)
		fmt.Sscanf(l, `newsflow_state_entries{store="dedup"} %d`, &entries)
	}
	if restored == 0 || entries < len(msgs) {
		t.Errorf("the restore read %d changelog entries and the table holds %d, want > 0 and at least %d:\n%s", restored, entries, len(msgs), grep(body, "newsflow_state_"))
	}
}

func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return sb.String()
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestMeasureDedupRace measures how often a copy processed at about the
// same moment as its original, on another partition, misses it (the race
// of a global table: the original's entry reaches the other instance
// through the changelog only after its batch is written). Two instances,
// 3 partitions, full speed; each copy is published right after its
// original. It reports the figure and asserts nothing about it: run with
// NEWSFLOW_MEASURE=1 -v.
func TestMeasureDedupRace(t *testing.T) {
	if os.Getenv("NEWSFLOW_MEASURE") == "" {
		t.Skip("a measurement: NEWSFLOW_MEASURE=1 go test -v -run MeasureDedupRace ./internal/app/")
	}
	raw, err := os.ReadFile(shareddata.Path(t, "wikinews-raw-dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	tp := newTopics(t)
	a := start(t, tp.settings("a"))
	b := start(t, tp.settings("b"))
	// Both instances must own partitions, else one does all the work.
	deadline := time.Now().Add(60 * time.Second)
	owns := func(r interface{ HTTPAddr() string }) bool {
		var n int
		for _, l := range strings.Split(scrape(t, r.HTTPAddr()), "\n") {
			if _, err := fmt.Sscanf(l, "newsflow_consumer_assigned_partitions %d", &n); err == nil {
				return n > 0
			}
		}
		return false
	}
	for !owns(a) || !owns(b) {
		if time.Now().After(deadline) {
			t.Fatalf("the partitions were never spread over both instances:\n%s\n%s", grep(scrape(t, a.HTTPAddr()), "assigned"), grep(scrape(t, b.HTTPAddr()), "assigned"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	var in []kafka.Message
	pairs := map[string]string{} // copy id -> original id
	ids := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var a map[string]any
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatal(err)
		}
		orig := a["id"].(string)
		cp := orig + "-wire"
		v1, _ := json.Marshal(a)
		a["id"], a["body"] = cp, "(Sample Wire) — "+a["body"].(string)
		v2, _ := json.Marshal(a)
		in = append(in, kafka.Message{Key: []byte(orig), Value: v1}, kafka.Message{Key: []byte(cp), Value: v2})
		pairs[cp] = orig
		ids[orig], ids[cp] = true, true
	}
	testkafka.Produce(t, tp.brokers, tp.in, in...)
	out := testkafka.ReadUntil(t, tp.brokers, tp.out, 120*time.Second, coversAll(ids))
	dd := dedupOf(t, out)
	missed, both := 0, 0
	for cp, orig := range pairs {
		d, o := dd[cp], dd[orig]
		if d == nil || o == nil {
			continue // too short to fingerprint
		}
		if d.DuplicateOf == nil && o.DuplicateOf == nil {
			missed++ // neither saw the other
		}
		if d.DuplicateOf != nil || o.DuplicateOf != nil {
			both++
		}
	}
	t.Logf("%d pairs published back to back at full speed, 2 instances, 3 partitions: %d found (%.1f%%), %d missed (%.1f%%)",
		len(pairs), both, 100*float64(both)/float64(len(pairs)), missed, 100*float64(missed)/float64(len(pairs)))
}
