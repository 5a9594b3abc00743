package entities

import (
	"slices"
	"strings"
	"unicode"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/entities/tagger"
)

// cluster is one entity being built.
type cluster struct {
	typ      int
	words    []string // tokens of the canonical (longest) form
	name     string
	forms    map[string]int // surface → count
	order    []string       // surfaces in first-seen order
	spans    []processor.Span
	weight   float64
	firstPos int
	n        int // mentions assigned so far
}

func (c *cluster) addForm(s string) {
	if c.forms[s] == 0 {
		c.order = append(c.order, s)
	}
	c.forms[s]++
}

// normName folds a name for exact grouping: case, periods and a leading
// "the" do not matter ("U.S." = "US", "the BBC" = "BBC").
func normName(s string) string {
	s = strings.ToLower(s)
	s = strings.TrimPrefix(s, "the ")
	s = strings.ReplaceAll(s, ".", "")
	return strings.Join(strings.Fields(s), " ")
}

// initials returns the capital initials of the capitalised words of ws
// ("Agence France-Presse" → "AFP" is not attempted: hyphens count as one
// word), or "" if there are fewer than two.
func initials(ws []string) string {
	var b strings.Builder
	n := 0
	for _, w := range ws {
		for _, part := range strings.Split(w, "-") {
			r := firstRune(part)
			if unicode.IsUpper(r) {
				b.WriteRune(r)
				n++
			}
		}
	}
	if n < 2 {
		return ""
	}
	return b.String()
}

func isAcronym(w string) bool {
	w = strings.ReplaceAll(w, ".", "")
	if len(w) < 2 {
		return false
	}
	for _, r := range w {
		if !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// typeWeight scales a mention's salience by entity type: places and
// nationalities are mostly the setting of a story, people and
// organisations its actors.
func typeWeight(t int) float64 {
	switch t {
	case typPerson:
		return 1
	case typOrg:
		return 0.9
	case typLoc:
		return 0.7
	case typNORP:
		return 0.5
	}
	return 0.8 // MISC
}

// group builds the entities of the document from its mentions.
func (d *doc) group() []processor.Entity {
	if len(d.ms) == 0 {
		return nil
	}
	var cs []*cluster
	byNorm := map[string]*cluster{} // type+norm → cluster
	newCluster := func(m mention) *cluster {
		c := &cluster{typ: m.typ, words: d.words[m.first:m.end], name: d.surface(m), forms: map[string]int{}, firstPos: d.spans[m.first].Start}
		cs = append(cs, c)
		return c
	}
	// Longest names first, so short forms find their full name. A
	// mention's rank phrase is part of its span, not of its name.
	order := make([]int, len(d.ms))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return (d.ms[b].end - d.ms[b].first - d.ms[b].rank) - (d.ms[a].end - d.ms[a].first - d.ms[a].rank)
	})
	assign := make([]*cluster, len(d.ms))
	for _, mi := range order {
		m := d.ms[mi].name()
		surf := d.surface(m)
		nk := string(rune('0'+m.typ)) + normName(surf)
		c := byNorm[nk]
		if c == nil && m.typ == typPerson {
			c = d.personHost(cs, m)
		}
		if c == nil && m.typ != typPerson && m.end-m.first == 1 && isAcronym(surf) {
			acr := strings.ReplaceAll(surf, ".", "")
			for _, x := range cs {
				if x.typ == m.typ && initials(x.words) == acr {
					c = x
					break
				}
			}
		}
		if c == nil {
			c = newCluster(m)
		}
		byNorm[nk] = c
		assign[mi] = c
		c.n++
	}
	n := float64(max(len(d.text), 1))
	for mi, m := range d.ms {
		c := assign[mi]
		sp := processor.Span{Start: d.spans[m.first].Start, End: d.spans[m.end-1].End}
		c.spans = append(c.spans, sp)
		c.addForm(d.surface(m.name()))
		if m.rank > 0 {
			c.addForm(d.surface(m))
		}
		if m.title >= 0 {
			c.addForm(d.words[m.title] + " " + d.surface(m))
		}
		c.weight += typeWeight(c.typ) / (1 + 3*float64(sp.Start)/n)
		c.firstPos = min(c.firstPos, sp.Start)
	}
	var total float64
	for _, c := range cs {
		total += c.weight
	}
	out := make([]processor.Entity, 0, len(cs))
	for _, c := range cs {
		e := processor.Entity{
			Name:     c.name,
			Type:     tagger.TypeName(c.typ),
			Mentions: len(c.spans),
			Salience: c.weight / total,
			Spans:    c.spans,
		}
		for _, f := range c.order {
			if f != c.name {
				e.Aliases = append(e.Aliases, f)
			}
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b processor.Entity) int {
		switch {
		case a.Salience > b.Salience:
			return -1
		case a.Salience < b.Salience:
			return 1
		}
		return a.Spans[0].Start - b.Spans[0].Start
	})
	return out
}

// personHost returns the person cluster whose canonical name contains the
// mention's words as a contiguous run that starts or ends it ("Gassama" or
// "Mamoudou" in "Mamoudou Gassama"); when several do, the one with the
// most mentions so far (then the earliest) wins.
func (d *doc) personHost(cs []*cluster, m mention) *cluster {
	ws := d.words[m.first:m.end]
	var best *cluster
	for _, c := range cs {
		if c.typ != typPerson || len(c.words) <= len(ws) {
			continue
		}
		if !slices.Equal(c.words[:len(ws)], ws) && !slices.Equal(c.words[len(c.words)-len(ws):], ws) {
			continue
		}
		if best == nil || c.n > best.n {
			best = c
		}
	}
	return best
}
