// Package processor holds the Processor contract, the Pipeline that chains
// processors, the middleware stages run under, the typed Article that flows
// through them, and the built-in stages of the core engine: decode, clean
// and stats. The larger text stages (language, segment, entities, quotes,
// keyphrases, summary, tone) live in sub-packages and implement the same
// contract.
//
// Middleware carry the cross-cutting work so that stages stay plain:
// Recover (always applied, innermost), Timing (per-stage durations to an
// Observer), Timeout (a deadline per stage call) and the language gates
// (OnlyLanguages, ExceptLanguages, LanguageGate). NewPipeline takes
// middleware for every stage; Stage attaches middleware to one stage.
//
// A caller may rely on: Pipeline.Process never panics because of a stage
// or a middleware (a panic becomes an error of class "panic": a processor
// bug, dead-lettered so that the partition moves on); under Timeout, a
// stage that hangs fails the record with class "timeout" after its
// deadline instead of blocking its partition (the hung call is abandoned
// and runs on until it returns; see Timeout); every error Process returns
// is a *StageError whose chain carries the error class (see ClassOf); after
// an error the article is not to be used again; the article is decoded
// once, by the decode stage, and encoded once, by Encode.
package processor
