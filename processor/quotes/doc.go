// Package quotes is the "quotes" stage of the pipeline: it finds the direct
// quotations of an English news article and attributes each to its speaker,
// resolved to one of the article's entities when possible.
//
// What it recognises:
//
//   - Quotation marks: curly “…”, straight "…", low „…“ and guillemets «…».
//     Curly single marks ‘…’ outside double quotes are taken only when the
//     passage is clearly a quotation (it has a speech cue with a speaker),
//     since ’ is also the apostrophe. Straight single marks are ignored.
//   - The news convention for quotations that run over several paragraphs:
//     an opening mark without a closing one at the end of a paragraph
//     continues into the next paragraph when that one opens with a mark.
//     Each paragraph's piece is its own Quote, with the same speaker.
//   - Speech cues after the quotation ("…," Ms Hidalgo tweeted; "…," said
//     the minister; "…," a spokesman told AFP; "…," Le Parisien quoted him
//     saying; "…", according to police) and before it (X said: "…"; X told
//     GB News: "…"; X asserted that officials "…"; According to X, "…"; a
//     closing "X stated," paragraph before a quotation paragraph).
//   - A quotation whose closing mark comes up to three paragraphs later,
//     the paragraphs between holding no mark, is one Quote spanning them.
//   - A signature after a dash ("…" - Matthew Ingram) names the speaker; a
//     passage signed with a place ("…" — Australia) is not a quotation.
//   - A definite role ("the minister", "the commissioner") is the person
//     in focus: the last person before the quotation with that role word
//     next to a mention, else (not for spokespeople) the last person.
//   - A description after a name ("Ryan Coogler, the director of Black
//     Panther, wrote"; "Damodar Naik, spokesperson for the BJP, said";
//     "Howard Rubel, a Toronto lawyer representing Spanton, told") and
//     a relative "who said" name the person, not the organisation or
//     country in the description. An inverted verb may have lower-case
//     modifiers before the name ("said lead author Professor David
//     Livermore"); a participle's subject may follow leading adverbials
//     ("A month later, during the debate, O'Rourke defended his
//     proposal, saying").
//   - A passive naming or speech verb that frames the quotation is
//     spoken by its agent, not its subject ("Amman, who was described as
//     "knife-obsessed" by the police"; "was described by Johnson as a
//     "historic mandate""). A nationality or place before a body ("The
//     German government", "US officials") leaves the body as the
//     speaker, "the police" stays the police rather than the person last
//     named, and a document's possessor or agent is its author ("reads
//     Judge Miller's statement", "the judge's statement reads", "RIAA's
//     take-down notice claimed",
//     "according to a statement released by Erdogan's office").
//   - A colon after a clause whose subject is a person or organisation
//     introduces its quotation even without a speech verb ("Governor John
//     Bel Edwards addressed the public: "…"").
//   - Quotations without a cue of their own take the speaker of the
//     quotation just before them in the same or the previous paragraph;
//     else, when they open a sentence, the PERSON that the sentence
//     before in the paragraph is about (its subject).
//   - Pronoun speakers (he, she, him, her) resolve first to the subject of
//     the nearest sentence before (at most three, sentences inside
//     quotations not counted) that is a PERSON of compatible gender, or
//     the speaker of the quotation before, or a name that ends like an
//     earlier speaker's; a sentence whose subject is the same pronoun is
//     passed over. Failing that, to the most recent PERSON entity mention
//     of compatible gender outside quotations. Gender comes from titles
//     (Mr, Ms, Sir, Dame …) next to a mention and from a small embedded
//     list of common first names.
//
// A speaker phrase is resolved to an entity by span overlap with the
// entity's mentions first (the head of the phrase, not a name inside a
// prepositional phrase: "a letter seen by Sky News" is not Sky News), then
// by full-name or last-name match against entity names and aliases. The
// Quote's Speaker is then the entity's canonical name; otherwise it is the
// cue's noun phrase ("a spokesman") and SpeakerEntity is -1. A quotation
// with no speaker found keeps Speaker empty.
//
// Short quoted phrases are nicknames, titles or scare quotes (the
// "Spiderman of the 18th"), not quotations, and are dropped: a passage of
// fewer than six words with no sentence punctuation inside or at its end is
// kept only when its sentence has a speech verb ("called the ruling
// "dangerous"", "told Sky News any process "must be well thought out"") or
// it is coordinated with such a passage ("dangerous" and "ideological").
// Titles of works, names, headlines and terms are dropped even with a cue
// when they have no sentence punctuation: every word capitalised ("The
// Internet Explorer 6 Countdown"), right after a naming word or a title
// noun (pronounced "Vilt-two", rated "highly critical", the book "…"), a
// short passage modifying the noun after it when no one is said to speak
// it (the first "solid" sample), a headline cited after its source at
// the end of a paragraph, a term named by a passive verb with no agent
// (is called "the development phase"), or a passage listed right after
// one dropped ("the terms "…" and "…."").
//
// Inputs: Article.Text, Paragraphs (recomputed from blank lines when
// empty) and Entities (optional: without them speakers stay plain text).
// The stage finds its own clause boundaries around each quotation and
// does not need Sentences or Tokens. The cues are English: run the stage
// under LanguageGate (the default pipeline does), which skips articles in
// other languages with a SkipRecord.
//
// Cost: one pass over the text plus bounded windows (a few hundred bytes)
// around each quotation mark, so time is linear in the text size whatever
// the number of marks; no allocation grows beyond the number of quotations
// and entity mentions. A *Quotes is immutable after New and safe for
// concurrent use.
package quotes
