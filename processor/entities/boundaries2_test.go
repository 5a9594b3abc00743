package entities

import "testing"

// Regression tests for the boundary and type rules of the second rules
// session of issue 13 (fullnames.go; the name parts of consistency.go;
// orgTail, placeFirsts, the facility heads and the adjectives of
// mentions.go; doctrine names, acronyms, regions and event heads of
// rules.go). The sentences are real published text, under the licences
// listed at the top of boundaries_test.go:
//   - [usg] US Government work, public domain (re3d, via
//     ../shared/data/articles-gold-dev.jsonl); the release is named by its URL.
//   - [wn] English Wikinews, CC BY 2.5
//     (https://creativecommons.org/licenses/by/2.5/), from the GUM articles of
//     articles-gold-dev.jsonl or from ../shared/data/wikinews-raw-dev.jsonl;
//     the article is named by its URL title.

func TestFullNames(t *testing.T) {
	p := newTestProcessor(t)
	tests := []struct {
		text         string
		want, absent []string
	}{
		// Particles. [wn] "US President Trump says Osama bin Laden's son killed".
		{"On Saturday, in a brief but official statement, US President Donald Trump said Hamza bin Laden, son of the late Al-Qaeda founder Osama bin Laden, has been killed in a US counter-terrorism operation.",
			[]string{"Hamza bin Laden", "Osama bin Laden"}, []string{"Hamza", "Laden"}},
		// [usg] centcom 1026868, "Carter, Iraqi prime minister discuss
		// next moves in Mosul fight": the hyphenated article, and the
		// surname alone after it, which is no nationality ("Abadi for").
		{"Defense Secretary Ash Carter today met with Iraqi Prime Minister\u200e Haider al-Abadi in Baghdad, where the two leaders discussed the campaign to liberate the Iraqi city of Mosul from Islamic State of Iraq and the Levant terrorists and other issues, according to a Defense Department news release.\n\nCarter thanked Abadi for nearly two years of a close personal partnership, and noted the continued supporting role the United States and the counter-ISIL coalition can play in Iraq's efforts to destroy the terrorist group, according to the release.",
			[]string{"Haider al-Abadi", "Abadi"}, []string{"Haider"}},
		// Initials. [wn] "Wikinews interviews Don Blankenship, U.S.
		// Constitution Party presidential nominee".
		{"Businessman Don Blankenship of West Virginia, the U.S. Constitution Party's 2020 presidential nominee, answered some questions about his campaign from Wikinews accredited reporter William S. Saturn.",
			[]string{"William S. Saturn"}, []string{"William S."}},
		// Initials and a generational suffix. [wn] "Tributes paid to
		// recently deceased US actor Chadwick Boseman".
		{"Wayne A. I. Frederick, president of Howard University, wrote \"It is with profound sadness that we mourn the loss of alumnus Chadwick Boseman who passed away this evening.\"",
			[]string{"Wayne A. I. Frederick"}, []string{"Wayne A."}},
		{"The audience was also shown a replay from the 2018 ceremony when Boseman gave his \"Best Hero\" award to James Shaw Jr. who disarmed a shooter at a restaurant in Tennessee.",
			[]string{"James Shaw Jr."}, []string{"James Shaw"}},
		// A nickname in quotes. [usg] centcom 1014100, "U.S. Central
		// Command media advisory: Dayr Az Zawr investigation results".
		{"During the call, Brig. Gen. Richard \"Tex\" Coe, the lead investigating officer, will present the findings and recommendations.",
			[]string{"Gen. Richard \"Tex\" Coe"}, []string{"Tex", "Coe"}},
		// Forenames before the tagged surname. [wn] GUM_news_clock, "Texas
		// student Ahmed Mohamed inspires social movement".
		{"His father Mohamed El-Hassan Mohamed said he was taking his entire family to the U.N. headquarters in New York, because international dignitaries wanted to meet with his son and express their support.",
			[]string{"Mohamed El-Hassan Mohamed"}, []string{"Mohamed"}},
		// [wn] "On the campaign trail in the USA, August 2020".
		{"Other speakers during the four day event included four of Trump's children; First Lady Melania Trump; Mark and Patricia McCloskey, who drew weapons on allegedly trespassing protesters at their St. Louis residence.",
			[]string{"Melania Trump"}, []string{"Melania"}},
	}
	for _, tt := range tests {
		checkSpans(t, p, tt.text, "PERSON", tt.want, tt.absent)
	}
}

