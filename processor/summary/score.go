package summary

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/keyphrases"
)

// weights are the scoring weights of the summariser. Position dominates, as
// in news the lead sentence is usually the best one-sentence summary;
// centrality, title overlap and entity salience pick a better lead when
// captions, quotes or scene-setting come first. The values are
// defaultWeights; tests vary them to choose them by cross-validation.
type weights struct {
	position   float64 // 1/(1 + decay·rank) of the sentence among eligible ones
	decay      float64 // how fast the position weight falls with rank
	centrality float64
	title      float64
	entity     float64 // summed salience of the entities mentioned
	caption    float64 // factor: single short sentence paragraph
	quote      float64 // factor: sentence opening with a quotation mark
	personal   float64 // factor: first or second person (interview answers, quotes)
	redundancy float64 // Jaccard of content words above which a sentence repeats another
	// interview is the fewest question paragraphs that make an article an
	// interview whose summary opens with the title (0: never).
	interview int
}

// defaultWeights returns the weights New uses (a function, so that no
// test can change them for the others).
func defaultWeights() weights {
	return weights{
		position:   1.0,
		decay:      0.5,
		centrality: 0.6,
		title:      0.3,
		entity:     1.0,
		caption:    0.4,
		quote:      0.7,
		personal:   0.3,
		redundancy: 0.5,
		interview:  2,
	}
}

type sentInfo struct {
	words    int      // word tokens, after a skipped prefix
	eligible bool     // may be chosen
	relaxed  bool     // would be eligible but for a paragraph without final punctuation
	factor   float64  // penalty multiplier
	content  []uint64 // distinct content-word hashes
	skip     int      // byte offset in Text where the summary text starts
	score    float64
}

type doc struct {
	a     *processor.Article
	sents []sentInfo
	// questions counts the paragraphs that end with a question: an
	// interview in question-and-answer layout has several.
	questions int
	title     []uint64 // distinct content-word hashes of the title
	titleBuf  [16]uint64
	lead      int // words of a headline opening the summary (set by Summarize)
}

