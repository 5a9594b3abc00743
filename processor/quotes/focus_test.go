package quotes

import (
	"testing"

	"github.com/newsflow/newsflow/processor"
)

// TestSpeakerPatternsOfUnseenNews covers attribution patterns that left a
// quotation without a speaker: a participle of a speech verb whose subject
// opens the clause after leading adverbials; a speaker noun phrase with
// lower-case modifiers after an inverted "said"; a name with a
// prepositional phrase that holds a possessive; new speech verbs (spoke,
// opines); and a quotation with no cue of its own that follows a sentence
// about a person.
//
// Passages from English Wikinews (CC BY 2.5): "Wikinews interviews Don
// Blankenship, U.S. Constitution Party presidential nominee" (2020), "Wash
// your hands or else spread superbug E. coli, say scientists" (2019),
// "O’Rourke ends US presidential bid" (2019), "On the campaign trail in the
// USA, August 2020" (2020), "Toronto Comicon 2019 welcomes fans with
// celebrities, creativity, cosplay" (2019) and "Scientists describe how
// 'upside-down rivers' of warm water break Antarctica's ice shelf" (2019).
// The last case puts quotation marks around a real sentence of the
// Blankenship article, to check that a thing is never made a speaker.
func TestSpeakerPatternsOfUnseenNews(t *testing.T) {
	runExtractCases(t, []extractCase{
		{
			name: "participle clause, then the same subject coordinated",
			body: `He selected Michigan Taxpayers Party chairman William Mohr as his running mate. Mohr spoke about Blankenship with Wikinews in June, describing him as "a good man with vast knowledge in the political field [who] stands firm on his positions, aligns well with the party platform and has an abundance of ability to lead this nation in the direction it needs to go." Mohr lauded Blankenship's "ability to influence leaders around him" and claimed the nominee "has a backbone superior to most men and will be the strongest President we have seen in decades."`,
			ents: []ent{person("Don Blankenship", "Blankenship"), person("William Mohr", "Mohr")},
			want: [][2]string{
				{"a good man with vast knowledge in the political field [who] stands firm on his positions, aligns well with the party platform and has an abundance of ability to lead this nation in the direction it needs to go.", "William Mohr"},
				{"ability to influence leaders around him", "William Mohr"},
				{"has a backbone superior to most men and will be the strongest President we have seen in decades.", "William Mohr"},
			},
		},
		{
			name: "inverted said with lower-case modifiers before the title",
			body: `"We wanted to find out how these superbugs are spread — and whether there is a cross-over from the food chain to humans" said lead author Professor David Livermore of the University of East Anglia's medical school.`,
			ents: []ent{person("David Livermore"), org("University of East Anglia")},
			want: [][2]string{{"We wanted to find out how these superbugs are spread — and whether there is a cross-over from the food chain to humans", "David Livermore"}},
		},
		{
			name: "subject after leading adverbials",
			body: `A month later, during the third primary debate, O'Rourke defended his proposal of a mandatory buyback program, saying that "Hell yes, we’re going to take your AR-15."`,
			ents: []ent{person("O'Rourke")},
			want: [][2]string{{"Hell yes, we’re going to take your AR-15.", "O'Rourke"}},
		},
		{
			name: "opines",
			body: `"Harris can probably rest easy that despite the renewed debate", Martin opines, "she will not be blocked from taking the oath of office if she and Biden win."`,
			ents: []ent{person("Andy Martin", "Martin"), person("Harris"), person("Biden")},
			want: [][2]string{
				{"Harris can probably rest easy that despite the renewed debate", "Andy Martin"},
				{"she will not be blocked from taking the oath of office if she and Biden win.", "Andy Martin"},
			},
		},
		{
			name: "a possessive inside the name's prepositional phrase",
			body: `"Now we're seeing a new process, where warm water cuts into the shelf from below," said study co-author Ted Scambos of CU Boulder's Cooperative Institute for Research in Environmental Sciences (CIRES).`,
			ents: []ent{person("Ted Scambos"), org("Cooperative Institute for Research in Environmental Sciences")},
			want: [][2]string{{"Now we're seeing a new process, where warm water cuts into the shelf from below,", "Ted Scambos"}},
		},
		{
			name: "no cue: the person the sentence before is about",
			body: `John Rhys-Davies broke news when he revealed that a Sliders reboot is being considered. "Jerry [O'Connell] and I are talking to NBC at the moment. The basic problem is that no one knows who owns the rights". Their legal department had apparently been looking into the matter for two months, as of the convention weekend.`,
			ents: []ent{person("John Rhys-Davies"), person("Jerry [O'Connell]", "O'Connell"), org("NBC")},
			want: [][2]string{{"Jerry [O'Connell] and I are talking to NBC at the moment. The basic problem is that no one knows who owns the rights", "John Rhys-Davies"}},
		},
		{
			name: "no cue after a sentence about a thing: no speaker",
			body: `The Constitution Party was founded in 1991. "It changed to its current name in 1999 and has been on the ballot ever since."`,
			ents: []ent{org("Constitution Party")},
			want: [][2]string{{"It changed to its current name in 1999 and has been on the ballot ever since.", ""}},
		},
	})
}

