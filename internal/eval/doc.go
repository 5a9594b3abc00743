// Package eval scores a pipeline against a gold file (the JSON Lines format
// of the project's development data: one article a line with its gold
// entities, quotes and summary) and measures its throughput. It backs the
// "newsflow eval" command.
//
// Run feeds every gold record to the pipeline as a raw input record and
// compares the enriched article with the gold layers the record has:
//
//   - Entities: precision, recall and F1 per type and micro-averaged, for
//     PERSON, ORG and LOC, over gold entities with named: true. Strict
//     matching needs the exact span and type; lenient matching needs an
//     overlapping span and the same type. Matching is one-to-one (a gold
//     entity is credited to at most one prediction, in text order).
//     Predicted NORP and MISC entities are ignored: the gold corpora disagree
//     on them (GUM tags nationalities and events that re3d leaves out), so
//     they would measure annotation conventions rather than the tagger. A
//     prediction that coincides (same type, overlapping) with a gold entity
//     that is not scored (named: false, such as "al-Qaida" or "the
//     coalition") is ignored too: it is neither rewarded nor penalised.
//   - Quotes: a gold quote is found when one predicted quote overlaps at
//     least half of it (in code points); a predicted quote is correct when
//     at least half of it overlaps one gold quote. Speaker accuracy is
//     measured on the found gold quotes that have a gold speaker: the
//     speaker of the predicted quote that overlaps the gold quote most
//     (Quote.Speaker, else the name of Quote.SpeakerEntity) matches when,
//     after lower-casing and dropping honorifics and punctuation, the names
//     are equal or their last words are ("Mr Gassama" = "Mamoudou Gassama").
//     A second speaker accuracy counts over every gold quote with a gold
//     speaker, a missed one counting as wrong (QuoteReport.SpeakerAccuracyAll).
//   - Summary: ROUGE-1, ROUGE-2 and ROUGE-L F1 of Article.Summary.Text
//     against the gold summary, averaged over records that have one (an
//     article without a summary scores 0).
//   - Language: the share of articles whose detected language code equals
//     the record's language. The record's language is not given to the
//     pipeline.
//   - Throughput: articles and tokens per second of Pipeline.Process, on
//     one goroutine, excluding reading and scoring.
//
// Every score is reported over all records and per corpus (Record.Corpus,
// the record's source up to the first "-": "gum" and "re3d" in the
// development file), since the corpora differ in genre and in annotation
// conventions (re3d spans may include titles and determiners).
// EntityTally is the entity scorer on its own, for callers that score
// entity mentions they produced themselves (the tagger's cross-validation).
//
// Offsets: the pipeline's spans are byte offsets of Article.Text; they are
// mapped to byte offsets of the body with Article.BodyOffset and then to
// code points, which is what the gold file uses.
package eval