// newDoc computes the features of every sentence of a; stop holds the
// hashes (hashLower) of the stop words, minWords is the fewest words of a
// sentence that can be chosen, wt the scoring weights.
func newDoc(a *processor.Article, stop map[uint64]struct{}, minWords int, wt weights) *doc {
	english := a.IsEnglish()
	d := &doc{a: a, sents: make([]sentInfo, len(a.Sentences))}
	tf := make(map[uint64]int, len(a.Tokens)/2)
	paraSents := make([]int, len(a.Paragraphs)+1)
	for _, s := range a.Sentences {
		if s.Paragraph >= 0 && s.Paragraph < len(a.Paragraphs) {
			paraSents[s.Paragraph]++
		}
	}
	// One backing array for every sentence's content words.
	all := make([]uint64, 0, len(a.Tokens)/2+1)
	badPara := paraStory // verdict on the paragraph of the last sentence
	badParaIdx := -2
	anyEligible := false
	for i, s := range a.Sentences {
		si := &d.sents[i]
		si.factor = 1
		first := s.FirstToken + prefixTokens(a, s)
		si.skip = s.Start
		if first < s.EndToken {
			si.skip = a.Tokens[first].Start
		}
		personal := true // the personal penalty applies once
		lo := len(all)
		for k := first; k < s.EndToken && k < len(a.Tokens); k++ {
			t := a.Tokens[k]
			if t.Kind != processor.TokenWord && t.Kind != processor.TokenNumber {
				continue
			}
			si.words++
			w := a.Text[t.Start:t.End]
			if english && personal && isPersonal(w) {
				si.factor *= wt.personal
				personal = false
			}
			if t.Kind != processor.TokenWord || len(w) < 3 {
				continue
			}
			h := hashLower(w)
			if !isContent(w, h, english, stop) {
				continue
			}
			tf[h]++
			if !containsHash(all[lo:], h) {
				all = append(all, h)
			}
		}
		si.content = all[lo:len(all):len(all)]
		if s.Paragraph != badParaIdx {
			badParaIdx = s.Paragraph
			badPara = paraStory
			if s.Paragraph >= 0 && s.Paragraph < len(a.Paragraphs) {
				badPara = paragraphKind(a, a.Paragraphs[s.Paragraph])
			}
		}
		ok := si.words > 0 && !isQuestion(a, s) && !isByline(a, s, first) && !isBoilerplate(a.Text[s.Start:s.End])
		si.eligible = ok && badPara == paraStory
		si.relaxed = ok && badPara == paraUnpunctuated
		anyEligible = anyEligible || si.eligible && si.words >= minWords
		if s.Paragraph >= 0 && s.Paragraph < len(a.Paragraphs) && paraSents[s.Paragraph] == 1 && si.words < 15 {
			si.factor *= wt.caption
		}
		if first < s.EndToken && isOpenQuote(a.Text[a.Tokens[first].Start:a.Tokens[first].End]) {
			si.factor *= wt.quote
		}
	}
	// Text without final punctuation anywhere (some feeds strip it): then
	// unpunctuated paragraphs are story text after all.
	if !anyEligible {
		for i := range d.sents {
			d.sents[i].eligible = d.sents[i].eligible || d.sents[i].relaxed
		}
	}
	// Title words: a slice, in d's own array up to 16 words (a title has
	// a dozen or so).
	d.title = d.titleBuf[:0]
	for _, w := range strings.FieldsFunc(a.Title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' }) {
		if h := hashLower(w); isContent(w, h, english, stop) && !containsHash(d.title, h) {
			d.title = append(d.title, h)
		}
	}
	// Question paragraphs: those whose last sentence is a question.
	for i, s := range a.Sentences {
		if (i+1 == len(a.Sentences) || a.Sentences[i+1].Paragraph != s.Paragraph) && isQuestion(a, s) {
			d.questions++
		}
	}
	// Centrality: how much of the sentence's content recurs elsewhere.
	maxCent := 0.0
	cent := make([]float64, len(d.sents))
	for i := range d.sents {
		si := &d.sents[i]
		if len(si.content) == 0 {
			continue
		}
		sum := 0.0
		for _, h := range si.content {
			sum += math.Min(float64(tf[h]-1), 4)
		}
		cent[i] = sum / math.Sqrt(float64(len(si.content))+4)
		maxCent = math.Max(maxCent, cent[i])
	}
	ent := entityMass(a)
	maxEnt := 0.0
	for _, x := range ent {
		maxEnt = math.Max(maxEnt, x)
	}
	rank := 0
	for i := range d.sents {
		si := &d.sents[i]
		if !si.eligible {
			continue
		}
		pos := 1 / (1 + wt.decay*float64(rank))
		rank++
		c := 0.0
		if maxCent > 0 {
			c = cent[i] / maxCent
		}
		t := 0.0
		if len(d.title) > 0 {
			t = float64(titleHits(d.title, si.content)) / float64(len(d.title))
		}
		e := 0.0
		if maxEnt > 0 {
			e = ent[i] / maxEnt
		}
		si.score = (wt.position*pos + wt.centrality*c + wt.title*t + wt.entity*e) * si.factor
	}
	return d
}