// TestDescriptionAfterName: "Name, description of/for X, said" names the
// person, not the organisation or country in the description (which made
// a quote attributed to Russia or to a party).
//
// Passages from English Wikinews (CC BY 2.5): "Tributes paid to recently
// deceased US actor Chadwick Boseman" (2020), "Francis D'Souza, former
// Deputy Chief Minister of Goa, dies aged 64" (2019), "Longtime leader of
// Zimbabwe Robert Mugabe dies aged 95" (2019; Putin's quotation cut after
// its first sentence) and "Arrest made as mayor of Gdańsk, Poland stabbed
// on stage" (2019; "Ex-Prime Minister" added before Tusk's name).
func TestDescriptionAfterName(t *testing.T) {
	runExtractCases(t, []extractCase{
		{
			name: "the director of",
			body: `Ryan Coogler, the director of Black Panther, wrote of Boseman, "I noticed then that Chad was an anomaly", recalling their first meeting.`,
			ents: []ent{person("Ryan Coogler"), person("Chadwick Boseman", "Boseman")},
			want: [][2]string{{"I noticed then that Chad was an anomaly", "Ryan Coogler"}},
		},
		{
			name: "spokesperson for a party",
			body: `Damodar Naik, spokesperson for the Bharatiya Janata Party, said D'Souza had been an "iconic" leader of the party.`,
			ents: []ent{person("Damodar Naik"), org("Bharatiya Janata Party"), person("D'Souza")},
			want: [][2]string{{"iconic", "Damodar Naik"}},
		},
		{
			name: "president of a country",
			body: `Vladimir Putin, president of Russia, said in a statement: "Many important dates in Zimbabwe’s modern history are tied to the name of Robert Mugabe."`,
			ents: []ent{person("Vladimir Putin"), {name: "Russia", typ: processor.EntityLoc, mentions: []string{"Russia"}}, person("Robert Mugabe")},
			want: [][2]string{{"Many important dates in Zimbabwe’s modern history are tied to the name of Robert Mugabe.", "Vladimir Putin"}},
		},
		{
			name: "the current President of",
			body: `Ex-Prime Minister Donald Tusk, the current President of the European Council, wrote "Let's all pray for Mayor Adamowicz. Paweł, we are with you."`,
			ents: []ent{person("Donald Tusk"), org("European Council"), person("Paweł Adamowicz", "Adamowicz")},
			want: [][2]string{{"Let's all pray for Mayor Adamowicz. Paweł, we are with you.", "Donald Tusk"}},
		},
	})
}

