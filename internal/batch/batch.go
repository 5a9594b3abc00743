// Package batch runs the enrichment pipeline over files and standard input
// instead of Kafka: what `newsflow enrich` does.
//
// Run reads its inputs in order, processes the records on a bounded pool of
// workers and writes, in input order, one JSON line per enriched article to
// Options.Out and one JSON line per dead letter (see DeadLetter) to
// Options.DLQ. An enriched line is the very value `newsflow run` writes to
// its output topic for the same record (the same encoder under the same
// size cap, processor.EncodeLimit), except for source_position and the
// processing metadata (time, duration), which say where and when this run
// read and processed it:
//
//   - source_position.topic is the input's name (the file name as given,
//     "stdin" for standard input), partition is 0, offset is the 1-based
//     line number of the record (1 for a plain-text file), and timestamp
//     is the file's modification time (for standard input, the time the
//     line was read).
//
// As in run, keyphrase scores depend on the articles the pipeline has
// processed before: the same input in the same order on one worker gives
// the same bytes.
//
// Memory is bounded: at most about eight records per worker are held
// between reading and writing, so a slow writer (a full pipe) slows the
// reading instead of growing a buffer, and a record longer than
// MaxMessageBytes is never held whole (it is dead-lettered, too_large).
package batch

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/newsflow/newsflow/internal/engine"
	"github.com/newsflow/newsflow/processor"
)

// Options configure Run. Zero values take the documented defaults.
type Options struct {
	// Out receives the enriched articles, DLQ the dead letters, as JSON
	// Lines. Both required (they may be the same writer).
	Out, DLQ io.Writer
	// Workers is the number of records processed at once. Default
	// GOMAXPROCS.
	Workers int
	// MaxRecordBytes is the pipeline's input limit (the decode stage
	// dead-letters larger records, class too_large); Run only uses it in
	// the message of records too large to be read whole. Default
	// processor.DefaultMaxRecordBytes.
	MaxRecordBytes int
	// MaxMessageBytes is the record limit of `newsflow run`'s producer:
	// enriched records are cut to fit it exactly as run cuts them, and a
	// record longer than it is not read whole but dead-lettered. It must
	// be above MaxRecordBytes. Default 1,000,000.
	MaxMessageBytes int
	// Version and Instance go into each record's processing metadata.
	Version, Instance string
}

// Position is where a record was read.
type Position struct {
	File string
	Line int
}

func (p Position) String() string { return fmt.Sprintf("%s line %d", p.File, p.Line) }

// Stats count what Run did.
type Stats struct {
	// Read is the number of records read; Written of those whose outcome
	// (enriched, dead-lettered or filtered) was written.
	Read, Written int64
	// Articles is the number of enriched lines written (a stage may split
	// or filter a record); DeadLettered and Filtered count records.
	Articles, DeadLettered, Filtered int64
	// Last is the position of the last record written; zero if none.
	Last Position
}

// IncompleteError is Run's error when it stopped before the end of its
// input: the context ended (an interrupt) or an input could not be read.
// What was written is still exactly the results of every record up to
// and including Stats.Last, in order, and nothing after it.
type IncompleteError struct {
	// Last is the last record whose result was written (zero: none).
	Last Position
	// Written is the number of records whose results were written.
	Written int64
	Err     error
}

func (e *IncompleteError) Error() string {
	what := e.Err.Error()
	if errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded) {
		what = "interrupted"
	}
	if e.Written == 0 {
		return what + ": no record was finished, nothing was written"
	}
	records := "records"
	if e.Written == 1 {
		records = "record"
	}
	return fmt.Sprintf("%s: the output holds the results of the first %d %s, up to and including %s; the rest of the input was not processed",
		what, e.Written, records, e.Last)
}

func (e *IncompleteError) Unwrap() error { return e.Err }

// slot is one record on its way from the reader to the writer.
type slot struct {
	rec  Record
	done chan struct{} // closed when processed (or given up: skip)
	out  []byte        // enriched lines, each ending in '\n'
	dead *DeadLetter
	n    int  // number of enriched lines in out
	skip bool // unfinished: the context ended first
}

// Run reads inputs in order, runs every record through pipe and writes the
// results in input order (see the package doc). It returns once every
// record read has been written, or when it stopped early: then with an
// *IncompleteError when ctx ended or an input failed to read (the output
// is a complete prefix), or with the error of a failed write.
//
// Dead letters are not errors: a record the pipeline refuses is written to
// Options.DLQ with its reason and Run goes on. Run does not close pipe; it
// flushes its writers before returning but does not close them.
func Run(ctx context.Context, pipe *processor.Pipeline, inputs []Input, o Options) (Stats, error) {
	if o.Out == nil || o.DLQ == nil {
		return Stats{}, errors.New("batch: Out and DLQ writers are required")
	}
	if pipe == nil {
		return Stats{}, errors.New("batch: a pipeline is required")
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = processor.DefaultMaxRecordBytes
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 1_000_000
	}
	if o.MaxMessageBytes <= o.MaxRecordBytes {
		return Stats{}, fmt.Errorf("batch: MaxMessageBytes (%d) must be above MaxRecordBytes (%d)", o.MaxMessageBytes, o.MaxRecordBytes)
	}
	r := &runner{pipe: pipe, o: o}
	return r.run(ctx, inputs)
}

type runner struct {
	pipe *processor.Pipeline
	o    Options
}

