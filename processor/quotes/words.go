package quotes

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The word classes below are closed lists written as switches: they hold
// no state and cost a few comparisons per look-up.

// verbClass is how a speech verb attributes a quotation.
type verbClass uint8

const (
	notVerb  verbClass = iota
	verbSay            // said, told, tweeted, added … : subject is the speaker
	verbChar           // called, described, dubbed: only with a named or pronoun subject
	verbQuot           // quoted: "X quoted him saying", "he was quoted as saying"
)

// speechVerb classifies a lower-case word.
func speechVerb(w string) verbClass {
	switch w {
	case "say", "says", "said", "saying",
		"tell", "tells", "told", "telling",
		"tweet", "tweets", "tweeted", "tweeting",
		"add", "adds", "added", "adding",
		"state", "states", "stated", "stating",
		"write", "writes", "wrote", "writing",
		"post", "posts", "posted",
		"assert", "asserts", "asserted", "asserting",
		"claim", "claims", "claimed", "claiming",
		"explain", "explains", "explained", "explaining",
		"continue", "continues", "continued",
		"comment", "comments", "commented",
		"remark", "remarks", "remarked",
		"note", "notes", "noted", "noting",
		"ask", "asks", "asked", "asking",
		"reply", "replies", "replied", "replying",
		"respond", "responds", "responded",
		"retort", "retorted",
		"insist", "insists", "insisted", "insisting",
		"warn", "warns", "warned", "warning",
		"argue", "argues", "argued", "arguing",
		"announce", "announces", "announced",
		"declare", "declares", "declared",
		"acknowledge", "acknowledges", "acknowledged",
		"admit", "admits", "admitted",
		"concede", "concedes", "conceded",
		"recall", "recalls", "recalled", "recalling",
		"recount", "recounts", "recounted",
		"suggest", "suggests", "suggested",
		"reason", "reasons", "reasoned",
		"conclude", "concludes", "concluded",
		"predict", "predicts", "predicted",
		"urge", "urges", "urged",
		"confirm", "confirms", "confirmed",
		"deny", "denies", "denied",
		"vow", "vows", "vowed",
		"promise", "promises", "promised",
		"shout", "shouts", "shouted",
		"exclaim", "exclaims", "exclaimed",
		"whisper", "whispered",
		"joke", "jokes", "joked",
		"quip", "quips", "quipped",
		"boast", "boasts", "boasted",
		"complain", "complains", "complained",
		"counter", "countered",
		"stress", "stresses", "stressed",
		"emphasise", "emphasised", "emphasize", "emphasized",
		"observe", "observes", "observed",
		"testify", "testifies", "testified",
		"reads",
		"wonder", "wondered",
		"sigh", "sighed",
		"plead", "pleaded",
		"opine", "opines", "opined",
		"spoke",
		"talked",
		"inform", "informs", "informed",
		"accuse", "accuses", "accused", "accusing",
		"allege", "alleges", "alleged", "alleging",
		"describing",
		// Present participles of the verbs above that the lists lack.
		"posting", "urging", "continuing", "commenting", "remarking",
		"responding", "announcing", "declaring", "acknowledging", "admitting",
		"conceding", "suggesting", "concluding", "predicting", "confirming",
		"denying", "vowing", "promising", "stressing", "emphasising",
		"emphasizing", "observing", "testifying", "pleading", "recounting",
		"joking", "quipping", "boasting", "complaining", "countering",
		"opining", "informing":
		return verbSay
	case "call", "calls", "called", "describe", "describes", "described",
		"dub", "dubs", "dubbed", "brand", "brands", "branded", "label", "labelled", "labeled",
		"characterize", "characterizes", "characterized", "characterise", "characterises", "characterised",
		"hail", "hails", "hailed", "referred",
		"calling", "dubbing", "branding", "labelling", "labeling",
		"characterizing", "characterising", "hailing", "referring":
		return verbChar
	case "quote", "quotes", "quoted", "quoting":
		return verbQuot
	}
	return notVerb
}

// isParticiple reports a present participle ("saying", "adding").
func isParticiple(w string) bool { return strings.HasSuffix(w, "ing") }

// pronounGender returns the gender a subject or object pronoun refers to
// and whether w is a pronoun at all.
func pronounGender(w string) (gender, bool) {
	switch w {
	case "he", "him":
		return male, true
	case "she", "her":
		return female, true
	case "they", "them", "it", "we", "us", "i", "you", "me":
		return unknownGender, true
	}
	return unknownGender, false
}

