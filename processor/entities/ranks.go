package entities

import (
	"slices"
	"strings"
)

// Military ranks. Military and government releases write a rank before a
// name in the abbreviated (AP) style ("Gen. Joseph L. Votel", "Army Lt.
// Gen. Stephen J. Townsend", "Petty Officer Keating"), and annotate the
// rank as part of the person's mention, unlike civilian titles, which the
// news corpora leave out ("Prime Minister Rishi Sunak" → "Rishi Sunak").
// militaryRanks extends a person's mention over such a rank phrase; the
// entity's name stays the name alone and the ranked form becomes an
// alias.

// rankCores are the abbreviated ranks, written as the tokeniser gives them
// (with or without the period of British usage: "Lt Col").
var rankCores = map[string]bool{
	"Gen.": true, "Lt.": true, "Col.": true, "Maj.": true, "Capt.": true, "Adm.": true,
	"Brig.": true, "Sgt.": true, "Cpl.": true, "Spc.": true, "Pvt.": true, "Pfc.": true,
	"Cmdr.": true, "Cdr.": true, "Ens.": true, "Lt": true, "Col": true, "Maj": true,
	"Capt": true, "Brig": true, "Sgt": true, "Cpl": true, "Cdr": true,
}

// rankWords may stand in a rank phrase besides the rank itself: rank
// modifiers ("Vice Adm.", "Staff Sgt.", "Senior Chief Petty Officer",
// "Petty Officer 1st Class") and the armed service before it ("Navy Capt.",
// "Air Force Col."). Lower-case keys.
var rankWords = map[string]bool{
	"vice": true, "rear": true, "staff": true, "master": true, "first": true, "1st": true,
	"2nd": true, "3rd": true, "class": true, "command": true, "chief": true, "senior": true,
	"lance": true, "petty": true, "warrant": true, "officer": true, "army": true, "navy": true,
	"marine": true, "corps": true, "air": true, "force": true, "coast": true, "guard": true,
}

// isRankWord reports whether token w may stand in a rank phrase.
func isRankWord(w string) bool {
	if rankCores[w] {
		return true
	}
	return (isCap(w) || isOrdinal(w)) && lowerIn(rankWords, w)
}

// rankStart returns the first token of the rank phrase that ends just
// before token i, at or after token lo, or i when there is none. A rank
// phrase is a run of rank words with an abbreviated rank or "Petty
// Officer"/"Warrant Officer" in it; it does not start with "Class" or an
// ordinal.
func (d *doc) rankStart(i, lo int) int {
	j, core := i, false
	for j > lo && isRankWord(d.words[j-1]) {
		w := d.words[j-1]
		if rankCores[w] || strings.EqualFold(w, "officer") && j-2 >= lo &&
			(strings.EqualFold(d.words[j-2], "petty") || strings.EqualFold(d.words[j-2], "warrant")) {
			core = true
		}
		j--
	}
	for j < i && (isOrdinal(d.words[j]) || strings.EqualFold(d.words[j], "class")) {
		j++
	}
	if !core || j == i {
		return i
	}
	return j
}

// militaryRanks puts the rank phrase before a person's name into the
// person's mention ("Gen." + "Joseph L. Votel"). Mentions of other types
// inside the phrase ("Navy Senior" tagged as an organisation) give way; a
// person, or a mention that starts before the phrase, bounds it. A mention
// of another type that starts with a rank phrase and goes on with a
// capitalised name is a person ("Petty Officer Keating").
func (d *doc) militaryRanks() {
	var phrases [][2]int // token ranges of the rank phrases taken
	for mi := range d.ms {
		m := &d.ms[mi]
		if m.typ != typPerson {
			k := m.first
			for k < m.end && isRankWord(d.words[k]) {
				k++
			}
			if k == m.first || k == m.end || !isCap(d.words[k]) || d.rankStart(k, m.first) != m.first {
				continue
			}
			m.typ = typPerson
			m.rank = k - m.first
		}
		name := m.first + m.rank
		s := d.rankStart(name, 0)
		for k := mi - 1; k >= 0 && s < m.first; k-- {
			p := d.ms[k]
			if p.end <= s {
				break
			}
			if p.first < s || p.typ == typPerson {
				s = d.rankStart(name, p.end)
				break
			}
		}
		if s < m.first {
			m.rank = name - s
			m.first = s
		}
		if m.rank > 0 {
			phrases = append(phrases, [2]int{m.first, m.first + m.rank})
		}
	}
	if len(phrases) == 0 {
		return
	}
	d.ms = slices.DeleteFunc(d.ms, func(m mention) bool {
		for _, p := range phrases {
			if m.first >= p[0] && m.end <= p[1] {
				return true
			}
		}
		return false
	})
}
