package trends

import (
	"context"
	"errors"
	"fmt"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/record"
)

// maxTitleBytes bounds the title carried by a mention record.
const maxTitleBytes = 300

// DefaultTypes returns the entity types Mentions emits by default: people,
// organisations and places. NORP (nationalities, religious and political
// groups: "Russian", "Democrats") and MISC (events, works, products) are
// left out: they are mentioned constantly as adjectives and categories, and
// would crowd out the names editors watch; add them with
// MentionsOptions.Types.
func DefaultTypes() []string {
	return []string{processor.EntityPerson, processor.EntityOrg, processor.EntityLoc}
}

// MentionsOptions configure the Mentions stage.
type MentionsOptions struct {
	// Topic is the mentions topic. Required.
	Topic string
	// Types are the entity types to emit. Default DefaultTypes().
	Types []string
	// Metrics receives newsflow_trends_mentions_total. Default: an
	// unregistered set.
	Metrics *Metrics
}

// Mentions is the stage at the end of the main pipeline that repartitions
// articles by entity: for each distinct entity of an allowed type (same
// type and canonical name) it emits one mention record (see Mention) to
// the mentions topic, keyed EntityKey(type, name), so that the producer's
// key hashing sends every mention of an entity to one partition. It passes
// the article on unchanged.
//
// Mentions keeps no state: Process is safe for concurrent use.
type Mentions struct {
	topic string
	types map[string]bool
	m     *Metrics
}

// NewMentions creates the stage.
func NewMentions(opt MentionsOptions) (*Mentions, error) {
	if opt.Topic == "" {
		return nil, errors.New("trends: a mentions topic is required")
	}
	if opt.Types == nil {
		opt.Types = DefaultTypes()
	}
	if len(opt.Types) == 0 {
		return nil, errors.New("trends: no entity types to emit")
	}
	types := map[string]bool{}
	for _, t := range opt.Types {
		if !validType(t) {
			return nil, fmt.Errorf("trends: unknown entity type %q", t)
		}
		types[t] = true
	}
	if opt.Metrics == nil {
		opt.Metrics = NewMetrics()
	}
	return &Mentions{topic: opt.Topic, types: types, m: opt.Metrics}, nil
}

// Name implements processor.Processor.
func (*Mentions) Name() string { return "mentions" }

// Close implements processor.Processor.
func (*Mentions) Close(context.Context) error { return nil }

// Process implements processor.Processor: it emits the article's mention
// records and returns the article.
func (s *Mentions) Process(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
	if len(a.Entities) == 0 {
		return []*processor.Article{a}, nil
	}
	var ev, title string
	seen := make(map[string]bool, len(a.Entities))
	n := 0
	for _, e := range a.Entities {
		if !s.types[e.Type] || strings.TrimSpace(e.Name) == "" {
			continue
		}
		key := EntityKey(e.Type, e.Name)
		if seen[key] {
			continue
		}
		seen[key] = true
		if ev == "" {
			ev = processor.EventTime(a).UTC().Format(timeLayout)
			title = cut(a.Title, maxTitleBytes)
		}
		v, err := json.Marshal(Mention{Article: a.ID, EventTime: ev, Entity: Entity{Name: e.Name, Type: e.Type}, Title: title})
		if err != nil {
			return nil, fmt.Errorf("trends: encode the mention of %s in %q: %w", key, a.ID, err)
		}
		a.Emit(record.Record{Topic: s.topic, Key: []byte(key), Value: v})
		n++
	}
	s.m.Mentions.Add(float64(n))
	return []*processor.Article{a}, nil
}
