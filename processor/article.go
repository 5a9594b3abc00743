package processor

import (
	"time"

	"github.com/newsflow/newsflow/record"
)

// SchemaVersion is the version of the output record ("schema" field). It is
// bumped only for incompatible changes; new optional fields keep it.
const SchemaVersion = 1

// Article is the typed value that flows through the pipeline. The decode
// stage fills the input fields from Raw; later stages add enrichment; the
// engine encodes it once at the exit (see Encode).
//
// Offsets: every Span held in an Article while it is in the pipeline is a
// UTF-8 byte offset into Text (end exclusive). Encode rewrites them to
// Unicode code-point offsets, which is what the output contract promises.
//
// An Article is owned by one goroutine at a time; processors must not keep a
// reference after Process returns.
type Article struct {
	Schema int `json:"schema"`

	// Input fields (the input contract).
	ID        string `json:"id"`
	Source    string `json:"source,omitempty"`
	URL       string `json:"url,omitempty"`
	Published string `json:"published,omitempty"` // YYYY-MM-DD or RFC 3339, as given
	Title     string `json:"title,omitempty"`
	// Body is the text as received; it is not part of the output record.
	Body string `json:"-"`
	// LanguageHint is the input's "language" field, if any.
	LanguageHint string `json:"-"`

	// Enrichment.
	Language   *Language    `json:"language,omitempty"`
	Text       string       `json:"text"`
	Media      []Media      `json:"media"`
	Stats      Stats        `json:"stats"`
	Entities   []Entity     `json:"entities,omitempty"`
	Quotes     []Quote      `json:"quotes,omitempty"`
	Keyphrases []Keyphrase  `json:"keyphrases,omitempty"`
	Summary    *Summary     `json:"summary,omitempty"`
	Tone       *Tone        `json:"tone,omitempty"`
	Dedup      *Dedup       `json:"dedup,omitempty"`
	Skipped    []SkipRecord `json:"skipped,omitempty"`
	// Truncated says what was cut to keep the enriched record within the
	// output size limit (see EncodeLimit); nil when nothing was.
	Truncated *Truncation `json:"truncated,omitempty"`

	// Position of the input record and processing metadata.
	SourcePos  Position   `json:"source_position"`
	Processing Processing `json:"processing"`

	// Pipeline-internal values, never encoded.

	// Raw is the input record's value, unchanged.
	Raw []byte `json:"-"`
	// Key is the input record's key (may be nil).
	Key []byte `json:"-"`
	// SideOutputs are records for other topics emitted by stages (see Emit).
	SideOutputs []record.Record `json:"-"`
	// Paragraphs are byte spans of the paragraphs of Text (set by clean).
	Paragraphs []Span `json:"-"`
	// Sentences are byte spans of the sentences of Text (set by segment).
	Sentences []Sentence `json:"-"`
	// Tokens are the word and punctuation tokens of Text (set by segment).
	Tokens []Token `json:"-"`
	// TextMap maps byte offsets of Text back to byte offsets of Body (set by
	// clean); see BodyOffset.
	TextMap []OffsetRun `json:"-"`

	spansInRunes bool
}

// Span is a half-open [Start, End) range. Inside the pipeline it counts UTF-8
// bytes of Article.Text; in the encoded output it counts Unicode code points.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// Sentence is one sentence of Text.
type Sentence struct {
	Span
	// Paragraph is the index into Article.Paragraphs.
	Paragraph int
	// FirstToken and EndToken delimit the sentence's tokens in Article.Tokens
	// (half-open).
	FirstToken, EndToken int
}

// TokenKind classifies a token.
type TokenKind uint8

// Token kinds.
const (
	TokenWord TokenKind = iota
	TokenNumber
	TokenPunct
	TokenSymbol
)

// Token is one token of Text with its byte span.
type Token struct {
	Span
	Kind TokenKind
}

// OffsetRun says that Text[TextStart:TextStart+Len] was copied from
// Body[BodyStart:BodyStart+Len]. Runs are sorted by TextStart.
type OffsetRun struct {
	TextStart, BodyStart, Len int
}

// Media is an image credit and caption lifted out of the text.
type Media struct {
	Credit  string `json:"credit"`
	Caption string `json:"caption"`
}

// Stats are simple counts over Text.
type Stats struct {
	Words              int `json:"words"`
	Sentences          int `json:"sentences"`
	Paragraphs         int `json:"paragraphs"`
	Characters         int `json:"characters"`
	ReadingTimeSeconds int `json:"reading_time_seconds"`
}

// Language is the detected language of Text.
type Language struct {
	Code       string  `json:"code"` // ISO 639-1, "und" when unknown
	Confidence float64 `json:"confidence"`
}

// Entity types.
const (
	EntityPerson = "PERSON"
	EntityOrg    = "ORG"
	EntityLoc    = "LOC"
	EntityNORP   = "NORP"
	EntityMisc   = "MISC"
)

// Entity is one real-world referent with all its mentions.
type Entity struct {
	Name     string   `json:"name"` // canonical name, titles stripped
	Type     string   `json:"type"` // PERSON, ORG, LOC, NORP, MISC
	Mentions int      `json:"mentions"`
	Salience float64  `json:"salience"` // 0..1, earlier and more frequent weigh more
	Aliases  []string `json:"aliases,omitempty"`
	Spans    []Span   `json:"spans"`
}

// Quote is a direct quotation.
type Quote struct {
	Text    string `json:"text"`
	Speaker string `json:"speaker,omitempty"`
	// SpeakerEntity is the index into Entities of the speaker, or -1.
	SpeakerEntity int  `json:"speaker_entity"`
	Span          Span `json:"span"`
}

