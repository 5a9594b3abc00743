package keyphrases

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/processor"
	"github.com/newsflow/newsflow/processor/textkey"
)

// Scoring constants (see the package doc).
const (
	properBonus = 1.3
	minRelScore = 0.25 // phrases under this share of the best are dropped (beyond MinPhrases)
	// maxCommonWords caps lower-case phrases; names may have MaxWords.
	maxCommonWords = 3
)

// lengthWeight weighs a phrase of n words: two and three words are the
// most telling.
func lengthWeight(n int) float64 {
	switch n {
	case 1:
		return 1
	case 2:
		return 1.3
	case 3:
		return 1.4
	}
	return 1.35
}

type cand struct {
	words     []uint64 // word hashes
	tf        int
	firstSent int
	span      processor.Span // the occurrence shown
	initial   bool           // span starts its sentence
	proper    bool           // capitalised away from a sentence start
	entity    bool
	salience  float64
	name      string // entity name, shown instead of span
	idf       float64
	score     float64
}

// tokInfo caches what extraction knows of a token.
type tokInfo struct {
	h         uint64  // wordHash
	idf       float64 // ln((N+1)/(df+1)) + 1
	up, known bool    // capitalised, and not at a sentence start
}

// extraction is the per-article scratch space; Processor keeps a pool.
type extraction struct {
	info     []tokInfo          // per token of the article; set for candidate words
	seen     map[uint64]float64 // word hash → idf
	cands    []cand
	index    map[uint64]int // phrase hash → index in cands
	docWords []uint64       // distinct word hashes of the article
	backing  []uint64       // word hashes of all candidates
}

// maxPooledTokens: scratch grown for a longer article is not pooled, so
// that one huge article does not pin its memory.
const maxPooledTokens = 20000

// reset empties ex for an article of n tokens.
func (ex *extraction) reset(n int) {
	if cap(ex.info) < n {
		ex.info = make([]tokInfo, n)
	} else {
		ex.info = ex.info[:n]
		clear(ex.info)
	}
	clear(ex.index)
	clear(ex.seen)
	ex.cands = ex.cands[:0]
	ex.docWords = ex.docWords[:0]
	ex.backing = ex.backing[:0]
}

// release returns ex to the pool.
func (p *Processor) release(ex *extraction) {
	if cap(ex.info) <= maxPooledTokens {
		p.scratch.Put(ex)
	}
}

// extract collects the candidate phrases of a. The caller releases the
// result.
func (p *Processor) extract(a *processor.Article) *extraction {
	ex, _ := p.scratch.Get().(*extraction)
	if ex == nil {
		ex = &extraction{index: make(map[uint64]int), seen: make(map[uint64]float64)}
	}
	ex.reset(len(a.Tokens))
	seen := ex.seen
	n := float64(p.sketch.Docs())
	for si, s := range a.Sentences {
		if s.FirstToken < 0 || s.EndToken > len(a.Tokens) || s.FirstToken > s.EndToken {
			continue
		}
		run := -1
		for k := s.FirstToken; k <= s.EndToken; k++ {
			ok, h := false, uint64(0)
			if k < s.EndToken {
				ok, h = p.candidateWord(a, k, s.FirstToken, s.EndToken)
			}
			if ok {
				in := &ex.info[k]
				in.h = h
				in.up, in.known = capitalised(a, k, s.FirstToken)
				idf, ok := seen[in.h]
				if !ok {
					idf = math.Log((n+1)/(float64(p.sketch.Count(in.h))+1)) + 1
					seen[in.h] = idf
					ex.docWords = append(ex.docWords, in.h)
				}
				in.idf = idf
				if run < 0 {
					run = k
				}
				continue
			}
			if run >= 0 {
				p.addRun(ex, a, si, s.FirstToken, run, k)
				run = -1
			}
		}
	}
	for _, e := range a.Entities {
		p.addEntity(ex, a, e, seen, n)
	}
	return ex
}

