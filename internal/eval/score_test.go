package eval

import "testing"

func TestEntityCounts(t *testing.T) {

	tests := []struct {
		name            string
		gold, unscored  []Mention
		pred            []Mention
		strict, lenient map[string]Counts
	}{
		{
			name:    "exact match",
			gold:    []Mention{{"PERSON", 0, 12}},
			pred:    []Mention{{"PERSON", 0, 12}},
			strict:  map[string]Counts{"PERSON": {1, 1, 1}},
			lenient: map[string]Counts{"PERSON": {1, 1, 1}},
		},
		{
			name:    "overlap counts only when lenient",
			gold:    []Mention{{"PERSON", 0, 29}}, // "Foreign Minister Julie Bishop"
			pred:    []Mention{{"PERSON", 17, 29}},
			strict:  map[string]Counts{"PERSON": {0, 1, 1}},
			lenient: map[string]Counts{"PERSON": {1, 1, 1}},
		},
		{
			name:    "wrong type is a miss and a false alarm",
			gold:    []Mention{{"ORG", 5, 10}},
			pred:    []Mention{{"LOC", 5, 10}},
			strict:  map[string]Counts{"ORG": {0, 0, 1}, "LOC": {0, 1, 0}},
			lenient: map[string]Counts{"ORG": {0, 0, 1}, "LOC": {0, 1, 0}},
		},
		{
			name:    "unscored predicted types are ignored",
			gold:    []Mention{{"LOC", 0, 5}},
			pred:    []Mention{{"NORP", 10, 16}, {"MISC", 0, 5}, {"LOC", 0, 5}},
			strict:  map[string]Counts{"LOC": {1, 1, 1}},
			lenient: map[string]Counts{"LOC": {1, 1, 1}},
		},
		{
			name:     "a prediction on an unscored gold entity is ignored",
			unscored: []Mention{{"ORG", 20, 28}}, // al-Qaida, named: false
			pred:     []Mention{{"ORG", 20, 28}, {"ORG", 40, 45}},
			strict:   map[string]Counts{"ORG": {0, 1, 0}},
			lenient:  map[string]Counts{"ORG": {0, 1, 0}},
		},
		{
			name:    "matching is one-to-one",
			gold:    []Mention{{"ORG", 0, 30}},
			pred:    []Mention{{"ORG", 0, 10}, {"ORG", 15, 30}},
			strict:  map[string]Counts{"ORG": {0, 2, 1}},
			lenient: map[string]Counts{"ORG": {1, 2, 1}},
		},
		{
			name:    "touching spans do not overlap",
			gold:    []Mention{{"LOC", 0, 5}},
			pred:    []Mention{{"LOC", 5, 9}},
			strict:  map[string]Counts{"LOC": {0, 1, 1}},
			lenient: map[string]Counts{"LOC": {0, 1, 1}},
		},
		{
			name:    "nothing predicted",
			gold:    []Mention{{"PERSON", 0, 3}, {"LOC", 4, 8}},
			strict:  map[string]Counts{"PERSON": {0, 0, 1}, "LOC": {0, 0, 1}},
			lenient: map[string]Counts{"PERSON": {0, 0, 1}, "LOC": {0, 0, 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, l := entityCounts(tc.gold, tc.unscored, tc.pred)
			for _, typ := range ScoredTypes {
				if s[typ] != tc.strict[typ] {
					t.Errorf("strict %s = %+v, want %+v", typ, s[typ], tc.strict[typ])
				}
				if l[typ] != tc.lenient[typ] {
					t.Errorf("lenient %s = %+v, want %+v", typ, l[typ], tc.lenient[typ])
				}
			}
		})
	}

}

func TestPRF(t *testing.T) {
	tests := []struct {
		in      Counts
		p, r, f float64
	}{
		{Counts{TP: 3, Pred: 4, Gold: 6}, 0.75, 0.5, 0.6},
		{Counts{}, 0, 0, 0},
		{Counts{TP: 0, Pred: 5, Gold: 5}, 0, 0, 0},
	}
	for _, tc := range tests {
		got := prf(tc.in)
		if !near(got.Precision, tc.p) || !near(got.Recall, tc.r) || !near(got.F1, tc.f) {
			t.Errorf("prf(%+v) = %+v, want P %v R %v F %v", tc.in, got, tc.p, tc.r, tc.f)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func sp(s string) *string { return &s }

func TestQuoteCounts(t *testing.T) {
	gold := []GoldQuote{
		{Start: 0, End: 100, Speaker: sp("Anne Hidalgo")},
		{Start: 200, End: 240, Speaker: sp("Mamoudou Gassama")},
		{Start: 300, End: 340},                     // no speaker
		{Start: 400, End: 500, Speaker: sp("AFP")}, // missed
	}
	pred := []PredQuote{
		{Start: 0, End: 60, Speaker: "Ms Hidalgo"},  // covers 60 % → found, speaker right
		{Start: 195, End: 245, Speaker: "Macron"},   // found, speaker wrong
		{Start: 300, End: 340},                      // found, no gold speaker
		{Start: 490, End: 530, Speaker: "AFP"},      // covers 10 % of it → not found
		{Start: 600, End: 650, Speaker: "Somebody"}, // no gold quote
	}
	got := quoteCounts(gold, pred)
	want := quoteTally{found: 3, correct: 3, withSpeaker: 2, speakerOK: 1, goldWithSpeaker: 3}
	if got != want {
		t.Errorf("quoteCounts = %+v, want %+v", got, want)
	}
}

func TestSameSpeaker(t *testing.T) {
	tests := []struct {
		pred, gold string
		want       bool
	}{
		{"Mamoudou Gassama", "Mamoudou Gassama", true},
		{"Mr Gassama", "Mamoudou Gassama", true},
		{"Gassama's", "Mamoudou Gassama", true},
		{"Suleiman al-Amr", "Civil Defense Authority director General Suleiman al-Amr", true},
		{"ms. hidalgo", "Anne Hidalgo", true},
		{"Emmanuel Macron", "Anne Hidalgo", false},
		{"", "Anne Hidalgo", false},
		{"Mr", "Mr", false},
	}
	for _, tc := range tests {
		if got := SameSpeaker(tc.pred, tc.gold); got != tc.want {
			t.Errorf("SameSpeaker(%q, %q) = %v, want %v", tc.pred, tc.gold, got, tc.want)
		}
	}
}