func (r *runner) run(parent context.Context, inputs []Input) (Stats, error) {
	// ctx ends on an interrupt (parent) or when the writer gives up.
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	order := make(chan *slot, 8*r.o.Workers) // every slot, in input order: the bound
	jobs := make(chan *slot, r.o.Workers)

	// Every goroutine below ends once its input channel is closed or ctx
	// ends; wg joins them all.
	var wg sync.WaitGroup
	var readErr error
	var read int64
	wg.Go(func() {
		defer close(order)
		defer close(jobs)
		for _, in := range inputs {
			err := readInput(ctx, in, r.o.MaxMessageBytes, func(rec Record) error {
				s := &slot{rec: rec, done: make(chan struct{})}
				select {
				case order <- s:
				case <-ctx.Done():
					return ctx.Err()
				}
				read++
				select {
				case jobs <- s:
					return nil
				case <-ctx.Done():
					s.skip = true
					close(s.done)
					return ctx.Err()
				}
			})
			if err != nil {
				readErr = err
				return
			}
		}
	})
	for range r.o.Workers {
		wg.Go(func() {
			for s := range jobs {
				r.process(ctx, s)
				close(s.done)
			}
		})
	}
	var st Stats
	var complete bool
	var writeErr error
	wg.Go(func() {
		complete, writeErr = r.write(order, &st)
		if !complete {
			cancel() // stop reading and processing: nothing more is written
		}
	})
	wg.Wait()
	st.Read = read
	switch {
	case writeErr != nil:
		return st, writeErr
	case (readErr != nil || !complete) && parent.Err() != nil:
		return st, &IncompleteError{Last: st.Last, Written: st.Written, Err: parent.Err()}
	case readErr != nil:
		return st, &IncompleteError{Last: st.Last, Written: st.Written, Err: readErr}
	case !complete:
		// Only an ended context leaves a record unfinished.
		return st, &IncompleteError{Last: st.Last, Written: st.Written, Err: context.Canceled}
	}
	return st, nil
}

// write writes the slots in order as they are finished, until order is
// closed (complete) or a slot was left unfinished (not complete: nothing
// after it may be written). Its writers are flushed when they fill up and
// whenever no record is waiting (the input is slower than the pipeline, or
// ended), so output flows in a shell pipeline without a write per record.
func (r *runner) write(order <-chan *slot, st *Stats) (complete bool, err error) {
	out := bufio.NewWriterSize(r.o.Out, 256<<10)
	dlq := out
	if r.o.DLQ != r.o.Out {
		dlq = bufio.NewWriterSize(r.o.DLQ, 64<<10)
	}
	flush := func() error {
		if err := out.Flush(); err != nil {
			return fmt.Errorf("write enriched records: %w", err)
		}
		if err := dlq.Flush(); err != nil {
			return fmt.Errorf("write dead letters: %w", err)
		}
		return nil
	}
	enc := json.NewEncoder(dlq)
	enc.SetEscapeHTML(false)
	for {
		var s *slot
		var ok bool
		select {
		case s, ok = <-order:
		default:
			if err := flush(); err != nil {
				return false, err
			}
			s, ok = <-order
		}
		if !ok {
			return true, flush()
		}
		<-s.done
		if s.skip {
			return false, flush()
		}
		switch {
		case s.dead != nil:
			if err := enc.Encode(s.dead); err != nil {
				return false, fmt.Errorf("write dead letters: %w", err)
			}
			st.DeadLettered++
		case s.n == 0:
			st.Filtered++
		default:
			if _, err := out.Write(s.out); err != nil {
				return false, fmt.Errorf("write enriched records: %w", err)
			}
			st.Articles += int64(s.n)
		}
		st.Written++
		st.Last = Position{File: s.rec.Input, Line: s.rec.Line}
	}
}

// process runs one record through the pipeline, as the engine does for a
// record of a partition, and leaves the result in s.
func (r *runner) process(ctx context.Context, s *slot) {
	rec := &s.rec
	if rec.cut() {
		// Longer than any record run could be given: not read whole.
		s.dead = newDeadLetter(rec, "decode", processor.ClassTooLarge, &processor.StageError{Stage: "decode",
			Err: processor.NewInputError(processor.ClassTooLarge, "record value is %d bytes, over the limit of %d (--max-record-bytes)", rec.Size, r.o.MaxRecordBytes)})
		return
	}
	if ctx.Err() != nil {
		s.skip = true
		return
	}
	a := &processor.Article{
		Raw: rec.Value,
		Key: rec.Key,
		SourcePos: processor.Position{
			Topic: rec.Input, Partition: 0, Offset: int64(rec.Line), Timestamp: rec.Time.UTC(),
		},
		Processing: processor.Processing{
			Version: r.o.Version, Instance: r.o.Instance, ProcessedAt: time.Now().UTC(),
		},
	}
	outs, err := r.pipe.Process(ctx, a)
	if err != nil {
		var ie *processor.InputError
		if ctx.Err() != nil && !errors.As(err, &ie) {
			s.skip = true // unfinished, not the record's fault
			return
		}
		s.dead = newDeadLetter(rec, processor.StageOf(err), processor.ClassOf(err), err)
		return
	}
	for _, a := range outs {
		// Side outputs (a stage's records for other topics) have nowhere
		// to go without Kafka: only the enriched article is written.
		val, err := processor.EncodeLimit(a, engine.OutputLimit(int64(r.o.MaxMessageBytes), a.ID))
		if err != nil {
			s.out, s.n = nil, 0
			s.dead = newDeadLetter(rec, "encode", processor.ClassProcessor, err)
			return
		}
		s.out = append(append(s.out, val...), '\n')
		s.n++
	}
}