// candidateWord reports whether token k of the sentence [sentStart,
// sentEnd) can be part of a candidate phrase, and its wordHash.
func (p *Processor) candidateWord(a *processor.Article, k, sentStart, sentEnd int) (bool, uint64) {
	t := a.Tokens[k]
	if t.Kind != processor.TokenWord || t.End-t.Start < 2 {
		return false, 0
	}
	w := a.Text[t.Start:t.End]
	if w[0] == '\'' || strings.HasPrefix(w, "’") {
		return false, 0 // possessive "'s"
	}
	if c := w[0]; c >= 'a' && c <= 'z' && len(w) >= 5 {
		// Without a part-of-speech tagger, lower-case "-ly" adverbs and
		// "-ed" verb forms end a phrase ("rapidly", "approved").
		if e := w[len(w)-2:]; e == "ly" || e == "ed" {
			return false, 0
		}
	}
	plain, stemmed := wordHashes(w)
	if _, stop := p.stop[plain]; !stop {
		return true, stemmed
	}
	// A capitalised stop word inside a name: "New York City", "The Hague".
	if up, known := capitalised(a, k, sentStart); up && known && k+1 < sentEnd {
		switch strings.ToLower(w) {
		case "mr", "mrs", "ms", "dr", "i":
			return false, 0
		}
		n := a.Tokens[k+1]
		nw := a.Text[n.Start:n.End]
		r, _ := utf8.DecodeRuneInString(nw)
		np, _ := wordHashes(nw)
		_, nstop := p.stop[np]
		return n.Kind == processor.TokenWord && unicode.IsUpper(r) && !nstop, stemmed
	}
	return false, 0
}

// capitalised reports whether token k starts with a capital letter, and
// whether that says anything (not at the start of the sentence).
func capitalised(a *processor.Article, k, sentStart int) (upper, known bool) {
	t := a.Tokens[k]
	r, _ := utf8.DecodeRuneInString(a.Text[t.Start:t.End])
	upper = unicode.IsUpper(r)
	known = k != sentStart
	if k == sentStart+1 {
		// After an opening quotation mark at the start.
		if w := a.Text[a.Tokens[sentStart].Start:a.Tokens[sentStart].End]; w == "\"" || w == "“" || w == "‘" || w == "'" {
			known = false
		}
	}
	return upper, known
}

// addRun adds the candidate phrases of the run of tokens [i, j): the run is
// split where capitalisation changes ("Malian" | "migrant"), and each piece
// is given to addPiece, so that "housing plan" is counted inside "housing
// plan foresees" too.
func (p *Processor) addRun(ex *extraction, a *processor.Article, si, sentStart, i, j int) {
	// Name particles between capitalised words belong to the name:
	// "Osama bin Laden", "Ludwig van Beethoven".
	for k := i + 1; k+1 < j; k++ {
		if !ex.info[k].up && ex.info[k-1].up && ex.info[k+1].up && isParticle(a.SpanText(a.Tokens[k].Span)) {
			ex.info[k].up = true
		}
	}
	start := i
	upper, known := ex.info[i].up, ex.info[i].known
	for k := i + 1; k <= j; k++ {
		if k < j {
			up, kn := ex.info[k].up, ex.info[k].known
			if !known {
				// The piece so far is a sentence-initial word, whose
				// capital says nothing: it takes the case of the next.
				upper, known = up, kn
				continue
			}
			if !kn || up == upper {
				continue
			}
		}
		p.addPiece(ex, a, si, sentStart, start, k, upper && known)
		if k < j {
			start = k
			upper, known = ex.info[k].up, ex.info[k].known
		}
	}
}

// addPiece adds the candidates of the piece of tokens [i, j) of a run: a
// name is one candidate, without leading titles when two or more words
// remain ("Anne Hidalgo" from "Paris Mayor Anne Hidalgo"); other pieces
// give all their n-grams of up to three words.
func (p *Processor) addPiece(ex *extraction, a *processor.Article, si, sentStart, i, j int, name bool) {
	if name {
		for k := j - 3; k >= i; k-- {
			if isTitle(a.SpanText(a.Tokens[k].Span)) {
				i = k + 1
				break
			}
		}
		if j-i <= p.opts.MaxWords {
			ex.addPhrase(a, si, sentStart, i, j)
			return
		}
	}
	maxN := min(p.opts.MaxWords, maxCommonWords)
	for m := i; m < j; m++ {
		for n := 1; n <= maxN && m+n <= j; n++ {
			ex.addPhrase(a, si, sentStart, m, m+n)
		}
	}
}