// TestPronounFocus: "he/she said" is the person the sentences before are
// about (their subject, or the speaker of the quotation before), not
// merely the nearest person of the pronoun's gender; a colon introduces a
// quotation of the clause's subject; a possessive before a long role
// ("Huber's longtime tag team partner Erick Rowan") is not the speaker; a
// second cue between two quotations ("…." Kino Gabriel said, "…") is not
// a coordination; "US" in capitals is not the pronoun "us".
//
// Passages from English Wikinews (CC BY 2.5): "On the campaign trail in the
// USA, September 2020" (2020), "Arizona, Florida, Illinois hold 2020 US
// presidential primaries; Ohio postpones" (2020), "Iran issues arrest
// warrants for 36 people, including US President Trump; seeks Interpol's
// aid" (2020), "Ukrainian president rejects prime minister's resignation
// over leaked audio recording" (2020), "Louisiana declares state of
// emergency as Tropical Storm Barry approaches U.S. coast" (2019), "World
// leaders call to address Amazon rainforest fires at G7" (2019), "US
// professional wrestler Jon Huber dies aged 41" (2020) and "US President
// Trump announces troop withdrawal from Syria" (2019). Some passages are
// cut to the sentences the case needs.
func TestPronounFocus(t *testing.T) {
	runExtractCases(t, []extractCase{
		{
			name: "the subject of the sentence before, not the nearer object",
			body: `The climate change issue reappeared on the campaign trail. Biden delivered a speech in Delaware in which he called Trump a "climate arsonist," citing the recent California wildfires, flooding and Atlantic hurricanes. He argued that if Trump wins re-election, "these hellish events will continue to become more common."`,
			ents: []ent{person("Joe Biden", "Biden"), person("Donald Trump", "Trump")},
			want: [][2]string{
				{"climate arsonist,", "Joe Biden"},
				{"these hellish events will continue to become more common.", "Joe Biden"},
			},
		},
		{
			name: "a caption line and a relative clause before the subject",
			body: `After winning the Republican Party's primaries in Florida and Illinois on Tuesday, Trump reportedly amassed 1,330 delegates, more than the number needed, making him the Republican Party's presumptive nominee.

—Mike DeWine, Twitter

In Ohio, which was planning to hold its primary election on Tuesday, Governor Mike DeWine postponed it, citing the health crisis. In a two-part statement on Twitter, he wrote, "During this time when we face an unprecedented public health crisis, to conduct an election tomorrow would force poll workers and voters to place themselves at an unacceptable health risk of contracting coronavirus." He continued by announcing, "As such, @DrAmyActon will order the polls closed as a health emergency."`,
			ents: []ent{person("Mike DeWine", "DeWine"), person("Donald Trump", "Trump"), org("Republican Party")},
			want: [][2]string{
				{"During this time when we face an unprecedented public health crisis, to conduct an election tomorrow would force poll workers and voters to place themselves at an unacceptable health risk of contracting coronavirus.", "Mike DeWine"},
				{"As such, @DrAmyActon will order the polls closed as a health emergency.", "Mike DeWine"},
			},
		},
		{
			name: "the speaker before, typed otherwise by the tagger, and US in capitals",
			body: `On Monday, state-owned Iranian news agency Fars reported Iran issued arrest warrants on 36 people believed to have been involved in the assassination of the general Qasem Soleimani in January and demanded from Interpol to publish a red notice for US president Donald Trump.

On a press conference held in Saudi Arabia, US Special Representative for Iran Brian Hook said, "This is a political nature. This has nothing to do with national security, international peace or promoting stability". He added, "It is a propaganda stunt that no-one takes seriously."`,
			ents: []ent{person("Donald Trump"), person("Qasem Soleimani"), {name: "Iran Brian Hook", typ: processor.EntityMisc, mentions: []string{"Iran Brian Hook"}}, org("Interpol")},
			want: [][2]string{
				{"This is a political nature. This has nothing to do with national security, international peace or promoting stability", "Iran Brian Hook"},
				{"It is a propaganda stunt that no-one takes seriously.", "Iran Brian Hook"},
			},
		},
		{
			name: "he said, with the other man named after the verb",
			body: `Honcharuk filed his resignation after the audio recording was uploaded Wednesday on an anynomous YouTube channel. He said Zelensky is "a model of honesty for me"; however, "to remove any doubts about our respect and trust in the president, I wrote a resignation offer", he added.`,
			ents: []ent{person("Oleksiy Honcharuk", "Honcharuk"), person("Volodymyr Zelensky", "Zelensky")},
			want: [][2]string{
				{"a model of honesty for me", "Oleksiy Honcharuk"},
				{"to remove any doubts about our respect and trust in the president, I wrote a resignation offer", "Oleksiy Honcharuk"},
			},
		},
		{
			name: "a colon without a speech verb",
			body: `Governor John Bel Edwards addressed the public: "No one should take this storm lightly. As we know all too well in Louisiana, low intensity does not necessarily mean low impact."

Brazilian President Jair Bolsonaro opposed Macron's statement: "The French president's suggestion that Amazon issues be discussed at the G-7 without participation by the countries in the region evokes a colonialist mentality that is out of place in the 21st century[.]"`,
			ents: []ent{person("John Bel Edwards"), person("Jair Bolsonaro"), person("Emmanuel Macron", "Macron")},
			want: [][2]string{
				{"No one should take this storm lightly. As we know all too well in Louisiana, low intensity does not necessarily mean low impact.", "John Bel Edwards"},
				{"The French president's suggestion that Amazon issues be discussed at the G-7 without participation by the countries in the region evokes a colonialist mentality that is out of place in the 21st century[.]", "Jair Bolsonaro"},
			},
		},
		{
			name: "a possessive before a long role",
			body: `"Heartbroken and numb," writes Huber's longtime tag team partner Erick Rowan on Instagram. "I have lost not only a friend but a brother!"`,
			ents: []ent{person("Jon Huber", "Huber"), person("Erick Rowan")},
			want: [][2]string{
				{"Heartbroken and numb,", "Erick Rowan"},
				{"I have lost not only a friend but a brother!", "Erick Rowan"},
			},
		},
		{
			name: "a second cue between two quotations",
			body: `One of these groups, the Syrian Democratic Forces (SDF), opposed the withdrawal and said it was previously given "assurances from the US that it would not allow any Turkish military operations against the region." Kino Gabriel said, "The statement was a surprise and we can say that it is a stab in the back for the SDF."`,
			ents: []ent{person("Kino Gabriel"), org("Syrian Democratic Forces", "SDF")},
			want: [][2]string{
				{"assurances from the US that it would not allow any Turkish military operations against the region.", "Syrian Democratic Forces"},
				{"The statement was a surprise and we can say that it is a stab in the back for the SDF.", "Kino Gabriel"},
			},
		},
	})
}

