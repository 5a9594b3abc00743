package processor

import (
	"context"
	"strings"
	"unicode/utf8"
)

// WordsPerMinute is the reading speed used for Stats.ReadingTimeSeconds.
const WordsPerMinute = 230

// NewStats returns the stats stage: word, sentence, paragraph and character
// counts of Text and the reading time. It uses the segment stage's tokens
// and sentences when present, else counts white-space separated words and
// sentence-final punctuation. It never fails and is safe for concurrent use.
func NewStats() Processor {
	return Func("stats", func(_ context.Context, a *Article) error {
		stats(a)
		return nil
	})
}

func stats(a *Article) {
	s := Stats{Paragraphs: len(a.Paragraphs), Characters: utf8.RuneCountInString(a.Text)}
	if len(a.Tokens) > 0 {
		for _, t := range a.Tokens {
			if t.Kind == TokenWord || t.Kind == TokenNumber {
				s.Words++
			}
		}
	} else {
		s.Words = countWords(a.Text)
	}
	if len(a.Sentences) > 0 {
		s.Sentences = len(a.Sentences)
	} else if a.Text != "" {
		s.Sentences = countSentenceEnds(a.Text)
	}
	if s.Paragraphs == 0 && a.Text != "" {
		s.Paragraphs = strings.Count(a.Text, "\n\n") + 1
	}
	s.ReadingTimeSeconds = (s.Words*60 + WordsPerMinute - 1) / WordsPerMinute
	a.Stats = s
}

// countSentenceEnds counts runs of . ! ? followed by space or end, at least 1.
func countSentenceEnds(t string) int {
	n := 0
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case '.', '!', '?':
			j := i + 1
			for j < len(t) && (t[j] == '.' || t[j] == '!' || t[j] == '?' || t[j] == '"' || t[j] == '\'') {
				j++
			}
			if j == len(t) || t[j] == ' ' || t[j] == '\n' {
				n++
			}
			i = j - 1
		}
	}
	if n == 0 {
		n = 1
	}
	return n
}

// countWords counts runs of non-space bytes (Text is already normalised:
// its only white space is ' ' and '\n').
func countWords(t string) int {
	n, in := 0, false
	for i := 0; i < len(t); i++ {
		sp := t[i] == ' ' || t[i] == '\n'
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}