// isParticle reports lower-case particles of personal names.
func isParticle(w string) bool {
	switch w {
	case "bin", "ibn", "al", "el", "de", "del", "della", "der", "den", "van", "von", "da", "di", "du", "dos", "das", "la", "le", "ten", "ter":
		return true
	}
	return false
}

// isTitle reports titles and offices that precede a personal name.
func isTitle(w string) bool {
	switch strings.TrimSuffix(w, ".") {
	case "President", "Dr", "Prof", "Professor", "Mr", "Mrs", "Ms", "Sir", "Dame", "Gen", "General",
		"Minister", "Senator", "Sen", "Governor", "Gov", "King", "Queen", "Prince", "Princess", "Pope",
		"Judge", "Justice", "Chancellor", "Mayor", "Secretary", "Rep", "Representative", "Chief",
		"Executive", "Officer", "Captain", "Capt", "Colonel", "Col", "Lt", "Lieutenant", "Sergeant",
		"Sgt", "Inspector", "Detective", "Director", "Chairman", "Chairwoman", "Ambassador",
		"Commissioner", "Councillor", "Bishop", "Archbishop", "Rev", "Sheikh", "Premier", "Spokesman",
		"Spokeswoman", "Coach", "Manager", "Founder", "Leader":
		return true
	}
	return false
}

// addPhrase adds one occurrence of the phrase of tokens [i, j).
func (ex *extraction) addPhrase(a *processor.Article, si, sentStart, i, j int) {
	ph := uint64(1469598103934665603)
	allUpper, anyKnown := true, false
	for _, in := range ex.info[i:j] {
		ph = mix(ph ^ in.h)
		allUpper = allUpper && in.up
		anyKnown = anyKnown || in.known
	}
	// A capital at the start of a sentence proves nothing by itself.
	proper := allUpper && anyKnown
	span := processor.Span{Start: a.Tokens[i].Start, End: a.Tokens[j-1].End}
	initial := i == sentStart || i == sentStart+1 && a.Tokens[sentStart].Kind == processor.TokenPunct
	if idx, ok := ex.index[ph]; ok {
		c := &ex.cands[idx]
		c.tf++
		c.proper = c.proper || proper
		if c.initial && !initial {
			c.span, c.initial = span, false
		}
		return
	}
	lo := len(ex.backing)
	idf := 0.0
	for _, in := range ex.info[i:j] {
		ex.backing = append(ex.backing, in.h)
		idf += in.idf
	}
	ex.index[ph] = len(ex.cands)
	ex.cands = append(ex.cands, cand{
		words:     ex.backing[lo:len(ex.backing):len(ex.backing)],
		tf:        1,
		firstSent: si,
		span:      span,
		initial:   initial,
		proper:    proper,
		idf:       idf / float64(j-i),
	})
}