// TestNamesBeforeTheVerb: a name with a parenthesised acronym before
// "said"; "who said" after a name in a by-phrase or with a description; a
// participle the lists lacked (posting, urging); "Former First Lady" kept
// in the name; a name followed by a parenthetical clause as the subject a
// pronoun refers to; an unresolved speaker named without its
// prepositional phrase.
//
// Passages from English Wikinews (CC BY 2.5): "Hundreds arrested for 'dark
// web' child porn by international task force" (2019), "New South Wales
// decriminalizes abortion" (2019), "Voracious fish defend coral reefs
// against warming, say scientists" (2019; the sentence starts "The research
// was led by"), "US President Donald Trump tests positive for COVID-19"
// (2020), "On the campaign trail in the USA, August 2020" and "…, September
// 2020" (2020) and "200 in New Delhi, India drink cow urine to fight off
// COVID-19" (2020).
func TestNamesBeforeTheVerb(t *testing.T) {
	runExtractCases(t, []extractCase{
		{
			name: "a parenthesised acronym before said",
			body: `Nikki Holland of the UK's National Crime Agency (NCA) said, "Dark web child sex offenders — some of whom are the very worst offenders — cannot hide from law enforcement."`,
			ents: []ent{person("Nikki Holland"), org("National Crime Agency", "NCA")},
			want: [][2]string{{"Dark web child sex offenders — some of whom are the very worst offenders — cannot hide from law enforcement.", "Nikki Holland"}},
		},
		{
			name: "who said, after a by-phrase",
			body: `The bill was drafted by Alex Greenwich who said on the parliament floor, "It follows decades of work from women's rights campaigners, activists and people in the Parliament".`,
			ents: []ent{person("Alex Greenwich")},
			want: [][2]string{{"It follows decades of work from women's rights campaigners, activists and people in the Parliament", "Alex Greenwich"}},
		},
		{
			name: "who said, after a description",
			body: `The research was led by Mark Hay, a marine ecologist and Regents Professor at GT, who said "There is a lot of argument now about whether local management can help in the face of global stresses".`,
			ents: []ent{person("Mark Hay"), org("GT")},
			want: [][2]string{{"There is a lot of argument now about whether local management can help in the face of global stresses", "Mark Hay"}},
		},
		{
			name: "posting",
			body: `Trump took to social media, posting at 12:54 am local time (0454 UTC) on Twitter, "Tonight, [Melania] and I tested positive for COVID-19. We will begin our quarantine and recovery process immediately. We will get through this TOGETHER!"`,
			ents: []ent{person("Donald Trump", "Trump")},
			want: [][2]string{{"Tonight, [Melania] and I tested positive for COVID-19. We will begin our quarantine and recovery process immediately. We will get through this TOGETHER!", "Donald Trump"}},
		},
		{
			name: "urging, with Former First Lady in the name",
			body: `Former First Lady Michelle Obama gave the keynote address on the opening night, urging viewers, "we have got to vote for Joe Biden like our lives depend on it."`,
			ents: []ent{person("Michelle Obama"), person("Joe Biden")},
			want: [][2]string{{"we have got to vote for Joe Biden like our lives depend on it.", "Michelle Obama"}},
		},
		{
			name: "he after a subject with a parenthetical clause",
			body: `Biden, while campaigning in Michigan, called Trump's action "a life-and-death betrayal of the American people." He described it as "beyond despicable" and "almost criminal."`,
			ents: []ent{person("Joe Biden", "Biden"), person("Donald Trump", "Trump")},
			want: [][2]string{
				{"a life-and-death betrayal of the American people.", "Joe Biden"},
				{"beyond despicable", "Joe Biden"},
				{"almost criminal.", "Joe Biden"},
			},
		},
		{
			name: "an unresolved speaker without its prepositional phrase",
			body: `Suman Haripriya of the Hajo assembly said "Coronavirus is an airborne disease and it can be cured by using gaumutra and cow dung."`,
			want: [][2]string{{"Coronavirus is an airborne disease and it can be cured by using gaumutra and cow dung.", "Suman Haripriya"}},
		},
	})
}

