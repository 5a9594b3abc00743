package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Record is one gold article, as in the development data files.
type Record struct {
	ID        string       `json:"id"`
	Source    string       `json:"source"`
	Language  string       `json:"language"`
	URL       string       `json:"url"`
	Published *string      `json:"published"`
	Title     string       `json:"title"`
	Body      string       `json:"body"`
	Entities  []GoldEntity `json:"entities"`
	Summary   string       `json:"summary"`
	Quotes    []GoldQuote  `json:"quotes"`
	// Gold lists the gold layers present: "entities", "summary", "quotes".
	Gold []string `json:"gold"`
}

// GoldEntity is a gold entity mention; Start and End are code-point offsets
// of Body, End exclusive.
type GoldEntity struct {
	Text  string `json:"text"`
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Named bool   `json:"named"`
}

// GoldQuote is a gold direct quote; Speaker is empty when unknown.
type GoldQuote struct {
	Text    string  `json:"text"`
	Speaker *string `json:"speaker"`
	Start   int     `json:"start"`
	End     int     `json:"end"`
}

// Corpus returns the corpus r comes from: its source up to the first "-"
// ("gum-wikinews" → "gum", "re3d-centcom" → "re3d"), or "unknown" when
// the record has no source.
func (r *Record) Corpus() string {
	c, _, _ := strings.Cut(r.Source, "-")
	if c = strings.TrimSpace(c); c == "" {
		return "unknown"
	}
	return c
}

func (r *Record) has(layer string) bool {
	for _, g := range r.Gold {
		if g == layer {
			return true
		}
	}
	return false
}

// ReadRecords reads a gold file: one JSON record a line, blank lines
// skipped.
func ReadRecords(r io.Reader) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 64<<20)
	var out []Record
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("eval: gold line %d: %w", line, err)
		}
		out = append(out, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("eval: read gold: %w", err)
	}
	return out, nil
}