// isDeterminer covers articles, demonstratives, possessives and small
// quantifiers that open a noun phrase.
func isDeterminer(w string) bool {
	switch w {
	case "a", "an", "the", "this", "that", "these", "those", "his", "her", "its",
		"their", "our", "my", "your", "one", "another", "each", "some", "many",
		"several", "both", "all", "any", "no", "two", "three", "four", "five",
		"other", "most", "few", "every":
		return true
	}
	return false
}

// isPreposition covers the prepositions that open a phrase which cannot be
// a subject.
func isPreposition(w string) bool {
	switch w {
	case "of", "in", "on", "at", "by", "for", "from", "with", "to", "into",
		"about", "after", "before", "during", "under", "over", "against",
		"among", "between", "through", "via", "per", "than", "like", "near",
		"since", "until", "without", "within", "across", "despite", "upon",
		"speaking", "according":
		return true
	}
	return false
}

// isFunctionWord is a closed-class word that never heads a name even when
// capitalised at the start of a sentence.
func isFunctionWord(w string) bool {
	if isDeterminer(w) || isPreposition(w) {
		return true
	}
	switch w {
	case "and", "or", "but", "nor", "so", "yet", "if", "when", "while", "as",
		"because", "although", "though", "however", "also", "then", "there",
		"here", "who", "which", "what", "where", "why", "how", "whom", "whose",
		"is", "was", "are", "were", "be", "been", "has", "have", "had", "do",
		"does", "did", "will", "would", "can", "could", "should", "may", "might",
		"must", "not", "yes", "meanwhile", "earlier", "later", "today",
		"yesterday", "now", "once", "still", "even", "just", "only", "instead",
		"first", "finally", "separately", "asked", "speaking", "next", "lastly",
		"furthermore", "moreover", "additionally", "nevertheless", "thereafter",
		"afterwards", "overall", "similarly", "likewise":
		return true
	}
	return false
}

// isSkippable is an adverb or auxiliary that may stand between a subject
// and its verb ("Anne Hidalgo also said", "he has previously said").
func isSkippable(w string) bool {
	switch w {
	case "also", "has", "have", "had", "was", "is", "were", "are", "later",
		"then", "once", "again", "further", "would", "will", "even",
		"just", "previously", "recently", "reportedly", "allegedly", "never",
		"often", "always", "still", "repeatedly", "himself", "herself",
		"themselves", "itself", "not", "did", "does", "do", "may", "might",
		"could", "can", "should", "must", "today", "yesterday", "tonight":
		return true
	}
	return strings.HasSuffix(w, "ly") && len(w) > 4
}

// isConnector may join the words of a proper name ("Church of
// Scientology", "Osama bin Laden", "Charles de Gaulle").
func isConnector(w string) bool {
	switch w {
	case "of", "the", "de", "du", "des", "da", "di", "del", "della", "la", "le",
		"van", "von", "der", "den", "al", "el", "bin", "ibn", "&", "y", "for",
		"and":
		return true
	}
	return false
}

// isTitle is a role or honorific that may precede a name, in lower case.
func isTitle(w string) bool {
	switch strings.TrimSuffix(w, ".") {
	case "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "lord", "lady",
		"president", "minister", "secretary", "director", "editor", "chairman",
		"chairwoman", "chair", "spokesman", "spokeswoman", "spokesperson",
		"professor", "general", "gen", "governor", "gov", "mayor", "senator",
		"sen", "representative", "rep", "chief", "head", "ceo", "leader", "king",
		"queen", "prince", "princess", "judge", "officer", "commander", "captain",
		"capt", "colonel", "col", "lieutenant", "lt", "sergeant", "sgt",
		"detective", "inspector", "superintendent", "archbishop", "bishop",
		"father", "pope", "rev", "reverend", "undersecretary", "ambassador",
		"deputy", "mp", "commissioner", "chancellor", "councillor", "councilor",
		"manager", "coach", "founder", "analyst", "economist", "lawyer",
		"attorney", "barrister", "campaigner", "activist", "academic", "author",
		"spokesmen", "premier", "vice", "prime", "foreign", "defence", "defense",
		"interior", "health", "finance", "home", "shadow", "former", "acting",
		"executive", "senior", "justice", "prosecutor", "actor", "actress",
		"singer", "player", "striker", "midfielder", "goalkeeper", "star",
		"researcher", "scientist", "expert", "official", "aide", "adviser",
		"advisor", "envoy", "emir", "sheikh", "imam", "rabbi", "cardinal",
		"sheriff", "pastor", "brother", "sister", "uncle", "aunt":
		return true
	}
	return false
}

