package status

import (
	"cmp"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
)

// ArticleView is the bounded summary of an enriched article that the page
// keeps: texts are truncated, and only the most salient entities and the
// first quotes are kept.
type ArticleView struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	URL       string `json:"url,omitempty"` // only http and https URLs are kept
	Source    string `json:"source,omitempty"`
	Published string `json:"published,omitempty"`
	// Language is the detected language code, empty when none was detected.
	Language string `json:"language,omitempty"`
	// LanguageConfidence is the detector's confidence, 0..1 (clamped; 0 for
	// NaN, then omitted).
	LanguageConfidence float64 `json:"language_confidence,omitempty"`
	// Summary is the summary stage's text or, without one, the first
	// characters of the clean text (then SummaryIsLead is true).
	Summary       string       `json:"summary,omitempty"`
	SummaryIsLead bool         `json:"summary_is_lead,omitempty"`
	Words         int          `json:"words"`
	Entities      []EntityView `json:"entities"`
	EntityCount   int          `json:"entity_count"`
	Quotes        []QuoteView  `json:"quotes"`
	QuoteCount    int          `json:"quote_count"`
	Keyphrases    []string     `json:"keyphrases"`
	// Tone is processor.Tone.Overall, a difference of percentages clamped
	// to -100..100; absent when the article has no tone or it is NaN.
	Tone        *float64     `json:"tone,omitempty"`
	DuplicateOf string       `json:"duplicate_of,omitempty"`
	Position    PositionView `json:"source_position"`
	// ProcessingMS is how long the pipeline took, in milliseconds; 0 when
	// negative or NaN.
	ProcessingMS float64   `json:"processing_ms"`
	ObservedAt   time.Time `json:"observed_at"`
	Skipped      []string  `json:"skipped,omitempty"` // names of stages that did not run
}

// EntityView is one entity of an article.
type EntityView struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Mentions int    `json:"mentions"`
}

// QuoteView is one quote of an article.
type QuoteView struct {
	Text    string `json:"text"`
	Speaker string `json:"speaker,omitempty"`
}

// PositionView is where the input record was read.
type PositionView struct {
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
}

// Limits of what Observe copies from an article.
const (
	maxEntitiesShown   = 8
	maxEntitiesCounted = 64 // per article, into the top-entity window
	maxQuotesShown     = 3
	maxKeyphrasesShown = 5
	maxSkippedShown    = 10

	maxIDLen      = 128
	maxTitleLen   = 300
	maxURLLen     = 2048
	maxShortLen   = 80 // source, language, published, entity type, stage names
	maxNameLen    = 120
	maxSummaryLen = 600
	maxLeadLen    = 280
	maxQuoteLen   = 300
)

// Observe records one enriched article. The engine calls it once per
// article after the article's output is acknowledged, possibly from several
// goroutines at once. It is cheap and never blocks on I/O: it copies a
// bounded summary of a (truncated strings, the most salient entities, the
// first quotes) and, when a carries a dedup result, counts it in its
// near-duplicate cluster (O(1), no allocation for a known cluster), under a
// short lock. It keeps no reference to a or to its text. A nil article is
// ignored.
func (p *Page) Observe(a *processor.Article) {
	if a == nil {
		return
	}
	now := p.opts.Now()
	v, keys := summarize(a, now)
	so, story := storyObservation(a, &v)

	p.obsMu.Lock()
	p.articles.push(v)
	p.observed++
	p.entities.add(now, keys)
	if story {
		p.stories.add(so, now)
	}
	p.obsMu.Unlock()
}

