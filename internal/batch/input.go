package batch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// StdinName is the Input name of standard input: source_position.topic
// and the "file" of dead letters say it for records read from "-".
const StdinName = "stdin"

// Input is one source of records, read in full and in order by Run.
type Input struct {
	// Name names the input in source_position.topic and in dead letters:
	// the file name as given, or StdinName.
	Name string
	// Open opens the input; Run closes what it returns, once read.
	Open func() (io.ReadCloser, error)
	// JSONLines makes the input JSON Lines whatever its name and content
	// (standard input is always JSON Lines).
	JSONLines bool
	// Time is source_position.timestamp of its records (a file's
	// modification time); zero means the time each record is read.
	Time time.Time
}

// File returns the Input of a file. It fails, naming the file, when the
// file does not exist, is a directory or cannot be opened; the file is
// opened again, when its turn comes, by Run.
func File(name string) (Input, error) {
	f, err := os.Open(name)
	if err != nil {
		return Input{}, fmt.Errorf("cannot read input file: %w", err)
	}
	st, err := f.Stat()
	f.Close()
	if err != nil {
		return Input{}, fmt.Errorf("cannot read input file: %w", err)
	}
	if st.IsDir() {
		return Input{}, fmt.Errorf("cannot read input file %s: it is a directory", name)
	}
	return Input{
		Name: name,
		Open: func() (io.ReadCloser, error) { return os.Open(name) },
		Time: st.ModTime(),
	}, nil
}

// Stdin returns the Input of standard input r: JSON Lines, named
// StdinName. Run does not close r.
func Stdin(r io.Reader) Input {
	return Input{
		Name:      StdinName,
		Open:      func() (io.ReadCloser, error) { return io.NopCloser(r), nil },
		JSONLines: true,
	}
}

// Record is one input record and where it came from.
type Record struct {
	// Input is the Input's name; Line the 1-based line the record is on
	// (1 for a plain-text file, which is one record).
	Input string
	Line  int
	// Key is the record key: the file's base name for a plain-text file
	// (as `newsflow publish` keys it), none for a JSON line.
	Key   []byte
	Value []byte
	Time  time.Time
	// Size is the record's length in bytes: more than len(Value) when the
	// record was over the read limit and only its start was kept.
	Size int64
}

// cut reports whether only the start of the record was kept.
func (r *Record) cut() bool { return r.Size > int64(len(r.Value)) }

// readInput reads in and calls fn with each record, in order, following
// the input rules of `newsflow publish`: JSON Lines (one record per
// non-blank line, blanks around it trimmed) when in.JSONLines is set, the
// name ends in .jsonl or .ndjson, or the first non-blank byte is '{';
// otherwise the whole input is one plain-text record keyed by the file's
// base name. A record longer than keep bytes is read through but only its
// first keep bytes are kept (Record.Size tells). It stops at the first
// error of fn or when ctx is done (returning ctx's error).
func readInput(ctx context.Context, in Input, keep int, fn func(Record) error) error {
	rc, err := in.Open()
	if err != nil {
		return fmt.Errorf("open %s: %w", in.Name, err)
	}
	defer rc.Close()
	at := func() time.Time {
		if in.Time.IsZero() {
			return time.Now()
		}
		return in.Time
	}
	br := bufio.NewReaderSize(rc, 64<<10)
	jsonl := in.JSONLines || strings.HasSuffix(in.Name, ".jsonl") || strings.HasSuffix(in.Name, ".ndjson") || StartsWithBrace(br)
	if !jsonl {
		data, err := io.ReadAll(io.LimitReader(br, int64(keep)+1))
		if err != nil {
			return fmt.Errorf("read %s: %w", in.Name, err)
		}
		size := int64(len(data))
		if len(data) > keep {
			rest, err := io.Copy(io.Discard, br)
			if err != nil {
				return fmt.Errorf("read %s: %w", in.Name, err)
			}
			data, size = data[:keep], size+rest
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return fn(Record{Input: in.Name, Line: 1, Key: []byte(filepath.Base(in.Name)), Value: data, Time: at(), Size: size})
	}
	for lineNo := 1; ; lineNo++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, n, err := ReadLine(br, keep)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s line %d: %w", in.Name, lineNo, err)
		}
		if n <= int64(keep) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue
			}
			n = int64(len(line))
		}
		if err := fn(Record{Input: in.Name, Line: lineNo, Value: bytes.Clone(line), Time: at(), Size: n}); err != nil {
			return err
		}
	}
}

// StartsWithBrace reports whether the first non-blank byte of br (within
// its buffer) is '{', without consuming anything: a JSON Lines input.
func StartsWithBrace(br *bufio.Reader) bool {
	for n := 1; n <= br.Size(); n++ {
		b, _ := br.Peek(n)
		if len(b) < n {
			return false
		}
		switch b[n-1] {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

// ReadLine returns the next line of br without its line break ("\n" or
// "\r\n") and its length. Of a line longer than keep bytes only the first
// keep are returned, the rest is read through and counted, so a line of
// any length costs at most keep bytes of memory. io.EOF comes only when
// nothing is left. `newsflow publish` reads its files with it too.
func ReadLine(br *bufio.Reader, keep int) (line []byte, n int64, err error) {
	var buf []byte
	var prev byte // the last byte of the previous fragment, for a "\r\n" split over two
	ending := 0
	for {
		frag, err := br.ReadSlice('\n')
		n += int64(len(frag))
		if room := keep + 2 - len(buf); room > 0 { // room for "\r\n"
			buf = append(buf, frag[:min(room, len(frag))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(frag) > 0 {
				prev = frag[len(frag)-1]
			}
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, n, err
		}
		if n == 0 {
			return nil, 0, io.EOF
		}
		if k := len(frag); k > 0 && frag[k-1] == '\n' {
			ending = 1
			if k > 1 && frag[k-2] == '\r' || k == 1 && prev == '\r' {
				ending = 2
			}
		}
		break
	}
	n -= int64(ending)
	return buf[:min(int64(len(buf)), n, int64(keep))], n, nil
}