func TestSurnameIsNoNationality(t *testing.T) {
	p := newTestProcessor(t)
	// [wn] GUM_news_questionnaire, "Reports: 'streamlined' UK asylum
	// process to replace interview with questionnaire for five
	// nationalities": a recurrence of a person's surname before a
	// lower-case word stays a person ("Braverman with").
	text := "On Wednesday, Home Secretary Suella Braverman told GB News: \"It's clear that we have an unsustainable situation in towns and cities around our country.\"\n\nBraverman with France's interior and overseas minister Gérald Darmanin in Paris on November 14, 2022."
	checkSpans(t, p, text, "PERSON", []string{"Suella Braverman", "Braverman"}, nil)
}

func TestOrganisationTails(t *testing.T) {
	p := newTestProcessor(t)
	tests := []struct {
		text         string
		want, absent []string
	}{
		// A second "of" phrase. [wn] GUM_news_questionnaire (see above).
		{"It quoted critics like immigration barrister Colin Yeo, and Joint Council for the Welfare of Immigrants campaigner Caitlin Boswell, with Boswell stating: \"People fleeing desperate circumstances clearly need this government to make quicker and fairer asylum decisions.\"",
			[]string{"Joint Council for the Welfare of Immigrants"}, []string{"Joint Council for the Welfare"}},
		// "and". [usg] state.gov 2015/12/250834, "U.S. Embassy and Iraqi
		// State Board of Antiquities and Heritage announce grant".
		{"Today at the Iraqi Museum in Baghdad, the U.S. Embassy Chargé d’Affaires, a.i., Jonathan Cohen and Dr. Ahmed Kamil Murad, Acting General Director of the Office of Museums at the Iraqi Ministry of Culture, State Board of Antiquities and Heritage (SBAH) announced the funding of a project for the rehabilitation and preservation of the Ishtar Gate at the remains of the ancient city of Babylon in Iraq.",
			[]string{"State Board of Antiquities and Heritage"}, []string{"State Board of Antiquities"}},
		// A doctrine's name, tagged as a person, is part of the name.
		// [wn] GUM_news_hackers, "Hackers attack Church of Scientology
		// website".
		{"Wikinews has learned that according to an Internet posting made just over 24 hours ago, the Church of Scientology's website is being attacked by hackers, causing the site to shut down.",
			[]string{"Church of Scientology"}, []string{"Scientology"}},
	}
	for _, tt := range tests {
		checkSpans(t, p, tt.text, "ORG", tt.want, tt.absent)
	}
	// The doctrine's name alone is still an organisation where it recurs.
	// [wn] GUM_news_imprisoned, "Australian woman claims Church of
	// Scientology imprisoned her for twelve years".
	checkSpans(t, p, "Valeska Paris, an Australian woman and former Scientologist, has claimed that the Church of Scientology imprisoned her for twelve years aboard the Scientology - owned cruise ship, Freewinds.\n\nHer mother had spoken out against Scientology on French television after her ex-husband and Paris's father, Albert Jaquier, committed suicide after he lost his fortune to Scientology.",
		"ORG", []string{"Church of Scientology", "Scientology"}, nil)
	// A role's "of" phrase goes on over "and" too. [wn] GUM_interview_licen,
	// "Wikinews interviews academic Simon Ličen about attitudes towards US
	// Paralympics".
	checkSpans(t, p, "Originally from Slovenia, he served as the Director of Media and Communications of a WTA Tour event and was a member of the UNESCO Slovenian National Commission.",
		"PERSON", []string{"Director of Media and Communications"}, []string{"Director of Media"})
}

func TestAcronymsAreNoPeople(t *testing.T) {
	p := newTestProcessor(t)
	tests := []struct {
		text   string
		absent []string
	}{
		// [wn] "Keep your eyes peeled for cosmic debris: Andrew Westphal
		// about Stardust@home".
		{"Unlike distributed computing projects like SETI @ home, Stardust @ home relies entirely on human intelligence.",
			[]string{"SETI"}},
		// [wn] GUM_news_clock (see above).
		{"US President Barack Obama tweeted using his @POTUS account:",
			[]string{"POTUS"}},
		// An acronym in a "person's" name does not spread as a person.
		// [wn] GUM_news_expo, "Pop culture celebrated at Fan Expo Canada
		// 2016 in Toronto".
		{"Ubisoft, Microsoft, and PlayStation VR all had large areas set up for attendees to try their latest games. In the 20-minute PlayStation VR demonstration of Batman: Arkham VR, players are dropped down a secret elevator in Bruce Wayne's manor, to the Bat Cave, to suit up.",
			[]string{"VR"}},
	}
	for _, tt := range tests {
		checkSpans(t, p, tt.text, "PERSON", nil, tt.absent)
	}
}

