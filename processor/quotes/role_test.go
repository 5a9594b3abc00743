package quotes

import "testing"

// TestDefiniteRoleSpeaker: "the commissioner", "the father" refer back to
// the person in focus who holds that role, named a sentence or more
// before.
//
// Passages from English Wikinews (CC BY 2.5): "Benin, Nigeria join African
// Union continental free trade bloc" (2019) and "California court
// sentences parents who kept their children in captivity" (2019).
func TestDefiniteRoleSpeaker(t *testing.T) {
	runExtractCases(t, []extractCase{
		{
			name: "the commissioner, named in the sentence before",
			body: `Leaders of African Union (AU) member states met in Niamey, Niger's capital, for an AU summit where on Sunday Presidents Muhammadu Buhari of Nigeria and Patrice Talon of Benin signed the African Continental Free Trade Area (AfCFTA) agreement.

Nigeria previously announced it planned to join the AfCFTA in the week leading up to the summit. AU trade and industry commissioner Albert Muchanga announced Benin was to join. The commissioner said, "We haven't yet agreed on rules of origin and tariff con[c]essions, but the framework we have is enough to start trading on July 1, 2020".`,
			ents: []ent{person("Muhammadu Buhari"), person("Patrice Talon"), person("Albert Muchanga")},
			want: [][2]string{{"We haven't yet agreed on rules of origin and tariff con[c]essions, but the framework we have is enough to start trading on July 1, 2020", "Albert Muchanga"}},
		},
		{
			name: "the father, named in the paragraph before",
			body: `Specifically, both parents faced twelve counts of torture and false imprisonment, nine counts of child abuse, and seven counts of cruelty to a dependent adult. David Turpin, alone, was also charged with making false statements for the purpose of obtaining a home schooling license.

The father said "I love my children and I believe my children love me."`,
			ents: []ent{person("David Turpin")},
			want: [][2]string{{"I love my children and I believe my children love me.", "David Turpin"}},
		},
		{
			name: "an unnamed spokesman stays a phrase",
			body: `David Turpin was also charged with making false statements. "Nobody was hurt," the spokesman said.`,
			ents: []ent{person("David Turpin")},
			want: [][2]string{{"Nobody was hurt,", "the spokesman"}},
		},
	})
}

// TestClosingMarkParagraphsLater: a quotation whose closing mark comes in a
// later paragraph, the paragraphs between opening with no mark, is one
// quotation with the speaker of its cue.
//
// The words are from the English Wikinews article "California court
// sentences parents who kept their children in captivity" (CC BY 2.5);
// the quotation is split over two paragraphs here (the shared data has no
// such layout).
func TestClosingMarkParagraphsLater(t *testing.T) {
	runExtractCases(t, []extractCase{
		{
			name: "closed two paragraphs later",
			body: `David Turpin, alone, was also charged with making false statements for the purpose of obtaining a home schooling license.

The father said: "I love my children.

I believe my children love me."`,
			ents: []ent{person("David Turpin")},
			want: [][2]string{{"I love my children.\n\nI believe my children love me.", "David Turpin"}},
		},
	})
}
