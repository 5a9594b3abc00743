// Package entities is the named-entity stage of the pipeline ("entities"):
// it finds people (PERSON), organisations (ORG) and places (LOC), plus
// nationalities and religious or political groups (NORP) and other names
// (MISC), in an article's clean text, and groups the mentions into one
// processor.Entity per real-world referent.
//
// Tagging is done by an averaged-perceptron BIO tagger over hashed
// features (word, shape, affixes, a ±2 token window, gazetteer matches and
// a document-level casing cue), decoded greedily left to right; see
// package tagger. The model is embedded in the binary (model.bin, built by
// package train from the openly licensed corpora listed in the project's
// NOTICE).
//
// A few rules then correct the tagger where it is weakest: a run of
// capitalised words shaped like an organisation's name ("158th Fighter
// Wing", "Church of England") is an organisation even if untagged; a name
// ending in a place word ("Elysee Palace") is a place, and one ending in an
// organisation word ("Foreign Office") or followed by one ("Le Parisien
// newspaper") an organisation; a one-word name unknown to the gazetteers
// that looks and is used like a nationality adjective ("Iraqi forces") is
// NORP; a common lower-case word capitalised only because it starts a
// sentence is dropped; person names side by side are joined; edges that
// are punctuation or lower-case words are trimmed; titles ("Professor",
// "Businessman") are cut from the start of person names and trailing title
// words ("US Vice") from places; a one-word "person" that is a common noun
// ("Iodine": written in lower case in the training text or elsewhere in
// the document) is dropped, and a name in -ology is an organisation; a
// short list of organisations the tagger rarely sees (Daesh, ISIL, ISIS,
// al-Qaida, NATO, Wikinews …) is always tagged. A person's name that the
// tagger ran into the place or organisation before it is cut off ("Middle
// East Tobias Ellwood", "Washington State University Simon Ličen"); an
// organisation's name runs to its last organisation word ("Air Force
// Reserve Command"); a run of capitalised words ending in an event or
// agreement word ("Vietnam War", "Waitangi Day") is MISC, so the place in
// it is no mention of its own; a storm word and its name ("Tropical Storm
// Barry", "Hurricane Humberto") are MISC, and so is the name alone in the
// same document (the tagger takes it for a person); the acronym a document defines after an
// organisation's name ("World Monuments Fund (WMF)") is that organisation;
// a former country ("Soviet Union") is a place and a church named by its
// denomination ("Catholic Church") an organisation.
//
// The stage then makes the mentions of a document consistent:
// a name tagged somewhere is tagged everywhere it recurs, the parts of a
// full person name ("Gassama" after "Mamoudou Gassama") are that person,
// and one surface form gets one type (majority vote). A one-word "person"
// that is a known place standing in a list beside a place ("Arizona,
// Florida, and Illinois", "Kobe, Japan") is a place, there and wherever
// else it stands alone, unless it is part of a person's full name in the
// document. A surname alone takes in the given name the first-name list
// lacks right before it ("Planetary scientist Vlada Stamenković",
// "Professor Jean-Jacques Muyembe": after a lower-case word or a title,
// not opening a sentence, no place, no part of another mention of the
// document) and a hyphenated East Asian given name after it ("Tong
// Yung-soo", "Wong Kwok-kin"). After that, a
// country's name that acts as its government ("The United States strongly
// condemns", "the UK's commitment", "U.S. airstrikes", "our ally Turkey")
// is an organisation, mention by mention, so one country may appear both
// as a place and as an organisation. A capitalised role named without a
// name ("the Foreign Secretary", "the US Secretary of State", "Minister
// for the Middle East") is a person, and the places and organisations
// inside it are no mentions of their own; a military rank in the
// abbreviated style of military releases ("Gen.", "Army Lt. Gen.", "Petty
// Officer") is part of the person's mention but not of the entity's name
// ("Joseph L. Votel", with the alias "Gen. Joseph L. Votel"). It then
// groups the
// mentions: a person's short forms join the longest full name that contains
// them, an acronym joins the organisation whose initials it spells, and
// other names group by normalised form. Honorifics and civilian titles
// ("Mr", "President") are never part of a name or of its mention (a title
// tagged alone before a name is dropped); "Mr Gassama" is kept as an
// alias.
//
// Salience is each entity's share of the document's weighted mention mass,
// so saliences sum to 1 and earlier, more frequent entities weigh more: a
// mention weighs 1 at the start of the text and 0.25 at its end, times a
// type weight (PERSON 1, ORG 0.9, MISC 0.8, LOC 0.7, NORP 0.5: places and
// nationalities are mostly a story's setting, people and organisations its
// actors). Entities are ordered by salience, highest first.
//
// Spans are byte offsets of Article.Text, like every span in the pipeline.
// The model knows English only: run the stage under LanguageGate (the
// default pipeline does), which skips articles in other languages with a
// SkipRecord. It never fails on input, and it is safe for concurrent
// use. On 2 KB news articles it takes about 0.2 ms (see BenchmarkProcess;
// the post-tagging rules are about a third of that).
package entities
