package entities

import "testing"

// Regression tests for the rules of the third rules session of issue 13
// (rules3.go; the nationality, contraction and title-modifier checks of
// mentions.go; the generational suffix of consistency.go). The sentences
// are real published text, under the licences listed at the top of
// boundaries_test.go:
//   - [usg] US Government work, public domain (re3d, via
//     ../shared/data/articles-gold-dev.jsonl); the release is named by its URL.
//   - [ogl] UK Government, Open Government Licence v3.0 (re3d, via
//     articles-gold-dev.jsonl): "Contains public sector information licensed
//     under the Open Government Licence v3.0."
//   - [wn] English Wikinews, CC BY 2.5
//     (https://creativecommons.org/licenses/by/2.5/), from the GUM articles of
//     articles-gold-dev.jsonl or from ../shared/data/wikinews-raw-dev.jsonl;
//     the article is named by its URL title.

func TestPlacePhrases(t *testing.T) {
	p := newTestProcessor(t)
	tests := []struct {
		text         string
		want, absent []string
	}{
		// [wn] GUM_news_crane, "At least 107 killed in Mecca crane collapse".
		{"A crane collapsed at the Grand Mosque in Mecca, Saudi Arabia, killing at least 107 people.\n\nPilgrims at Mecca's Grand Mosque in 2008.",
			[]string{"Grand Mosque"}, nil},
		// [usg] centcom 1043481, "DoD spokesman: US airstrikes weaken
		// al-Qaida, ISIL terrorists".
		{"“SDF forces have now advanced to within 7.5 kilometers of Tabqa Dam, and continue to make progress in clearing areas north and west of Raqqah,” Cook said.",
			[]string{"Tabqa Dam"}, nil},
	}
	for _, tt := range tests {
		checkSpans(t, p, tt.text, "LOC", tt.want, tt.absent)
	}
}

func TestNationalitiesAreNoNames(t *testing.T) {
	p := newTestProcessor(t)
	tests := []string{
		// [wn] GUM_interview_stardust, "Keep your eyes peeled for cosmic
		// debris: Andrew Westphal about Stardust@home".
		"The primary science goal of the mission was to collect a sample from a known primitive solar-system body, a comet called Wild 2 (pronounced \"Vilt-two\" — the discoverer was German, I believe).",
		// [wn] GUM_interview_mcguire, "Interview with LibriVox founder Hugh McGuire".
		"The LibriVox website features a catalog of about a hundred completed books, including books in other languages like German, Hebrew, and Japanese.",
		// [usg] state.gov 2011/11/177628.
		"QUESTION: There are reports of U.S., German, and Canadian companies hosting Syrian Government websites.",
	}
	for _, text := range tests {
		for _, typ := range []string{"PERSON", "LOC", "ORG"} {
			checkSpans(t, p, text, typ, nil, []string{"German", "Hebrew", "Japanese", "Canadian"})
		}
	}
	// Plural peoples. [wn] GUM_interview_peres, "Shimon Peres discusses
	// the future of Israel"; [ogl] gov.uk, "Minister for the Middle East
	// Tobias Ellwood comments on the situation in Mosul, Iraq".
	for _, text := range []string{
		"Well, what is the problem? I mean, is the problem national, say between Jews and Arabs; or is it a matter of generations between an old age and a new age?",
		"We have supported the liberation of key towns in Northern Iraq including Rabiyah and Zumar, broken the siege of the Yazidis on Mount Sinjar, and pushed ISIL out of Kobane.",
	} {
		checkSpans(t, p, text, "PERSON", nil, []string{"Arabs", "Yazidis"})
	}
	// A plural in -men. [usg] centcom 1027998, "Vermont ANG joins fight
	// against ISIL".
	checkSpans(t, p, "“The capability these total force Airmen provide through the use of precision airstrikes will aid in denying ISIL safe haven and provide ground forces in Iraq and Syria the opportunity to conduct localized counter attacks.”",
		"PERSON", nil, []string{"Airmen"})
}

