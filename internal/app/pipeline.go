package app

import (
	"github.com/newsflow/newsflow/processor"
)

// PipelineOptions configure the default pipeline.
type PipelineOptions struct {
	MaxRecordBytes int
}

// NewPipeline builds the default pipeline: decode → clean → stats. obs may
// be nil.
func NewPipeline(obs processor.Observer, o PipelineOptions) (*processor.Pipeline, error) {
	stages := []processor.Processor{
		processor.NewDecode(processor.DecodeOptions{MaxBytes: o.MaxRecordBytes}),
		processor.NewClean(),
		processor.NewStats(),
	}
	return processor.NewPipeline(obs, stages...)
}