// pick chooses the summary sentences, in document order.
func (p *Processor) pick(d *doc) []int {
	var cands []int
	for i, si := range d.sents {
		if si.eligible && si.words >= p.opts.MinSentenceWords {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	sort.SliceStable(cands, func(x, y int) bool { return d.sents[cands[x]].score > d.sents[cands[y]].score })
	picked := []int{cands[0]}
	words := d.lead + d.sents[cands[0]].words
	for _, c := range cands[1:] {
		if len(picked) >= p.opts.MaxSentences || words >= p.opts.MinWords {
			break
		}
		si := d.sents[c]
		if words+si.words > p.opts.MaxWords {
			continue
		}
		redundant := false
		for _, q := range picked {
			if jaccard(si.content, d.sents[q].content) > p.w.redundancy {
				redundant = true
				break
			}
		}
		if redundant {
			continue
		}
		picked = append(picked, c)
		words += si.words
	}
	sort.Ints(picked)
	return picked
}

// text returns the summary text of sentence i (without a dateline prefix).
func (d *doc) text(i int) string {
	s := d.a.Sentences[i]
	start := d.sents[i].skip
	if start < s.Start || start > s.End {
		start = s.Start
	}
	return trimUnbalancedQuotes(d.a.Text[start:s.End])
}

// trimUnbalancedQuotes drops a closing quotation mark at the end of t whose
// opening mark is in an earlier sentence, and an opening mark at the start
// whose closing mark is in a later one.
func trimUnbalancedQuotes(t string) string {
	straight := strings.Count(t, "\"")
	opens, closes := strings.Count(t, "“"), strings.Count(t, "”")
	switch {
	case strings.HasSuffix(t, "\"") && straight%2 == 1 && !strings.HasPrefix(t, "\""):
		t = strings.TrimSpace(t[:len(t)-1])
	case strings.HasSuffix(t, "”") && closes > opens:
		t = strings.TrimSpace(t[:len(t)-len("”")])
	case strings.HasPrefix(t, "\"") && straight%2 == 1:
		t = strings.TrimSpace(t[1:])
	case strings.HasPrefix(t, "“") && opens > closes:
		t = strings.TrimSpace(t[len("“"):])
	}
	return t
}

// titleHits counts the title words (hashes) found in content.
func titleHits(title, content []uint64) int {
	n := 0
	for _, h := range title {
		if containsHash(content, h) {
			n++
		}
	}
	return n
}

func containsHash(hs []uint64, h uint64) bool {
	for _, x := range hs {
		if x == h {
			return true
		}
	}
	return false
}

func jaccard(a, b []uint64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for _, x := range a {
		for _, y := range b {
			if x == y {
				inter++
				break
			}
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// isContent reports whether word w, of hash h, is a content word.
func isContent(w string, h uint64, english bool, stop map[uint64]struct{}) bool {
	if english {
		_, isStop := stop[h]
		return len(w) >= 3 && !isStop
	}
	return utf8.RuneCountInString(w) >= 5
}

// stopHashes returns the hashes of the English stop words.
func stopHashes() map[uint64]struct{} {
	list := keyphrases.StopwordList()
	m := make(map[uint64]struct{}, len(list))
	for _, w := range list {
		m[hashLower(w)] = struct{}{}
	}
	return m
}

// hashLower is FNV-1a over the lower-cased runes of w, with the curly
// apostrophe as a straight one.
func hashLower(w string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			h ^= uint64(c)
			h *= 1099511628211
			continue
		}
		r, size := utf8.DecodeRuneInString(w[i:])
		i += size - 1
		r = unicode.ToLower(r)
		if r == '’' {
			r = '\''
		}
		h ^= uint64(r)
		h *= 1099511628211
	}
	return h
}

// isPersonal reports first- and second-person pronouns, which a summary in
// the third person avoids, contractions included ("I'm", "we’ve").
func isPersonal(w string) bool {
	if i := strings.IndexAny(w, "'’"); i > 0 {
		w = w[:i]
	}
	switch w {
	case "I", "me", "my", "we", "We", "us", "our", "Our", "My", "you", "You", "your", "Your":
		return true
	}
	return false
}

func isOpenQuote(w string) bool {
	switch w {
	case "\"", "“", "'", "‘", "«", "„":
		return true
	}
	return false
}

// Paragraph kinds.
const (
	paraStory        = iota // story text
	paraUnpunctuated        // no final punctuation: a heading or caption line
	paraCredit              // an image credit or caption
)

// paragraphKind tells whether paragraph p reads as story text: it ends with
// final punctuation and carries no image credit or caption marker.
func paragraphKind(a *processor.Article, p processor.Span) int {
	t := a.SpanText(p)
	for _, m := range []string{"Image:", "Image copyright", "Image caption", "Photo:", "Photograph:", "Picture:", "Credit:", "Getty Images", "Photo credit", "Pictured:"} {
		if strings.Contains(t, m) {
			return paraCredit
		}
	}
	r, _ := utf8.DecodeLastRuneInString(t)
	if t == "" || !strings.ContainsRune(".!?\"”’')…", r) {
		return paraUnpunctuated
	}
	return paraStory
}

// isQuestion reports whether sentence s ends with a question mark (closing
// quotes aside).
func isQuestion(a *processor.Article, s processor.Sentence) bool {
	for k := s.EndToken - 1; k >= s.FirstToken && k >= 0 && k < len(a.Tokens); k-- {
		w := a.Text[a.Tokens[k].Start:a.Tokens[k].End]
		switch w {
		case "\"", "”", "’", "'", ")":
			continue
		}
		return w == "?"
	}
	return false
}

// isBoilerplate reports the notices news sites put above or below a story
// ("This exclusive interview features first-hand journalism by a Wikinews
// reporter. See the collaboration page for more details."), which say
// nothing about the story.
func isBoilerplate(t string) bool {
	for _, m := range []string{"first-hand journalism", "collaboration page for more details"} {
		if strings.Contains(t, m) {
			return true
		}
	}
	return false
}

// isByline reports bylines and credit lines: "By Jane Doe", "Reporting by
// ...", "Editing by ...".
func isByline(a *processor.Article, s processor.Sentence, first int) bool {
	if first >= s.EndToken {
		return false
	}
	w0 := a.Text[a.Tokens[first].Start:a.Tokens[first].End]
	n := s.EndToken - first
	if (w0 == "By" || w0 == "BY") && n <= 10 {
		return true
	}
	if first+1 < s.EndToken {
		w1 := a.Text[a.Tokens[first+1].Start:a.Tokens[first+1].End]
		if w1 == "by" && (w0 == "Reporting" || w0 == "Editing" || w0 == "Written" || w0 == "Compiled" || w0 == "Additional") {
			return true
		}
	}
	return false
}

// prefixTokens returns how many tokens at the start of s form a dateline
// ("Thursday, May 7, 2015") or a wire prefix ("PARIS (Reuters) -"), which
// the summary leaves out.
func prefixTokens(a *processor.Article, s processor.Sentence) int {
	toks := a.Tokens[s.FirstToken:min(s.EndToken, len(a.Tokens))]
	// Dateline: calendar words, numbers and commas.
	n, cal, num := 0, false, false
	for n < len(toks) && n < 8 {
		w := a.Text[toks[n].Start:toks[n].End]
		switch {
		case isCalendarWord(w):
			cal = true
		case toks[n].Kind == processor.TokenNumber:
			num = true
		case w == "," || w == ".":
		default:
			goto done
		}
		n++
	}
done:
	if cal && num && n >= 2 {
		for n < len(toks) && isDash(a.Text[toks[n].Start:toks[n].End]) {
			n++
		}
		return n
	}
	// Wire prefix: an upper-case place, maybe "(Reuters)", then a dash.
	if len(toks) > 0 && isAllCaps(a.Text[toks[0].Start:toks[0].End]) {
		for k := 1; k < len(toks) && k < 8; k++ {
			w := a.Text[toks[k].Start:toks[k].End]
			if isDash(w) {
				return k + 1
			}
			r, _ := utf8.DecodeRuneInString(w)
			if !(unicode.IsUpper(r) || w == "(" || w == ")" || w == "," || w == "/") {
				break
			}
		}
	}
	return 0
}

func isDash(w string) bool {
	return w == "-" || w == "–" || w == "—" || w == "--" || w == ":"
}

func isAllCaps(w string) bool {
	if len(w) < 2 {
		return false
	}
	for _, r := range w {
		if !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

func isCalendarWord(w string) bool {
	switch strings.TrimSuffix(w, ".") {
	case "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
		"January", "February", "March", "April", "May", "June", "July", "August",
		"September", "October", "November", "December",
		"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
		"date", "Updated", "Published":
		return true
	}
	return false
}

// entityMass returns, per sentence of a, the summed salience of the
// distinct entities (of the entities stage) mentioned in it: a sentence
// about the story's main actors weighs more.
func entityMass(a *processor.Article) []float64 {
	out := make([]float64, len(a.Sentences))
	if len(a.Entities) == 0 {
		return out
	}
	for _, e := range a.Entities {
		last := -1
		for _, sp := range e.Spans {
			i := sort.Search(len(a.Sentences), func(k int) bool { return a.Sentences[k].End > sp.Start })
			if i < len(a.Sentences) && i != last && a.Sentences[i].Start <= sp.Start {
				out[i] += e.Salience
				last = i
			}
		}
	}
	return out
}