// addEntity merges an entity of the entities stage into the candidates.
func (p *Processor) addEntity(ex *extraction, a *processor.Article, e processor.Entity, seen map[uint64]float64, n float64) {
	words := strings.FieldsFunc(e.Name, func(r rune) bool { return unicode.IsSpace(r) || r == ',' })
	if len(words) == 0 || len(words) > 6 {
		return
	}
	lo := len(ex.backing)
	ph := uint64(1469598103934665603)
	idf := 0.0
	for _, w := range words {
		h := wordHash(w)
		ex.backing = append(ex.backing, h)
		ph = mix(ph ^ h)
		wi, ok := seen[h]
		if !ok {
			wi = math.Log((n+1)/(float64(p.sketch.Count(h))+1)) + 1
			seen[h] = wi
			ex.docWords = append(ex.docWords, h)
		}
		idf += wi
	}
	idx, ok := ex.index[ph]
	if !ok {
		first := 0
		if len(e.Spans) > 0 {
			first = sentenceOf(a, e.Spans[0].Start)
		}
		idx = len(ex.cands)
		ex.index[ph] = idx
		ex.cands = append(ex.cands, cand{
			words:     ex.backing[lo:len(ex.backing):len(ex.backing)],
			firstSent: first,
			idf:       idf / float64(len(words)),
		})
	} else {
		ex.backing = ex.backing[:lo]
	}
	c := &ex.cands[idx]
	c.entity, c.proper, c.name = true, true, e.Name
	c.tf = max(c.tf, e.Mentions, 1)
	c.salience = max(c.salience, min(max(e.Salience, 0), 1))
}

// sentenceOf returns the index of the sentence holding byte offset off.
func sentenceOf(a *processor.Article, off int) int {
	i := sort.Search(len(a.Sentences), func(i int) bool { return a.Sentences[i].End > off })
	return min(i, max(len(a.Sentences)-1, 0))
}

// rank scores the candidates and returns the key phrases.
func (p *Processor) rank(a *processor.Article, ex *extraction) []processor.Keyphrase {
	if len(ex.cands) == 0 {
		return nil
	}
	absorbNames(ex)
	order := make([]int, 0, len(ex.cands))
	for i := range ex.cands {
		c := &ex.cands[i]
		if c.tf == 0 {
			continue // absorbed into a longer name
		}
		lb := lengthWeight(len(c.words))
		c.score = (1 + math.Log(float64(c.tf))) * (1 + 2/(2+float64(c.firstSent))) * c.idf * lb
		if c.proper {
			c.score *= properBonus
		}
		if c.entity {
			c.score *= 1 + c.salience
		}
		order = append(order, i)
	}
	if len(order) == 0 {
		return nil
	}
	// Only the best candidates need sorting: the selection below rarely
	// looks past the first few dozen (duplicates are skipped), so sort the
	// best 8×MaxPhrases and fall back to all when they do not suffice.
	better := func(x, y int) bool {
		cx, cy := ex.cands[x].score, ex.cands[y].score
		return cx > cy || cx == cy && x < y
	}
	all := order
	if k := 8 * p.opts.MaxPhrases; len(order) > k {
		order = bestK(order, k, better)
	}
	sort.Slice(order, func(x, y int) bool { return better(order[x], order[y]) })
	out, exhausted := p.pick(a, ex, order)
	if exhausted && len(order) < len(all) {
		sort.Slice(all, func(x, y int) bool { return better(all[x], all[y]) })
		out, _ = p.pick(a, ex, all)
	}
	return out
}

