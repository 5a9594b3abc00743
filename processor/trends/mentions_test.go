package trends_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/trends"
	"github.com/newsflow/newsflow/record"
	"github.com/newsflow/newsflow/schema"
)

func enriched(id, published string, ents ...processor.Entity) *processor.Article {
	return &processor.Article{
		ID: id, Title: "Title of " + id, Published: published, Entities: ents,
		SourcePos: processor.Position{Topic: "articles", Timestamp: time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)},
	}
}

func ent(typ, name string) processor.Entity {
	return processor.Entity{Type: typ, Name: name, Mentions: 1}
}

func TestMentionsOnePerDistinctEntity(t *testing.T) {
	m := trends.NewMetrics()
	st, err := trends.NewMentions(trends.MentionsOptions{Topic: mentionsTopic, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	a := enriched("a1", "2024-06-01T10:15:00+02:00",
		ent("PERSON", "Jane Doe"), ent("ORG", "Acme"), ent("PERSON", "Jane Doe"), ent("LOC", "Paris"),
		ent("NORP", "French"), ent("MISC", "Euro 2024"), ent("ORG", " "), ent("LOC", "Acme"))
	before := len(a.Entities)
	out, err := st.Process(t.Context(), a)
	if err != nil || len(out) != 1 || out[0] != a || len(a.Entities) != before {
		t.Fatalf("Process: %v, %v: the article must pass on unchanged", out, err)
	}
	var keys []string
	for _, r := range a.SideOutputs {
		if r.Topic != mentionsTopic || r.Pinned {
			t.Errorf("mention record to %q (pinned %v)", r.Topic, r.Pinned)
		}
		var mn trends.Mention
		if err := json.Unmarshal(r.Value, &mn); err != nil {
			t.Fatal(err)
		}
		if mn.Article != "a1" || mn.EventTime != "2024-06-01T08:15:00.000Z" || mn.Title != "Title of a1" ||
			trends.EntityKey(mn.Entity.Type, mn.Entity.Name) != string(r.Key) {
			t.Errorf("mention %s: %s", r.Key, r.Value)
		}
		keys = append(keys, string(r.Key))
	}
	if got := strings.Join(keys, ","); got != "PERSON:Jane Doe,ORG:Acme,LOC:Paris,LOC:Acme" {
		t.Errorf("mention keys %s", got)
	}
	if n := testutil.ToFloat64(m.Mentions); n != 4 {
		t.Errorf("mentions counted: %v", n)
	}
}

func TestMentionsOptions(t *testing.T) {
	st, err := trends.NewMentions(trends.MentionsOptions{Topic: mentionsTopic, Types: []string{"NORP"}})
	if err != nil {
		t.Fatal(err)
	}
	// A date without a time of day: the event time is the record's.
	a := enriched("a1", "2024-06-01", ent("PERSON", "Jane Doe"), ent("NORP", "French"))
	a.Title = strings.Repeat("é", 400)
	if _, err := st.Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if len(a.SideOutputs) != 1 || string(a.SideOutputs[0].Key) != "NORP:French" {
		t.Fatalf("side outputs %v", a.SideOutputs)
	}
	var mn trends.Mention
	if err := json.Unmarshal(a.SideOutputs[0].Value, &mn); err != nil {
		t.Fatal(err)
	}
	if mn.EventTime != "2024-06-01T09:00:00.000Z" || len(mn.Title) > 300 || !utf8.ValidString(mn.Title) {
		t.Errorf("mention %+v", mn)
	}
	b := enriched("b", "")
	if _, err := st.Process(t.Context(), b); err != nil || len(b.SideOutputs) != 0 {
		t.Errorf("article without entities: %v, %v", b.SideOutputs, err)
	}
	for _, bad := range []trends.MentionsOptions{{}, {Topic: "t", Types: []string{"THING"}}, {Topic: "t", Types: []string{}}} {
		if _, err := trends.NewMentions(bad); err == nil {
			t.Errorf("NewMentions(%+v) accepted", bad)
		}
	}
}

// TestMentionsToTrends runs the mention records of enriched articles
// through the aggregator, as the two engines do.
func TestMentionsToTrends(t *testing.T) {
	st, err := trends.NewMentions(trends.MentionsOptions{Topic: mentionsTopic})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, trends.Options{}, 2)
	for i := range 6 {
		a := enriched(fmt.Sprintf("a%d", i), fmt.Sprintf("2024-06-01T10:%02d:00Z", 10*i), ent("PERSON", "Jane Doe"), ent("LOC", "Paris"))
		if _, err := st.Process(t.Context(), a); err != nil {
			t.Fatal(err)
		}
		for _, r := range a.SideOutputs {
			feedRecord(t, h, r)
		}
	}
	got := h.latest()[trends.TrendKey("PERSON", "Jane Doe", time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC))]
	if got.Count != 6 || !got.Trending || strings.Join(got.Articles, ",") != "a5,a4,a3,a2,a1,a0" {
		t.Errorf("trend of Jane Doe: %+v", got)
	}
}

