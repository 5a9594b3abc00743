package entities

import "strings"

// A country's name often stands for its government ("The United States
// strongly condemns …", "the UK's commitment", "U.S. airstrikes", "our
// ally Turkey"): then it names an organisation, not a place. metonymy
// retypes such mentions, one by one from their own context, after the
// consistency pass (which gives one surface form one type).

// agentVerbs follow a country that acts as a government.
var agentVerbs = map[string]bool{
	"condemns": true, "condemned": true, "supports": true, "supported": true,
	"welcomes": true, "welcomed": true, "remains": true, "stands": true, "stood": true,
	"urges": true, "urged": true, "calls": true, "called": true, "agreed": true,
	"agrees": true, "reiterates": true, "reiterated": true, "reaffirms": true,
	"reaffirmed": true, "pledges": true, "pledged": true, "rejects": true, "rejected": true,
	"demands": true, "demanded": true, "continues": true, "continued": true,
	"announces": true, "announced": true, "believes": true, "recognises": true,
	"recognizes": true, "opposes": true, "opposed": true, "strongly": true,
	"firmly": true, "deplores": true, "applauds": true, "commends": true,
	"sanctioned": true, "imposed": true, "provides": true, "provided": true,
	"contributes": true, "contributed": true, "participates": true, "participate": true,
}

// agentAfterAux follow "is", "are", "has", "will" … after a country that
// acts ("the UK is working", "the UK has flown").
var agentAfterAux = map[string]bool{
	"working": true, "committed": true, "determined": true, "ready": true, "prepared": true,
	"providing": true, "supporting": true, "continuing": true, "leading": true,
	"flown": true, "worked": true, "provided": true, "committed.": true, "pledged": true,
	"contributed": true, "condemned": true, "supported": true, "called": true, "urged": true,
	"continue": true, "work": true, "support": true, "stand": true, "provide": true,
	"participate": true, "help": true, "condemn": true, "firmly": true, "strongly": true,
	"also": true, "always": true, "deeply": true,
}

var auxiliaries = map[string]bool{
	"is": true, "are": true, "has": true, "have": true, "will": true, "must": true,
	"would": true, "should": true, "can": true, "could": true, "was": true,
}

// agentNouns follow a country's possessive when the country acts ("the
// UK's commitment").
var agentNouns = map[string]bool{
	"commitment": true, "support": true, "efforts": true, "decision": true, "position": true,
	"contribution": true, "response": true, "role": true, "policy": true, "strategy": true,
	"engagement": true, "leadership": true, "partners": true, "allies": true,
}

// actorNouns follow a country used as a modifier when the country acts
// ("U.S. airstrikes", "U.S. support").
var actorNouns = map[string]bool{
	"strike": true, "strikes": true, "airstrike": true, "airstrikes": true, "forces": true,
	"troops": true, "military": true, "support": true, "officials": true, "sanctions": true,
}

// allyWords precede a country that acts as a partner ("our ally Turkey").
var allyWords = map[string]bool{"ally": true, "allies": true, "partner": true, "partners": true}

// isCountry reports whether tokens [i, j) name a country.
func (d *doc) isCountry(i, j int) bool {
	if countryAliases[d.joinWords(i, j)] {
		return true
	}
	return d.model != nil && d.model.KnownCountry(d.words[i:j])
}

// word returns token i, or "" out of range.
func (d *doc) word(i int) string {
	if i < 0 || i >= len(d.words) {
		return ""
	}
	return d.words[i]
}

func (d *doc) metonymy() {
	for mi := range d.ms {
		m := &d.ms[mi]
		if m.typ != typLoc || !d.isCountry(m.first, m.end) {
			continue
		}
		// A coordinated country shares the context: "Russia and Turkey
		// agreed", "announced by Russia and Turkey".
		first, end := m.first, m.end
		if mi > 0 {
			if p := d.ms[mi-1]; p.end == first-1 && d.words[p.end] == "and" && p.typ != typPerson && d.isCountry(p.first, p.end) {
				first = p.first
			}
		}
		if mi+1 < len(d.ms) {
			if n := d.ms[mi+1]; n.first == end+1 && d.words[end] == "and" && n.typ != typPerson && d.isCountry(n.first, n.end) {
				end = n.end
			}
		}
		if d.locative(first) {
			continue
		}
		if d.actsAfter(end) || d.actsBefore(first) {
			m.typ = typOrg
		}
	}
}

// actsAfter reports whether what follows a country ending at token end
// shows it acting.
func (d *doc) actsAfter(end int) bool {
	if end >= d.sentenceEnd(end-1) {
		return false
	}
	if strings.HasPrefix(d.text[d.spans[end-1].End:], "-led") {
		return true
	}
	next := d.words[end]
	switch {
	case agentVerbs[next]:
		return true
	case auxiliaries[next]:
		return agentAfterAux[d.word(end+1)]
	case next == "'s" || next == "’s":
		return agentNouns[d.word(end+1)]
	case actorNouns[next]:
		return true
	}
	return false
}

// actsBefore reports whether what precedes a country starting at token
// first shows it acting: "our ally Turkey", "announced by Russia",
// "working closely with Turkey".
func (d *doc) actsBefore(first int) bool {
	i := first - 1
	if w := strings.ToLower(d.word(i)); w == "the" || w == "our" {
		i--
	}
	prev := strings.ToLower(d.word(i))
	switch {
	case allyWords[prev]:
		return true
	case prev == "by":
		return strings.HasSuffix(d.word(i-1), "ed")
	case prev == "with":
		p := strings.ToLower(d.word(i - 1))
		return p == "closely" || p == "together" || p == "partnership" || p == "cooperation"
	}
	return false
}

// locativePreps before a country make it a place whatever follows ("the
// ceasefire in Syria announced by …").
var locativePreps = map[string]bool{
	"in": true, "from": true, "to": true, "across": true, "at": true, "into": true,
	"throughout": true, "within": true, "near": true, "inside": true, "outside": true,
	"of": true, "toward": true, "towards": true, "around": true, "over": true,
	"through": true, "visit": true, "visited": true, "visiting": true, "on": true,
}

// locative reports whether the country starting at token first follows a
// locative preposition (possibly with "the" between).
func (d *doc) locative(first int) bool {
	i := first - 1
	if strings.EqualFold(d.word(i), "the") {
		i--
	}
	return locativePreps[strings.ToLower(d.word(i))]
}
