// Package tagger is the statistical part of named-entity recognition: a
// BIO sequence tagger (PERSON, ORG, LOC, NORP, MISC) trained as an averaged
// perceptron, its feature extraction, its compact binary model format and
// the tokeniser the model expects.
//
// Features are hashed into 2^bits buckets (no feature dictionary): the word
// and its lower-case form, word shape, prefixes and suffixes, the ±2 word
// window and bigrams, gazetteer matches (places, countries, organisations,
// nationalities, first names) around the word, the word's casing class in
// the training text (usually lower-case or usually capitalised), whether
// the word also occurs in lower case in the same document, and the two
// previous tags. Decoding is greedy, left to right, one sentence at a time;
// an I- tag can only continue an entity of its own type.
//
// Weights are quantised to int8 and kept in rows of 16 bytes (one cache
// line holds four rows), summed eight at a time with SWAR arithmetic; a
// model with 2^19 buckets holds 8 MB of weights in memory. The file format
// (Encode, Decode) stores only non-zero rows, the gazetteers and the casing
// vocabulary, DEFLATE-compressed.
//
// A Model is immutable once built and safe for concurrent use. Tokenize is
// a pure function. Training (Train) is single-threaded and deterministic
// for a given seed and input.
//
// No Go library offers a trainable, fast tagger of this kind (the one
// maintained NER library, github.com/jdkato/prose/v2, ships a fixed model
// that scores far lower on news and runs at ~25 articles/s), so it is
// written here; see package processor/entities for how it is used.
package tagger