// feedRecord gives a mention record to the harness's aggregator as the
// aggregation engine does.
func feedRecord(t *testing.T, h *harness, r record.Record) {
	t.Helper()
	var mn trends.Mention
	if err := json.Unmarshal(r.Value, &mn); err != nil {
		t.Fatal(err)
	}
	p := partitionOf(string(r.Key), h.partitions)
	a := &processor.Article{Raw: r.Value, Key: r.Key, SourcePos: processor.Position{Topic: r.Topic, Partition: p}}
	if _, err := h.agg.Process(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	h.log = append(h.log, step{in: in{partition: p, m: mn}, outs: a.SideOutputs})
}

func ExampleMentions() {
	st, err := trends.NewMentions(trends.MentionsOptions{Topic: "newsflow.mentions"})
	if err != nil {
		panic(err)
	}
	a := &processor.Article{
		ID: "a-17", Title: "Jane Doe visits Paris", Published: "2024-06-01T10:15:00Z",
		Entities: []processor.Entity{{Name: "Jane Doe", Type: "PERSON"}, {Name: "Paris", Type: "LOC"}, {Name: "French", Type: "NORP"}},
	}
	if _, err := st.Process(context.Background(), a); err != nil {
		panic(err)
	}
	for _, r := range a.SideOutputs {
		fmt.Printf("%s %s\n", r.Key, r.Value)
	}
	// Output:
	// PERSON:Jane Doe {"article":"a-17","event_time":"2024-06-01T10:15:00.000Z","entity":{"name":"Jane Doe","type":"PERSON"},"title":"Jane Doe visits Paris"}
	// LOC:Paris {"article":"a-17","event_time":"2024-06-01T10:15:00.000Z","entity":{"name":"Paris","type":"LOC"},"title":"Jane Doe visits Paris"}
}

func TestTrendsSchemaRejects(t *testing.T) {
	v, err := schema.Trends()
	if err != nil {
		t.Fatal(err)
	}
	good := `{"schema":1,"entity":{"name":"Jane Doe","type":"PERSON"},"window":{"start":"2024-06-01T10:00:00Z","end":"2024-06-01T11:00:00Z"},` +
		`"count":2,"final":false,"articles":["a1","a2"],"baseline":1,"score":1,"trending":false}`
	if err := v.Validate([]byte(good)); err != nil {
		t.Fatalf("good record: %v", err)
	}
	for _, bad := range []struct{ from, to string }{
		{`"count":2`, `"count":0`},
		{`"final":false,`, ``},
		{`"PERSON"`, `"THING"`},
		{`"2024-06-01T10:00:00Z"`, `"10:00"`},
		{`["a1","a2"]`, `["a1","a1"]`},
		{`"trending":false`, `"trending":false,"extra":1`},
	} {
		if err := v.Validate([]byte(strings.Replace(good, bad.from, bad.to, 1))); err == nil {
			t.Errorf("accepted with %s → %s", bad.from, bad.to)
		}
	}
}
