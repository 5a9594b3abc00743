package app

import (
	"fmt"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/entities"
	"github.com/newsflow/newsflow/processor/keyphrases"
	"github.com/newsflow/newsflow/processor/language"
	"github.com/newsflow/newsflow/processor/quotes"
	"github.com/newsflow/newsflow/processor/segment"
	"github.com/newsflow/newsflow/processor/summary"
	"github.com/newsflow/newsflow/processor/tone"
)

// PipelineOptions configure the default pipeline. Zero values take each
// stage's defaults.
type PipelineOptions struct {
	MaxRecordBytes int
	// Languages restricts language detection to these ISO 639-1 codes;
	// empty means language.DefaultLanguages().
	Languages []string
	// Core selects the core pipeline only: decode → clean → stats.
	Core bool
}

// NewPipeline builds the default pipeline: decode → clean → language →
// segment → entities → quotes → keyphrases → summary → tone → stats (or,
// with Core, decode → clean → stats). obs may be nil. The stages are built
// once and shared by every worker.
func NewPipeline(obs processor.Observer, o PipelineOptions) (*processor.Pipeline, error) {
	if o.Core {
		return processor.NewPipeline(obs,
			processor.NewDecode(processor.DecodeOptions{MaxBytes: o.MaxRecordBytes}),
			processor.NewClean(),
			processor.NewStats(),
		)
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
	return processor.NewPipeline(obs,
		processor.NewDecode(processor.DecodeOptions{MaxBytes: o.MaxRecordBytes}),
		processor.NewClean(),
		lang,
		seg,
		ents,
		quotes.New(),
		keys,
		sum,
		tn,
		processor.NewStats(),
	)
}