func TestContractionsAreNoNames(t *testing.T) {
	p := newTestProcessor(t)
	// [wn] GUM_interview_messina, "Frank Messina: An interview with the
	// 'Mets Poet'".
	text := "Don't let them get in your head! you've kept it up this long You're a Mets fan in late September and youll fight til the glorious end"
	checkSpans(t, p, text, "PERSON", nil, []string{"Don"})
}

func TestSurnameBeforeSuffix(t *testing.T) {
	p := newTestProcessor(t)
	// [usg] centcom 904582, "CENTCOM commander's statement on Navy
	// Special Warfare Operator 1st Class Keating".
	text := "\"We mourn the loss of one of our own, Navy Special Warfare Operator 1st Class Charles H. Keating IV, who was killed yesterday in northern Iraq.\n\n\"Keating's honorable and selfless service was in keeping with the finest traditions of military service and certainly will not be forgotten.\""
	checkSpans(t, p, text, "PERSON", []string{"Charles H. Keating IV", "Keating"}, nil)
}

func TestTitleModifiersAreNoPeople(t *testing.T) {
	p := newTestProcessor(t)
	// [wn] "On the campaign trail in the USA, August 2020": "Alabama" is
	// a person's name part elsewhere in the text only by mistake; before
	// a title and a name it is the title's modifier.
	text := "Speakers throughout the four day convention included three former presidents Jimmy Carter, Bill Clinton, and Obama; former Ohio governor John Kasich, among other Republicans; and two brothers of George Floyd, whose death in police custody in May led to widespread protests.\n\nThe American Independent Party (AIP), the same party that nominated the late Alabama Governor George Wallace for president in 1968 and future president Donald Trump in 2016, nominated a candidate with center left views for its 2020 presidential ticket."
	checkSpans(t, p, text, "PERSON", []string{"George Wallace"}, []string{"Alabama"})
}

func TestUnitAcronyms(t *testing.T) {
	p := newTestProcessor(t)
	// [usg] centcom 1041494, "Tinker Citizen Airmen deploy to Turkey".
	text := "Ninety-Four Citizen Airmen from the 507th Air Refueling Wing here departed for a deployment to Incirlik Air Base, Turkey to support Operation Inherent Resolve with KC-135R Stratotanker air refueling support.\n\nWhile the deployment may be shorter, the 507th ARW will be deploying again with a large contingent of the wing deploying again in the summer of 2017."
	checkSpans(t, p, text, "ORG", []string{"507th Air Refueling Wing", "507th ARW"}, nil)
	// Not without the full name in the document.
	checkSpans(t, p, "While the deployment may be shorter, the 507th ARW will be deploying again with a large contingent of the wing deploying again in the summer of 2017.",
		"ORG", nil, []string{"507th ARW"})
}

func TestKnownOrganisationsAndHeads(t *testing.T) {
	p := newTestProcessor(t)
	// [wn] GUM_news_clock, "Texas student Ahmed Mohamed inspires social
	// movement": the United Nations is no place.
	text := "His father Mohamed El-Hassan Mohamed said he was taking his entire family to the U.N. headquarters in New York, because international dignitaries wanted to meet with his son and express their support."
	checkSpans(t, p, text, "ORG", []string{"U.N."}, nil)
	checkSpans(t, p, text, "LOC", []string{"New York"}, []string{"U.N."})
	// [wn] GUM_news_taxes, "Local municipalities in Italy ask taxes from
	// religious schools": a municipality is a body.
	text = "The request of the municipalities results from the sentence of the Italian Supreme Court of Cassation on July 8, recognising as legitimate the request of the Municipality of Livorno asking religious schools to pay property taxes."
	checkSpans(t, p, text, "ORG", []string{"Municipality of Livorno"}, nil)
	checkSpans(t, p, text, "LOC", nil, []string{"Livorno"})
}

