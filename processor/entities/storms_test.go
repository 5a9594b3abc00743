package entities

import "testing"

// TestStormsAreNoPeople covers the names of storms, which the tagger took
// for people on unseen news (the 147 raw Wikinews articles: "Tropical"
// and "Barry" of "Tropical Storm Barry", eleven "Humberto"): a storm word
// and its name are one MISC mention, and the name alone in the same
// document is no person either. "Storm Area 51" is no storm, and
// "Hurricane Hunters" is no storm's name.
//
// Passages from English Wikinews (CC BY 2.5): "Louisiana declares state of
// emergency as Tropical Storm Barry approaches U.S. coast" (2019),
// "Tropical Storm Humberto upgraded to hurricane status" (2019) and
// "Millions don't turn up to 'storm' US airbase for
// extraterrestrial evidence" (2019).
func TestStormsAreNoPeople(t *testing.T) {
	p := newTestProcessor(t)
	tests := []struct {
		text                   string
		misc, noPerson, noMisc []string
	}{
		{"According to the United States National Hurricane Center, Tropical Storm Barry could develop into a hurricane as soon as Friday.",
			[]string{"Tropical Storm Barry"}, []string{"Tropical", "Barry"}, nil},
		{"In an advisory issued late Sunday night, the National Hurricane Center (NHC) upgraded Tropical Storm Humberto to hurricane status, making it the third hurricane of the 2019 Atlantic hurricane season.\n\nHumberto, now officially Hurricane Humberto, is a category 1 hurricane, and as of Sunday night had no associated hurricane watches or warning.\n\nAccording to data collected by one of the National Oceanic and Atmospheric Administration's \"Hurricane Hunters\", Humberto had maximum sustained winds of 75 miles per hour (120 kilometers per hour) and was moving northeast at 3 mph (6 kph).",
			[]string{"Tropical Storm Humberto", "Hurricane Humberto"}, []string{"Humberto", "Hurricane Humberto"}, []string{"Hurricane Hunters\""}},
		{"Meanwhile, other events popped up seeking to capitalize on the notoriety of the Storm Area 51 event.",
			nil, nil, []string{"Storm Area"}},
	}
	for _, tt := range tests {
		checkSpans(t, p, tt.text, "MISC", tt.misc, tt.noMisc)
		checkSpans(t, p, tt.text, "PERSON", nil, tt.noPerson)
	}
}
