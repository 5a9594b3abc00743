// Package processor holds the Processor contract, the Pipeline that chains
// processors, the middleware that every stage runs under (recover, timing,
// timeout), the typed Article that flows through them, and the built-in
// stages of the core engine: decode, clean and stats. The larger text stages
// (language, segment, entities, quotes, keyphrases, summary, tone) live in
// sub-packages and implement the same contract.
//
// A caller may rely on: Pipeline.Process never panics because of a stage (a
// panic becomes an error of class "panic"); every error it returns is a
// *StageError whose chain carries the error class (see ClassOf); the article
// is decoded once, by the decode stage, and encoded once, by Encode.
package processor