// TestParticipleSubjects: the subject of a speech participle ("calling",
// "stating") is the organisation or noun phrase that opens its clause,
// unless a finite speech verb before it has its own subject.
//
// Passages from English Wikinews (CC BY 2.5): "Cairo summit denounces
// Turkish-Libyan maritime border agreement" (2020), "Police shoot man dead
// after 'terrorist-related' knife attack in London" (2020; the quotation
// cut) and "Governor of US state of Alabama signs state anti-abortion
// measure" (2019; the quotation cut, one paragraph between left out).
func TestParticipleSubjects(t *testing.T) {
	runExtractCases(t, []extractCase{
		{
			name: "calling, after leading adverbials",
			body: `In a related press release issued the following day, the Turkish Ministry of Foreign Affairs denounced the conclusions of the summit, calling the agreements "legitimate and fully compatible with international law".`,
			ents: []ent{org("Turkish Ministry of Foreign Affairs")},
			want: [][2]string{{"legitimate and fully compatible with international law", "Turkish Ministry of Foreign Affairs"}},
		},
		{
			name: "stating, with a common noun subject",
			body: `An eyewitness described for news agency PA Media how the attack unfolded, stating, "I was crossing the road when I saw a man with a machete and silver canisters on his chest being chased by what I assume was an undercover police officer."`,
			ents: []ent{org("PA Media")},
			want: [][2]string{{"I was crossing the road when I saw a man with a machete and silver canisters on his chest being chased by what I assume was an undercover police officer.", "An eyewitness"}},
		},
		{
			name: "saying after a finite verb with its subject",
			body: `On Wednesday in the US state of Alabama, Governor Kay Ivey signed the Alabama Human Life Protection Act, officially outlawing nearly all circumstances of abortion in the state. This bill passed the Senate of the state on Tuesday.

The governor tweeted her reasoning saying, "Today, I signed into law the Alabama Human Life Protection Act."`,
			ents: []ent{person("Kay Ivey")},
			want: [][2]string{{"Today, I signed into law the Alabama Human Life Protection Act.", "Kay Ivey"}},
		},
	})
}