// Keyphrase is a scored key phrase.
type Keyphrase struct {
	Text  string  `json:"text"`
	Score float64 `json:"score"`
}

// Summary is a short extractive summary.
type Summary struct {
	Text string `json:"text"`
	// Sentences are indexes into the article's sentences.
	Sentences []int `json:"sentences"`
	// Headline is true when Text opens with the article's title, before
	// the sentences (interviews in question-and-answer layout).
	Headline bool `json:"headline,omitempty"`
}

// Tone is a GDELT-style document tone.
type Tone struct {
	Positive float64 `json:"positive"` // % of words with positive score
	Negative float64 `json:"negative"` // % of words with negative score
	Polarity float64 `json:"polarity"` // Positive + Negative
	Overall  float64 `json:"overall"`  // Positive - Negative
	// Compound is the mean VADER-style compound score of the sentences, -1..1.
	Compound float64 `json:"compound"`
}

// Dedup is the article's near-duplicate fingerprint and what it matched
// among the articles seen before (see processor/dedup).
type Dedup struct {
	// Fingerprint is the hex form of the article's signature.
	Fingerprint string `json:"fingerprint"`
	// DuplicateOf is the id of the earliest-seen article this one
	// near-duplicates; nil for the first of a cluster.
	DuplicateOf *string `json:"duplicate_of"`
	// Similarity is the estimated similarity to DuplicateOf, 0..1 (0 for
	// the first of a cluster).
	Similarity float64 `json:"similarity"`
	// Cluster is the id shared by every copy of a story: the id of its
	// first-seen article.
	Cluster string `json:"cluster"`
}

// SkipRecord says that a stage did not run on the article, and why (for
// example an English-only stage on a French article).
type SkipRecord struct {
	Stage  string `json:"stage"`
	Reason string `json:"reason"`
}

// Position is where the input record was read.
type Position struct {
	Topic     string    `json:"topic"`
	Partition int       `json:"partition"`
	Offset    int64     `json:"offset"`
	Timestamp time.Time `json:"timestamp"`
}

// Processing is processing metadata.
type Processing struct {
	Version     string    `json:"version"`
	Instance    string    `json:"instance,omitempty"`
	ProcessedAt time.Time `json:"processed_at"`
	DurationMS  float64   `json:"duration_ms"`
	Stages      []string  `json:"stages"`
}

// Skip records that stage did not run on the article.
func (a *Article) Skip(stage, reason string) {
	a.Skipped = append(a.Skipped, SkipRecord{Stage: stage, Reason: reason})
}

// SkippedStage reports whether stage was skipped for this article.
func (a *Article) SkippedStage(stage string) bool {
	for _, s := range a.Skipped {
		if s.Stage == stage {
			return true
		}
	}
	return false
}

// IsEnglish reports whether the article's detected language is English, or
// no language was detected (the English stages then run).
func (a *Article) IsEnglish() bool {
	return a.Language == nil || a.Language.Code == "en" || a.Language.Code == "und"
}

// SpanText returns the text of a byte span of Text. It is only valid inside
// the pipeline (before Encode).
func (a *Article) SpanText(s Span) string {
	if s.Start < 0 || s.End > len(a.Text) || s.Start > s.End {
		return ""
	}
	return a.Text[s.Start:s.End]
}

// BodyOffset maps a byte offset of Text to the byte offset of Body it was
// copied from, using TextMap. Offsets that fall in text clean inserted (a
// normalised space) map to the start of the next copied run. The result is
// never past the end of Body. With no TextMap, it returns off unchanged.
func (a *Article) BodyOffset(off int) int {
	m := a.TextMap
	if len(m) == 0 {
		return off
	}
	lo, hi := 0, len(m)
	for lo < hi {
		mid := (lo + hi) / 2
		if m[mid].TextStart+m[mid].Len <= off {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == len(m) {
		last := m[len(m)-1]
		return min(last.BodyStart+last.Len, len(a.Body))
	}
	r := m[lo]
	if off < r.TextStart {
		return r.BodyStart
	}
	// A run's length is its length in Text; NFC normalisation of a body
	// that was not NFC can make Text longer than the Body bytes it came
	// from ("ő" + combining dot below → "ọ" + combining double acute),
	// so the result is kept inside Body.
	return min(r.BodyStart+(off-r.TextStart), len(a.Body))
}

// Emit adds a side output: a record to another topic (a state changelog, a
// repartition topic, …) that the engine writes in the same ordered write as
// the article's enriched record, before it, and that gates the input
// record's commit like the enriched record does. r.Topic is required; the
// engine dead-letters an article whose side output has none.
func (a *Article) Emit(r record.Record) { a.SideOutputs = append(a.SideOutputs, r) }

// Truncation records what EncodeLimit cut from an article so that its
// enriched record fits the output size limit.
type Truncation struct {
	// Fields names what was shortened: "entities.spans", "entities",
	// "quotes", "keyphrases", "media", "text".
	Fields []string `json:"fields"`
	// OriginalBytes is the size of the record before anything was cut.
	OriginalBytes int `json:"original_bytes"`
	// OriginalCharacters is the length of text in code points before it
	// was cut (0 when text was kept whole).
	OriginalCharacters int `json:"original_characters,omitempty"`
}

// EventTime is an article's event time: its published time when that
// carries a time of day (RFC 3339), else the input record's timestamp,
// else the processing time. Near-duplicate horizons and trend windows use
// it.
func EventTime(a *Article) time.Time {
	if len(a.Published) > len("2006-01-02") {
		if t, err := time.Parse(time.RFC3339, a.Published); err == nil {
			return t
		}
	}
	if !a.SourcePos.Timestamp.IsZero() {
		return a.SourcePos.Timestamp
	}
	return a.Processing.ProcessedAt
}
