// Package dedup is the near-duplicate stage: it fingerprints each
// article's clean text, looks the fingerprint up among the articles seen
// before (by every instance: the table is a state.Global table fed by a
// compacted changelog), sets Article.Dedup, and emits the article's entry
// as a changelog side output, so that the table update travels in the same
// ordered write (or transaction) as the enriched record.
//
// Fingerprints older than the horizon (in event time) are forgotten: the
// instance that processes a partition's records deletes the expired
// entries that came from that partition, with tombstones, as side outputs
// of the record whose event time moved past them; every instance applies
// the tombstones from the changelog.
package dedup

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/internal/dedup"
	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/record"
)

// Defaults.
const (
	// DefaultHorizon is how long, in event time, a fingerprint is kept.
	DefaultHorizon = 7 * 24 * time.Hour
	// DefaultThreshold is the default similarity threshold, chosen from
	// the measured precision/recall curve (see internal/dedup).
	DefaultThreshold = dedup.DefaultThreshold
	// maxTombstones bounds the expired entries one record deletes, so
	// that a record after a long pause does not carry a huge write; the
	// rest go with the next records.
	maxTombstones = 64
)

// Options configure the stage.
type Options struct {
	// Topic is the changelog topic the entries are written to. Required.
	Topic string
	// Threshold is the similarity at or above which an article is a near
	// duplicate. Default dedup.DefaultThreshold.
	Threshold float64
	// Horizon is how long, in event time, a fingerprint is kept. Default
	// DefaultHorizon (7 days).
	Horizon time.Duration
	// Drop filters duplicates out (outcome "filtered") instead of passing
	// them on with Dedup set. Their entries are not stored: the first of
	// the cluster stands for them.
	Drop bool
	// Metrics receives the stage's series; default: an unregistered set.
	Metrics *Metrics
	// OnSize, if set, is told the table's size after every change (the
	// state layer's entries and bytes series). It must not block.
	OnSize func(entries int, bytes int64)
}

// Stage is the near-duplicate stage (a processor.Processor). Process is
// safe for concurrent use: the lookup and the insert of one article are
// one step under the table's lock, so of two copies processed at the same
// time on one instance exactly one is first. Apply feeds the table from
// the changelog (see state.Global).
type Stage struct {
	opt Options
	fp  *dedup.Fingerprinter
	m   *Metrics

	mu sync.Mutex
	ix *dedup.Index
}

// New creates the stage with an empty table.
func New(opt Options) (*Stage, error) {
	if opt.Topic == "" {
		return nil, errors.New("dedup: a changelog topic is required")
	}
	if opt.Threshold == 0 {
		opt.Threshold = dedup.DefaultThreshold
	}
	if opt.Threshold <= 0 || opt.Threshold > 1 {
		return nil, fmt.Errorf("dedup: threshold %v must be in (0, 1]", opt.Threshold)
	}
	if opt.Horizon == 0 {
		opt.Horizon = DefaultHorizon
	}
	if opt.Horizon < 0 {
		return nil, fmt.Errorf("dedup: horizon %v must be positive", opt.Horizon)
	}
	if opt.Metrics == nil {
		opt.Metrics = NewMetrics()
	}
	fp, err := dedup.NewFingerprinter(dedup.Config{})
	if err != nil {
		return nil, err
	}
	ix, err := dedup.NewIndex(opt.Threshold)
	if err != nil {
		return nil, err
	}
	return &Stage{opt: opt, fp: fp, m: opt.Metrics, ix: ix}, nil
}

// SetOnSize sets Options.OnSize; call it before the first Process or
// Apply.
func (s *Stage) SetOnSize(fn func(entries int, bytes int64)) { s.opt.OnSize = fn }

// Name implements processor.Processor.
func (s *Stage) Name() string { return "dedup" }

// Close implements processor.Processor.
func (s *Stage) Close(context.Context) error { return nil }

// Results of the stage, the values of the "result" label.
const (
	ResultFirst     = "first"     // the first of its cluster
	ResultNear      = "near"      // a near duplicate (similarity below 1)
	ResultExact     = "exact"     // an exact duplicate of the text (similarity 1)
	ResultNoPrint   = "too_short" // too little text to fingerprint
	ResultReplay    = "replay"    // an article already in the table (processed again)
	resultsFiltered = "dropped"
)