// isSpeakerNoun is a common noun that can speak without a determiner
// ("police said", "officials told reporters") or that heads a speaker
// phrase.
func isSpeakerNoun(w string) bool {
	switch w {
	case "police", "officials", "authorities", "witnesses", "residents",
		"sources", "experts", "critics", "analysts", "prosecutors",
		"investigators", "doctors", "officers", "lawyers", "spokesman",
		"spokeswoman", "spokesperson", "researchers", "scientists",
		"organisers", "organizers", "protesters", "protestors", "activists",
		"campaigners", "locals", "neighbours", "neighbors", "relatives",
		"parents", "teachers", "students", "survivors", "economists",
		"observers", "diplomats", "lawmakers", "legislators", "ministers",
		"leaders", "rebels", "troops", "firefighters", "paramedics", "rescuers",
		"medics", "supporters", "opponents", "fans", "workers",
		"unions", "employees", "staff", "aides", "advisers", "advisors":
		return true
	}
	return false
}

// isDocumentNoun is something written or issued in someone's name, whose
// possessor is its author ("Judge Miller's statement", "Trump's tweet").
func isDocumentNoun(w string) bool {
	switch w {
	case "statement", "letter", "tweet", "post", "release", "ruling", "opinion",
		"decision", "message", "memo", "email", "e-mail", "blog", "speech",
		"remarks", "testimony", "affidavit", "filing", "judgment", "judgement",
		"notice", "complaint", "lawsuit", "petition", "communique", "communiqué":
		return true
	}
	return false
}

// isBodyNoun is a lower-case noun for a body of people that a place or
// nationality name may modify ("the German government", "Israeli police",
// "US officials"): the body, not the place, speaks.
func isBodyNoun(w string) bool {
	switch w {
	case "government", "governments", "ministry", "embassy", "army", "military",
		"navy", "police", "officials", "authorities", "court", "parliament",
		"cabinet", "prosecutors", "investigators", "diplomats", "lawmakers",
		"media", "officers", "troops", "forces", "regulators":
		return true
	}
	return false
}

// isMediaNoun is a noun that may follow an organisation's name and leave
// the organisation as the speaker ("Le Parisien newspaper", "AFP news
// agency").
func isMediaNoun(w string) bool {
	switch w {
	case "newspaper", "news", "agency", "daily", "weekly", "magazine", "website",
		"channel", "television", "tv", "radio", "broadcaster", "network",
		"station", "paper", "tabloid", "outlet", "service":
		return true
	}
	return false
}

// isAbbreviation is a word that, followed by a full stop, does not end a
// sentence.
func isAbbreviation(w string) bool {
	if utf8.RuneCountInString(w) == 1 {
		return true // initials: "J. Smith", "U.S."
	}
	switch strings.ToLower(w) {
	case "mr", "mrs", "ms", "dr", "st", "prof", "gen", "sen", "rep", "gov",
		"lt", "col", "sgt", "capt", "jr", "sr", "inc", "co", "corp", "ltd",
		"no", "vs", "mt", "ft", "rev", "hon", "pres", "sec", "dept", "jan",
		"feb", "mar", "apr", "aug", "sep", "sept", "oct", "nov", "dec", "gov't",
		"approx", "est", "etc", "fig", "u.s", "u.k", "u.n", "e.g", "i.e", "cmdr",
		"maj", "adm", "supt", "insp", "det", "messrs", "mme", "mlle":
		return true
	}
	return false
}

// isCapitalised reports whether a word starts with an upper-case letter or
// has one right after an internal hyphen or apostrophe ("al-Amr",
// "d'Estaing"), or starts with @ or # (handles, hashtags).
func isCapitalised(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	if unicode.IsUpper(r) || r == '@' {
		return true
	}
	if !unicode.IsLower(r) {
		return false
	}
	for i, r := range w {
		if (r == '-' || r == '\'' || r == '’') && i+1 < len(w) {
			n, _ := utf8.DecodeRuneInString(w[i+1:])
			if unicode.IsUpper(n) {
				return true
			}
		}
	}
	return false
}

// isTimeWord is a day name or a relative time word that may stand with
// "on", "last", "this" … between a subject and its verb ("Smith on Monday
// said").
func isTimeWord(w string) bool {
	switch w {
	case "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
		"sunday", "week", "month", "year", "weekend", "morning", "afternoon",
		"evening", "night", "today", "yesterday", "tonight":
		return true
	}
	return false
}

// isTimeOpener may precede a time word ("on Monday", "earlier this week").
func isTimeOpener(w string) bool {
	switch w {
	case "on", "last", "this", "earlier", "later", "late", "early", "next", "that":
		return true
	}
	return false
}
