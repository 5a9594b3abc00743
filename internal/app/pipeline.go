package app

import (
	"fmt"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/entities"
	"github.com/newsflow/newsflow/processor/keyphrases"
	"github.com/newsflow/newsflow/processor/language"
	"github.com/newsflow/newsflow/processor/quotes"
	"github.com/newsflow/newsflow/processor/segment"
	"github.com/newsflow/newsflow/processor/summary"
	"github.com/newsflow/newsflow/processor/tone"
)

// DefaultStageTimeout is the deadline of one stage call when
// PipelineOptions.StageTimeout is zero. The slowest stage takes a few
// milliseconds on a news article and under 0.1 s on a record of the
// default size limit (512 KiB), so only a hung stage reaches it.
const DefaultStageTimeout = 10 * time.Second

// PipelineOptions configure the default pipeline. Zero values take each
// stage's defaults.
type PipelineOptions struct {
	MaxRecordBytes int
	// Languages restricts language detection to these ISO 639-1 codes;
	// empty means language.DefaultLanguages().
	Languages []string
	// Core selects the core pipeline only: decode → clean → stats.
	Core bool
	// StageTimeout bounds every stage call (processor.Timeout): a call
	// still running after it is abandoned, and its record dead-lettered
	// with class "timeout", so that a hung stage cannot block its
	// partition. Zero means DefaultStageTimeout (10 s); it must not be
	// negative.
	StageTimeout time.Duration
	// Dedup, if set, is the near-duplicate stage, run right after clean in
	// the full pipeline (so that --dedup-drop spares the rest the work).
	// The core pipeline stays stateless and ignores it.
	Dedup processor.Processor
	// Mentions, if set, is the last stage of the full pipeline: it
	// repartitions each article's entities to the trends aggregation.
	Mentions processor.Processor
	// Tracer, if set, traces every stage call (processor.Tracing, the
	// outermost middleware); nil: no tracing, at no cost.
	Tracer trace.Tracer
}

// NewPipeline builds the default pipeline: decode → clean → [dedup] → language →
// segment → entities → quotes → keyphrases → summary → tone → stats (or,
// with Core, decode → clean → stats). The stages that handle some languages
// only run under their LanguageGate, which records a skip for the others
// (entities, quotes, keyphrases and tone run on English; summary on all but
// Chinese, Japanese, Korean and Thai). Every stage runs under Tracing (o.Tracer, when
// not nil), Timing (obs, when not nil), Timeout (o.StageTimeout) and
// Recover. The stages are built
// once and shared by every worker.
func NewPipeline(obs processor.Observer, o PipelineOptions) (*processor.Pipeline, error) {
	if o.StageTimeout < 0 {
		return nil, fmt.Errorf("stage timeout %v is negative", o.StageTimeout)
	}
	if o.StageTimeout == 0 {
		o.StageTimeout = DefaultStageTimeout
	}
	mw := []processor.Middleware{processor.Tracing(o.Tracer), processor.Timing(obs), processor.Timeout(o.StageTimeout)}
	decode := processor.NewDecode(processor.DecodeOptions{MaxBytes: o.MaxRecordBytes})
	if o.Core {
		return processor.NewPipeline([]processor.Processor{decode, processor.NewClean(), processor.NewStats()}, mw...)
	}
	lang, err := language.New(language.Options{Languages: o.Languages})
	if err != nil {
		return nil, fmt.Errorf("language stage: %w", err)
	}
	seg, err := segment.New(segment.Options{})
	if err != nil {
		return nil, fmt.Errorf("segment stage: %w", err)
	}
	ents, err := entities.New()
	if err != nil {
		return nil, fmt.Errorf("entities stage: %w", err)
	}
	keys, err := keyphrases.New(keyphrases.Options{})
	if err != nil {
		return nil, fmt.Errorf("keyphrases stage: %w", err)
	}
	sum, err := summary.New(summary.Options{})
	if err != nil {
		return nil, fmt.Errorf("summary stage: %w", err)
	}
	tn, err := tone.New(tone.Options{})
	if err != nil {
		return nil, fmt.Errorf("tone stage: %w", err)
	}
	stages := []processor.Processor{decode, processor.NewClean()}
	if o.Dedup != nil {
		stages = append(stages, o.Dedup)
	}
	stages = append(stages,
		lang,
		seg,
		processor.Stage(ents, entities.LanguageGate()),
		processor.Stage(quotes.New(), quotes.LanguageGate()),
		processor.Stage(keys, keyphrases.LanguageGate()),
		processor.Stage(sum, summary.LanguageGate()),
		processor.Stage(tn, tone.LanguageGate()),
		processor.NewStats(),
	)
	if o.Mentions != nil {
		stages = append(stages, o.Mentions)
	}
	return processor.NewPipeline(stages, mw...)
}