func TestAdjectivesAreNoNames(t *testing.T) {
	p := newTestProcessor(t)
	tests := []struct {
		text, typ string
		absent    []string
	}{
		// [wn] "Interview with US political activist and philosopher Noam
		// Chomsky".
		{"I mean the theory was, whether you believe it or not, that it would be a defensive alliance against potential Soviet aggression, that’s the basic doctrine.",
			"ORG", []string{"Soviet"}},
		{"Well that’s kind of an unending war, so do we want NATO to exist, do we want there to be a Western military alliance that carries out these activities, with no pretense of defense?",
			"ORG", []string{"Western"}},
		// [wn] GUM_interview_licen (see above).
		{"Why do you think the Paralympic movement has so little visibility in the US compared to other countries like Australia, the United Kingdom and even Canada?",
			"ORG", []string{"Paralympic"}},
	}
	for _, tt := range tests {
		checkSpans(t, p, tt.text, tt.typ, nil, tt.absent)
	}
}

func TestPlaceTypes(t *testing.T) {
	p := newTestProcessor(t)
	tests := []struct {
		text string
		want []string
	}{
		// A camp named by the word after it. [usg] state.gov
		// secretary/remarks/2015/10/248970, "Attack on Camp Hurriya".
		{"The United States strongly condemns today’s brutal, senseless terrorist attack on Camp Hurriya that killed and injured camp residents.",
			[]string{"Camp Hurriya"}},
		// Facilities. [wn] GUM_news_expo (see above).
		{"The 22nd Fan Expo Canada took place at the Metro Toronto Convention Centre this weekend, attracting thousands to the event, one of the most popular in North America.",
			[]string{"Metro Toronto Convention Centre"}},
		// [wn] "Keep your eyes peeled for cosmic debris" (see above).
		{"We're right now using an automated microscope that we developed several years ago for nuclear astrophysics work to scan the collector in the Cosmic Dust Lab in Building 31 at Johnson Space Center.",
			[]string{"Johnson Space Center"}},
		// A region after "the". [wn] Chomsky interview (see above).
		{"And the head of NATO, Hoop Scheffer, he has explained that NATO must take on responsibility for ensuring the security of pipelines and sea lanes, that is NATO must be a guarantor of energy supplies for the West.",
			[]string{"West"}},
	}
	for _, tt := range tests {
		checkSpans(t, p, tt.text, "LOC", tt.want, nil)
	}
}

func TestEventsAndDocuments(t *testing.T) {
	p := newTestProcessor(t)
	tests := []struct {
		text   string
		absent []string
	}{
		// [wn] GUM_news_clock (see above).
		{"Yesterday Mohamed received VIP attention at Google headquarters in California at the Google Science Fair — and tomorrow he plans to meet international dignitaries at the United Nations headquarters in New York.",
			[]string{"Google Science Fair"}},
		// [wn] "Kenya's Brigid Kosgei sets new world record at Chicago
		// Marathon".
		{"Yesterday, Brigid Kosgei of Kenya won the 2019 Chicago Marathon and broke the long-standing marathon world record for women competing in mixed-sex marathons.",
			[]string{"Chicago Marathon"}},
		// [usg] state.gov 2016/05/257627, "Escalating violence in Syria".
		{"These actions demonstrate a disregard for the Cessation of Hostilities, UN Security Council Resolution 2254, and efforts to advance a political solution to the conflict, as well as its own commitments to facilitate full access for humanitarian relief supplies.",
			[]string{"UN Security Council Resolution"}},
	}
	for _, tt := range tests {
		checkSpans(t, p, tt.text, "ORG", nil, tt.absent)
	}
}

func TestNumbersAreNoNames(t *testing.T) {
	p := newTestProcessor(t)
	// [usg] centcom 1045823, "DoD identifies Army casualty".
	text := "For more information, media may contact the U.S. Army Special Operations Command Public Affairs Office at 910-432-3383."
	for _, e := range p.Extract(text, nil, nil) {
		for _, s := range e.Spans {
			if text[s.Start:s.End] == "910-432-3383" {
				t.Errorf("phone number tagged as %s", e.Type)
			}
		}
	}
}
