package entities_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/shareddata"
	"github.com/newsflow/newsflow/processor"
)

// TestSeedArticle checks the entities of the project's seed article (BBC
// copyright: read from the shared data directory, never copied into the
// repository; the test skips without it).
func TestSeedArticle(t *testing.T) {
	b := shareddata.Seed(t)
	out, err := devPipeline(t).Process(t.Context(), &processor.Article{Raw: b})
	if err != nil || len(out) != 1 {
		t.Fatalf("pipeline: %v, %d articles", err, len(out))
	}
	a := out[0]
	got := map[string]processor.Entity{}
	for _, e := range a.Entities {
		t.Logf("%-7s %-20q mentions %d salience %.3f aliases %q", e.Type, e.Name, e.Mentions, e.Salience, e.Aliases)
		got[e.Name] = e
		for _, sp := range e.Spans {
			if txt := a.SpanText(sp); txt == "" || !strings.Contains(strings.Join(append([]string{e.Name}, e.Aliases...), "|"), txt) {
				t.Errorf("entity %q: span %v covers %q, not a name or alias", e.Name, sp, txt)
			}
		}
	}
	want := []struct {
		name, typ string
		aliases   []string
	}{
		{"Mamoudou Gassama", processor.EntityPerson, []string{"Mr Gassama", "Gassama"}},
		{"Emmanuel Macron", processor.EntityPerson, nil},
		{"Anne Hidalgo", processor.EntityPerson, []string{"Ms Hidalgo"}},
		{"Paris", processor.EntityLoc, nil},
		{"Mali", processor.EntityLoc, nil},
		{"France", processor.EntityLoc, nil},
		{"Elysee Palace", processor.EntityLoc, nil},
		{"Facebook", processor.EntityOrg, nil},
		{"AFP", processor.EntityOrg, nil},
		{"Le Parisien", processor.EntityOrg, nil},
	}
	for _, w := range want {
		e, ok := got[w.name]
		if !ok {
			t.Errorf("entity %q (%s) not found", w.name, w.typ)
			continue
		}
		if e.Type != w.typ {
			t.Errorf("entity %q: type %s, want %s", w.name, e.Type, w.typ)
		}
		for _, al := range w.aliases {
			if !slices.Contains(e.Aliases, al) {
				t.Errorf("entity %q: aliases %q lack %q", w.name, e.Aliases, al)
			}
		}
	}
}