// TestPlacesInLists: a state or a city that is also a first name, which
// the tagger takes for a person, is a place in a list of places (lists.go).
// A person named in a list of people stays a person.
func TestPlacesInLists(t *testing.T) {
	p := newTestProcessor(t)
	tests := []struct {
		text  string
		place []string
	}{
		// [wn] "Arizona, Florida, Illinois hold 2020 US presidential
		// primaries; Ohio postpones".
		{"On Tuesday, the United States Democratic Party held primary elections in the states of Arizona, Florida, and Illinois.", []string{"Illinois"}},
		// [wn] "Joe Biden wins 2020 South Carolina US Democratic
		// presidential primary".
		{"In third was Pete Buttigieg, the former mayor of South Bend, Indiana, who had 26 delegates that he earned in Iowa, New Hampshire, and Nevada.", []string{"Nevada"}},
		{"The states scheduled to hold elections are Alabama, Arkansas, California, Colorado, Maine, Massachusetts, Minnesota, North Carolina, Oklahoma, Tennessee, Texas, Utah, Vermont and Virginia.", []string{"Tennessee"}},
		// [wn] "Lost 52 Project announces discovery of wrecked sub near
		// Okinawa".
		{"Amateur researcher and systems engineer Yutaka Iwasaki of Kobe, Japan came across military records that showed a Japanese bomber had attacked a U.S. vessel in late February.", []string{"Kobe"}},
	}
	for _, tt := range tests {
		checkSpans(t, p, tt.text, "LOC", tt.place, nil)
		checkSpans(t, p, tt.text, "PERSON", nil, tt.place)
	}
	// [wn] "U.S. heiress, designer, and author Gloria Vanderbilt dies at 95".
	checkSpans(t, p, "Vanderbilt is survived by two sons with Stokowski, Stanislaus and Christopher, and by her son Anderson Cooper.",
		"PERSON", []string{"Stanislaus", "Christopher"}, nil)
}

// TestNewspaperHeads: a newspaper named by a place and its masthead word
// is an organisation, not a place (orgHeads).
func TestNewspaperHeads(t *testing.T) {
	p := newTestProcessor(t)
	tests := []struct{ text, org string }{
		// [wn] "Samoan government temporarily shuts down for nationwide
		// measles vaccination drive".
		{"According to Samoa Observer editor Keni Lesa, the anti-vaccine movement was able to tap into the resulting public mistrust.", "Samoa Observer"},
		// [wn] "Aftershocks increase death toll of magnitude 6.3
		// earthquake in southern Philippines".
		{"According to Manila Bulletin, Wednesday's earthquake, at 6.3, was the strongest recorded impacting Kidapawan City.", "Manila Bulletin"},
	}
	for _, tt := range tests {
		checkSpans(t, p, tt.text, "ORG", []string{tt.org}, nil)
		checkSpans(t, p, tt.text, "LOC", nil, []string{tt.org})
	}
}

// TestDeterminersAreNoNames: a stray tag on a sentence's "The" (after an
// interview's speaker label "NG:") is no mention, and so does not spread
// to every "The" of the document.
func TestDeterminersAreNoNames(t *testing.T) {
	p := newTestProcessor(t)
	// [wn] "Male Magellanic penguins pine for pairings: Wikinews interviews
	// biologist Natasha Gownaris".
	text := "NG: Members of the Boersma lab and volunteers spend approximately six months each year at Punta Tombo. I was fortunate enough to spend nearly four months at the colony between 2015 and 2017. It's an incredible, otherworldly place. Magellanic penguins nest in burrows or bushes, and some areas of the colony are so dense with burrows that you feel like you're on a different planet. The colony has declined by over 40% since the study started...so I can't even imagine what it was like in the 1980s.\n\n" +
		"NG: The two main threats to the food sources of this colony are climate change, which cause shifts in primary productivity and fish stocks, and fisheries. Fisheries compete with penguins for fish species such as hake and anchovy."
	for _, typ := range []string{"PERSON", "LOC", "ORG", "MISC", "NORP"} {
		checkSpans(t, p, text, typ, nil, []string{"The"})
	}
}