// Process implements processor.Processor.
func (s *Stage) Process(_ context.Context, a *processor.Article) ([]*processor.Article, error) {
	sig, ok := s.fp.Fingerprint(a.Text)
	if !ok {
		s.m.Results.WithLabelValues(ResultNoPrint).Inc()
		return []*processor.Article{a}, nil
	}
	now := processor.EventTime(a).UnixMilli()
	oldest := now - s.opt.Horizon.Milliseconds()
	origin := int32(a.SourcePos.Partition)

	s.mu.Lock()
	prev, replay := s.ix.Get(a.ID)
	replay = replay && prev.Sig == sig // same id, new text: a new version
	// The earliest-seen article within the horizon it near-duplicates,
	// itself left out (when processed again: a replay after a failed
	// write, or a restart from an earlier offset).
	match, sim, found := s.ix.LookupWith(sig, dedup.Query{Since: oldest, Exclude: a.ID, Earliest: true})
	if replay && prev.Cluster == a.ID {
		// It was the first of its cluster: the copies seen since do not
		// make it a copy.
		found = false
	}
	d := &processor.Dedup{Fingerprint: sig.String(), Cluster: a.ID}
	if found {
		id := match.ID
		d.DuplicateOf, d.Similarity, d.Cluster = &id, sim, match.Cluster
		if replay {
			d.Cluster = prev.Cluster // the cluster id never changes
		}
	}
	store := !found || !s.opt.Drop
	entry := dedup.Entry{ID: a.ID, Sig: sig, EventTime: now, Cluster: d.Cluster, Origin: origin}
	var err error
	if store {
		err = s.ix.Put(entry)
	}
	expired := s.ix.Expired(origin, oldest, maxTombstones)
	for _, id := range expired {
		s.ix.Delete(id)
	}
	entries, bytes := s.ix.Len(), s.ix.Bytes()
	s.mu.Unlock()
	if err != nil {
		// The table is full (over 134 million entries): a limit of the
		// process, not of the record.
		return nil, fmt.Errorf("dedup: store the fingerprint of %s: %w", a.ID, err)
	}

	s.size(entries, bytes)
	s.m.Evicted.Add(float64(len(expired)))
	switch {
	case replay:
		s.m.Results.WithLabelValues(ResultReplay).Inc()
	case !found:
		s.m.Results.WithLabelValues(ResultFirst).Inc()
	case sim >= 1:
		s.m.Results.WithLabelValues(ResultExact).Inc()
	default:
		s.m.Results.WithLabelValues(ResultNear).Inc()
	}
	// The tombstones go out even with a dropped article (the engine writes
	// the side outputs of filtered records).
	for _, id := range expired {
		a.Emit(record.Record{Topic: s.opt.Topic, Key: []byte(id)})
	}
	if !store {
		s.m.Results.WithLabelValues(resultsFiltered).Inc()
		return nil, nil
	}
	val, err := entry.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("dedup: encode the entry of %s: %w", a.ID, err)
	}
	a.Dedup = d
	a.Emit(record.Record{Topic: s.opt.Topic, Key: []byte(a.ID), Value: val})
	return []*processor.Article{a}, nil
}

// Apply applies one changelog record to the table: an entry, or a
// tombstone (nil value). It is the state.ApplyFunc of the stage's global
// table; an undecodable value is an error (the table passes it over).
func (s *Stage) Apply(key, value []byte) error {
	if value == nil {
		s.mu.Lock()
		s.ix.Delete(string(key))
		entries, bytes := s.ix.Len(), s.ix.Bytes()
		s.mu.Unlock()
		s.size(entries, bytes)
		return nil
	}
	var e dedup.Entry
	if err := e.UnmarshalBinary(value); err != nil {
		return fmt.Errorf("dedup entry %q: %w", key, err)
	}
	if e.ID != string(key) {
		return fmt.Errorf("dedup entry %q names article %q", key, e.ID)
	}
	s.mu.Lock()
	err := s.ix.Put(e)
	entries, bytes := s.ix.Len(), s.ix.Bytes()
	s.mu.Unlock()
	s.size(entries, bytes)
	return err
}

func (s *Stage) size(entries int, bytes int64) {
	if s.opt.OnSize != nil {
		s.opt.OnSize(entries, bytes)
	}
}

// Metrics are the stage's series (prefix newsflow_dedup_).
type Metrics struct {
	Results *prometheus.CounterVec
	Evicted prometheus.Counter
}

// NewMetrics creates an unregistered set, every result at 0.
func NewMetrics() *Metrics {
	m := &Metrics{
		Results: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "newsflow", Subsystem: "dedup", Name: "articles_total",
			Help: "Articles seen by the near-duplicate stage, by result: first (of its cluster), near, exact, too_short, replay, dropped (--dedup-drop)."}, []string{"result"}),
		Evicted: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "newsflow", Subsystem: "dedup", Name: "expired_total",
			Help: "Fingerprints older than the horizon deleted (with a changelog tombstone) by this instance."}),
	}
	for _, r := range []string{ResultFirst, ResultNear, ResultExact, ResultNoPrint, ResultReplay, resultsFiltered} {
		m.Results.WithLabelValues(r)
	}
	return m
}

// Collectors returns every series, for registration.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Results, m.Evicted}
}