// bestK returns the k best of idx (better(x, y): x ranks before y), in no
// particular order, using a min-heap of size k. idx is not modified.
func bestK(idx []int, k int, better func(x, y int) bool) []int {
	h := make([]int, 0, k)
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			w := l // the worst child
			if r := l + 1; r < len(h) && better(h[l], h[r]) {
				w = r
			}
			if !better(h[i], h[w]) {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for _, x := range idx {
		switch {
		case len(h) < k:
			h = append(h, x)
			for i := len(h) - 1; i > 0; {
				parent := (i - 1) / 2
				if !better(h[parent], h[i]) {
					break
				}
				h[parent], h[i] = h[i], h[parent]
				i = parent
			}
		case better(x, h[0]):
			h[0] = x
			down(0)
		}
	}
	return h
}

// pick walks the candidates in order and returns the key phrases, skipping
// near-duplicates of those already taken; exhausted reports that order ran
// out before the list was complete.
func (p *Processor) pick(a *processor.Article, ex *extraction, order []int) (out []processor.Keyphrase, exhausted bool) {
	top := ex.cands[order[0]].score
	if top <= 0 {
		return nil, false
	}
	var picked []int
	for _, i := range order {
		if len(out) >= p.opts.MaxPhrases {
			return out, false
		}
		c := &ex.cands[i]
		if c.score < minRelScore*top && len(out) >= p.opts.MinPhrases {
			return out, false
		}
		dup := false
		for _, q := range picked {
			if containsSeq(c.words, ex.cands[q].words) || 2*shared(c.words, ex.cands[q].words) >= len(c.words) {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		text := display(a, c)
		if text == "" {
			continue
		}
		picked = append(picked, i)
		out = append(out, processor.Keyphrase{Text: text, Score: math.Round(c.score/top*1000) / 1000})
	}
	return out, len(out) < p.opts.MaxPhrases
}

// absorbNames merges a one-word name into the only longer name holding it
// ("Gassama" into "Mamoudou Gassama"), adding its occurrences; the merged
// candidate is left with tf 0.
func absorbNames(ex *extraction) {
	var names []int // proper candidates of several words
	for j := range ex.cands {
		if l := &ex.cands[j]; l.proper && len(l.words) > 1 {
			names = append(names, j)
		}
	}
	if len(names) == 0 {
		return
	}
	for i := range ex.cands {
		c := &ex.cands[i]
		if !c.proper || len(c.words) != 1 || c.entity {
			continue
		}
		into := -1
		for _, j := range names {
			l := &ex.cands[j]
			if l.tf == 0 || !containsSeq(l.words, c.words) {
				continue
			}
			if into >= 0 {
				into = -2 // ambiguous: two names hold it
				break
			}
			into = j
		}
		if into >= 0 {
			l := &ex.cands[into]
			l.tf += c.tf
			l.firstSent = min(l.firstSent, c.firstSent)
			c.tf = 0
		}
	}
}

// display returns the phrase as shown: the entity name, or an occurrence in
// the text (a sentence-initial capital lowered for common words).
func display(a *processor.Article, c *cand) string {
	if c.name != "" {
		return c.name
	}
	t := a.SpanText(c.span)
	if strings.ContainsAny(t, "\n\t\r") {
		t = strings.Join(strings.Fields(t), " ")
	}
	if c.initial && !c.proper {
		r, size := utf8.DecodeRuneInString(t)
		r2, _ := utf8.DecodeRuneInString(t[size:])
		if unicode.IsUpper(r) && unicode.IsLower(r2) {
			t = string(unicode.ToLower(r)) + t[size:]
		}
	}
	return t
}

// shared counts the words of a that are also in b.
func shared(a, b []uint64) int {
	n := 0
	for _, x := range a {
		for _, y := range b {
			if x == y {
				n++
				break
			}
		}
	}
	return n
}

// containsSeq reports whether needle occurs contiguously in hay.
func containsSeq(hay, needle []uint64) bool {
	if len(needle) == 0 || len(needle) > len(hay) {
		return false
	}
outer:
	for i := 0; i+len(needle) <= len(hay); i++ {
		for k, h := range needle {
			if hay[i+k] != h {
				continue outer
			}
		}
		return true
	}
	return false
}

// wordHash is the stemmed hash of wordHashes.
func wordHash(w string) uint64 {
	_, h := wordHashes(w)
	return h
}

// wordHashes returns FNV-1a hashes of w lower-cased, with the curly
// apostrophe as a straight one: plain, and stemmed, where a plural ending
// is removed ("balconies" → "balcony", "homes" → "home"; not "-ss", "-us",
// "-is").
func wordHashes(w string) (plain, stemmed uint64) {
	var buf [64]byte
	b := textkey.Append(buf[:0], w)
	plain = fnv(b)
	n := len(b)
	switch {
	case n > 4 && b[n-3] == 'i' && b[n-2] == 'e' && b[n-1] == 's':
		b = append(b[:n-3], 'y')
	case n > 3 && b[n-1] == 's' && b[n-2] != 's' && b[n-2] != 'u' && b[n-2] != 'i' && b[n-2] != '\'':
		b = b[:n-1]
	default:
		return plain, plain
	}
	return plain, fnv(b)
}

func fnv(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