// summarize copies the bounded view of a, and returns with it the keys of
// its entities for the top-entity window (at most maxEntitiesCounted,
// deduplicated, so that the ranking counts articles, not mentions).
func summarize(a *processor.Article, now time.Time) (ArticleView, []entityKey) {
	v := ArticleView{
		ID:          clip(a.ID, maxIDLen),
		Title:       clip(a.Title, maxTitleLen),
		URL:         safeURL(a.URL),
		Source:      clip(a.Source, maxShortLen),
		Published:   clip(a.Published, maxShortLen),
		Words:       a.Stats.Words,
		EntityCount: len(a.Entities),
		QuoteCount:  len(a.Quotes),
		Position: PositionView{
			Topic:     clip(a.SourcePos.Topic, maxNameLen),
			Partition: a.SourcePos.Partition,
			Offset:    a.SourcePos.Offset,
		},
		ProcessingMS: within(a.Processing.DurationMS, 0, math.MaxFloat64),
		ObservedAt:   now.UTC(),
		Entities:     []EntityView{},
		Quotes:       []QuoteView{},
		Keyphrases:   []string{},
	}
	if a.Language != nil {
		v.Language = clip(a.Language.Code, maxShortLen)
		v.LanguageConfidence = within(a.Language.Confidence, 0, 1)
	}
	if a.Summary != nil {
		v.Summary = clip(a.Summary.Text, maxSummaryLen)
	}
	if v.Summary == "" {
		// No summary stage ran: show the start of the text instead.
		v.Summary = clip(a.Text, maxLeadLen)
		v.SummaryIsLead = v.Summary != ""
	}
	if a.Tone != nil && !math.IsNaN(a.Tone.Overall) {
		t := within(a.Tone.Overall, -100, 100)
		v.Tone = &t
	}
	if a.Dedup != nil {
		if a.Dedup.DuplicateOf != nil {
			v.DuplicateOf = clip(*a.Dedup.DuplicateOf, maxIDLen)
		}
	}

	// Clip each entity once; keys count the first maxEntitiesCounted.
	n := min(len(a.Entities), maxEntitiesCounted)
	ents := make([]EntityView, n)
	keys := make([]entityKey, 0, n)
	for i, e := range a.Entities[:n] {
		ents[i] = EntityView{Name: clip(e.Name, maxNameLen), Type: entityType(e.Type), Mentions: e.Mentions}
		if k := (entityKey{name: ents[i].Name, typ: ents[i].Type}); k.name != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	// The most salient entities, ties broken by mentions, without
	// reordering the article's own slice.
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(x, y int) int {
		ex, ey := &a.Entities[x], &a.Entities[y]
		if c := cmp.Compare(ey.Salience, ex.Salience); c != 0 {
			return c
		}
		return cmp.Compare(ey.Mentions, ex.Mentions)
	})
	for _, i := range idx {
		if len(v.Entities) == maxEntitiesShown {
			break
		}
		if ents[i].Name != "" {
			v.Entities = append(v.Entities, ents[i])
		}
	}
	for _, q := range a.Quotes {
		if len(v.Quotes) == maxQuotesShown {
			break
		}
		text := clip(q.Text, maxQuoteLen)
		if text == "" {
			continue
		}
		v.Quotes = append(v.Quotes, QuoteView{Text: text, Speaker: clip(q.Speaker, maxNameLen)})
	}
	for _, k := range a.Keyphrases {
		if len(v.Keyphrases) == maxKeyphrasesShown {
			break
		}
		if t := clip(k.Text, maxNameLen); t != "" {
			v.Keyphrases = append(v.Keyphrases, t)
		}
	}
	for _, s := range a.Skipped {
		if len(v.Skipped) == maxSkippedShown {
			break
		}
		v.Skipped = append(v.Skipped, clip(s.Stage, maxShortLen))
	}
	return v, keys
}

// clip returns s with invalid UTF-8 replaced by U+FFFD, surrounding space
// trimmed, inner runs of white space and control characters collapsed to
// one space, and cut to at most n bytes on a rune boundary (ending with an
// ellipsis when cut). The result never shares memory with s, so keeping it
// does not pin an article's whole text. It is one pass with one allocation
// (two when cut), which keeps Observe cheap.
func clip(s string, n int) string {
	const ellipsis = "…"
	if len(s) <= n && cleanASCII(s) {
		return strings.Clone(s)
	}
	if len(s) > 4*n+8 {
		s = s[:4*n+8] // bound the work; the result is cut long before
	}
	var b strings.Builder
	b.Grow(min(len(s), n))
	cut := 0 // the last rune boundary that leaves room for the ellipsis
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if b.Len() <= n-len(ellipsis) {
			cut = b.Len()
		}
		b.WriteRune(r) // utf8.RuneError for invalid bytes: U+FFFD
		if b.Len() > n {
			return strings.TrimRight(b.String()[:cut], " ") + ellipsis
		}
	}
	return b.String()
}

// within returns v clamped to [lo, hi], and lo for NaN: the article
// numbers the page keeps are finite, since one NaN or Inf would make the
// whole snapshot fail to encode.
func within(v, lo, hi float64) float64 {
	if math.IsNaN(v) {
		return lo
	}
	return min(max(v, lo), hi)
}

// cleanASCII reports whether s is printable ASCII with single inner spaces
// and no surrounding space: what clip would return unchanged.
func cleanASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c < ' ' || c == 0x7f {
			return false
		}
		if c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' ') {
			return false
		}
	}
	return true
}

// entityType returns the type of an entity, without an allocation for the
// known types.
func entityType(t string) string {
	// Return the constants themselves, not t: t may point into article
	// memory.
	for _, k := range [...]string{processor.EntityPerson, processor.EntityOrg, processor.EntityLoc, processor.EntityNORP, processor.EntityMisc} {
		if t == k {
			return k
		}
	}
	return clip(t, maxShortLen)
}

// safeURL returns u if it is an absolute http or https URL, else "". The
// page links to it, so a javascript: or data: URL must never get through.
func safeURL(u string) string {
	u = strings.TrimSpace(u)
	if u == "" || len(u) > maxURLLen {
		return ""
	}
	parsed, err := url.Parse(u)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return ""
	}
	return strings.Clone(parsed.String())
}
