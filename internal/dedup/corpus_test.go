package dedup_test

import (
	"bufio"
	"encoding/json"
	"html"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/newsflow/newsflow/internal/shareddata"
)

// This file builds the near-duplicate evaluation corpus from the raw
// Wikinews development articles, deterministically from a seed:
//
//   - Two thirds of the articles are stories; each appears once as is
//     (kind "orig"), six times as a light copy (kind "light": 2–10% of
//     its words deleted, replaced or cut with its last paragraphs) and
//     twice as a heavy copy (kind "heavy": 10–25%). Every copy may also
//     get a new headline, an agency prefix ("LONDON (Reuters) -") or a
//     byline, a paragraph moved, and boilerplate ("Share this article",
//     "Read more: <another headline>", a cookie notice, a copyright
//     line…), either as plain lines or inside an HTML page that
//     stripTags turns back into text (standing in for the clean stage).
//   - The other third is cut into chunks of at least 120 words: hard
//     negatives, each aimed at a story. Kind "names": the chunk with its
//     three main capitalised names replaced by the story's three main
//     names (a different story about the same people and places). Kind
//     "background": the same plus one paragraph of the story, at most a
//     quarter of the result (a different story that reuses a background
//     paragraph). Each is a story of its own.
//
// The stories themselves include natural hard negatives: two interviews
// about the same by-election share their introduction (word-bigram
// Jaccard 0.43).

// article is a raw Wikinews record.
type article struct {
	Title, Body string
}

func loadWikinews(t testing.TB) []article {
	t.Helper()
	f, err := os.Open(shareddata.Path(t, "wikinews-raw-dev.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []article
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var a article
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("wikinews-raw-dev.jsonl: %v", err)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// doc is one text of the corpus.
type doc struct {
	text  string
	story int     // ground truth: docs of one story are near-duplicates
	kind  string  // orig, light, heavy, names, background
	edit  float64 // share of the words edited, for copies
}

type corpus struct {
	docs []doc
}

// paras splits a body into paragraphs of words.
func paras(body string) [][]string {
	var out [][]string
	for p := range strings.SplitSeq(body, "\n\n") {
		if w := strings.Fields(p); len(w) > 0 {
			out = append(out, w)
		}
	}
	return out
}

func joinParas(ps [][]string) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = strings.Join(p, " ")
	}
	return strings.Join(s, "\n\n")
}

func countWords(ps [][]string) int {
	n := 0
	for _, p := range ps {
		n += len(p)
	}
	return n
}

var (
	agencyPrefixes = []string{
		"LONDON (Reuters) -", "WASHINGTON (AP) —", "PARIS, March 3 (AFP) -",
		"NEW YORK, 2 March 2026 /PRNewswire/ --", "BERLIN (dpa) -", "SYDNEY (AAP) -",
		"TOKYO (Kyodo) —", "NAIROBI, Kenya (AP) —",
	}
	bylines = []string{
		"By Jane Smith, Reuters", "By Tom Brown and Ana Lopez | Associated Press",
		"Staff reporter", "By Our Foreign Staff",
		"Reporting by Mark Jones; Editing by Alex Richardson",
	}
	headlinePrefixes = []string{"UPDATE 1-", "UPDATE 2-", "EXCLUSIVE-", "Breaking: ", "WRAPUP 1-", "", "Analysis: "}
	boilerplate      = []string{
		"Share this article",
		"Advertisement",
		"Follow us on Twitter and Facebook for the latest news.",
		"We use cookies to give you the best possible experience on our website. By continuing to browse this site you give consent for cookies to be used. For more details, including how you can amend your preferences, please read our Cookie Policy. Accept all cookies",
		"Sign up for our daily newsletter to receive the top stories in your inbox every morning.",
		"© 2026 Thomson Reuters. All rights reserved.",
		"Copyright 2026 The Associated Press. All rights reserved. This material may not be published, broadcast, rewritten or redistributed without permission.",
		"Our Standards: The Thomson Reuters Trust Principles.",
	}
)

// makeCopy returns a copy of a whose deleted, replaced and cut words are
// a share in [lo, hi] of its words (at least 2% word edits), and that
// share.
func makeCopy(rng *rand.Rand, a article, vocab []string, stories []article, lo, hi float64) (string, float64) {
	ps := paras(a.Body)
	n := countWords(ps)
	edits := int((lo+(hi-lo)*rng.Float64())*float64(n) + 0.5)
	minWord := max(1, int(0.02*float64(n)+0.5))
	edits = max(edits, minWord)
	// Cut trailing paragraphs when they fit the budget.
	cut := 0
	if rng.Float64() < 0.4 {
		for len(ps) > 2 && cut+len(ps[len(ps)-1])+minWord <= edits {
			cut += len(ps[len(ps)-1])
			ps = ps[:len(ps)-1]
			if rng.IntN(2) == 0 {
				break
			}
		}
	}
	// Delete or replace words at distinct positions.
	type pos struct{ p, w int }
	var all []pos
	for i, p := range ps {
		for j := range p {
			all = append(all, pos{i, j})
		}
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	wordEdits := min(edits-cut, len(all))
	deleted := map[pos]bool{}
	ps = slices.Clone(ps)
	for _, x := range all[:wordEdits] {
		if rng.IntN(2) == 0 {
			deleted[x] = true
		} else {
			ps[x.p] = slices.Clone(ps[x.p])
			ps[x.p][x.w] = vocab[rng.IntN(len(vocab))]
		}
	}
	var kept [][]string
	for i, p := range ps {
		var q []string
		for j, w := range p {
			if !deleted[pos{i, j}] {
				q = append(q, w)
			}
		}
		if len(q) > 0 {
			kept = append(kept, q)
		}
	}
	ps = kept
	// Move a paragraph.
	if len(ps) > 2 && rng.Float64() < 0.4 {
		i := 1 + rng.IntN(len(ps)-1)
		p := ps[i]
		ps = slices.Delete(ps, i, i+1)
		ps = slices.Insert(ps, 1+rng.IntN(len(ps)), p)
	}
	// Agency prefix or byline.
	switch rng.IntN(3) {
	case 0:
		ps[0] = append(strings.Fields(agencyPrefixes[rng.IntN(len(agencyPrefixes))]), ps[0]...)
	case 1:
		ps = slices.Insert(ps, 0, strings.Fields(bylines[rng.IntN(len(bylines))]))
	}
	// New headline: the title with a word replaced and a desk prefix.
	if rng.Float64() < 0.6 {
		h := strings.Fields(a.Title)
		if len(h) > 2 {
			h[rng.IntN(len(h))] = vocab[rng.IntN(len(vocab))]
		}
		h = append(strings.Fields(headlinePrefixes[rng.IntN(len(headlinePrefixes))]), h...)
		ps = slices.Insert(ps, 0, h)
	}
	// Boilerplate, inside an HTML page or as plain lines.
	var extra []string
	for _, b := range boilerplate {
		if rng.Float64() < 0.35 {
			extra = append(extra, b)
		}
	}
	if rng.IntN(2) == 0 {
		extra = append(extra, "Read more: "+stories[rng.IntN(len(stories))].Title)
	}
	share := float64(wordEdits+cut) / float64(n)
	if rng.IntN(2) == 0 {
		return stripTags(toHTML(rng, ps, extra)), share
	}
	for _, b := range extra {
		ps = slices.Insert(ps, rng.IntN(len(ps)+1), strings.Fields(b))
	}
	return joinParas(ps), share
}

func toHTML(rng *rand.Rand, ps [][]string, extra []string) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><title>News</title><script>var x = "<p>";</script></head>` +
		`<body><nav><a href="/">Home</a> <a href="/world">World</a></nav><article>`)
	for i, p := range ps {
		text := html.EscapeString(strings.Join(p, " "))
		if i == 0 {
			b.WriteString("<h1>" + text + "</h1>\n")
			continue
		}
		b.WriteString(`<p class="body">` + text + "</p>\n")
		if len(extra) > 0 && rng.Float64() < 0.2 {
			b.WriteString(`<div class="promo">` + html.EscapeString(extra[0]) + "</div>\n")
			extra = extra[1:]
		}
	}
	b.WriteString("</article>")
	for _, e := range extra {
		b.WriteString("<aside>" + html.EscapeString(e) + "</aside>")
	}
	b.WriteString("</body></html>")
	return b.String()
}

var (
	reDrop  = regexp.MustCompile(`(?is)<(script|style|head)\b.*?</(script|style|head)>`)
	reBlock = regexp.MustCompile(`(?i)</?(p|div|h[1-6]|li|ul|ol|article|aside|nav|footer|header|section|br|tr|table)\b[^>]*>`)
	reTag   = regexp.MustCompile(`<[^>]*>`)
)

// stripTags is a simple markup remover standing in for the clean stage:
// the fingerprinter expects clean text.
func stripTags(s string) string {
	s = reDrop.ReplaceAllString(s, " ")
	s = reBlock.ReplaceAllString(s, "\n\n")
	s = reTag.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	var ps []string
	for p := range strings.SplitSeq(s, "\n\n") {
		if f := strings.Fields(p); len(f) > 0 {
			ps = append(ps, strings.Join(f, " "))
		}
	}
	return strings.Join(ps, "\n\n")
}

var notNames = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`The A An He She It In On At For But And Or Of To By As If When While
		After Before This That These Those They We I You His Her Its Their Our Mr Mrs Ms Dr According
		However Also Some Many Most More There Here What Which Who Why How Wikinews Monday Tuesday
		Wednesday Thursday Friday Saturday Sunday January February March April May June July August
		September October November December`) {
		notNames[w] = true
	}
}

// topNames returns the k most frequent capitalised phrases of text that
// do not start a sentence (first occurrence breaks ties).
func topNames(text string, k int) []string {
	counts := map[string]int{}
	var order []string
	words := strings.Fields(text)
	sentenceStart := true
	for i := 0; i < len(words); {
		w := strings.Trim(words[i], `"'“”‘’(),;:`)
		end := strings.HasSuffix(words[i], ".") || strings.HasSuffix(words[i], "?") || strings.HasSuffix(words[i], "!")
		if sentenceStart || !capitalised(w) || notNames[w] {
			sentenceStart = end
			i++
			continue
		}
		phrase := []string{strings.TrimRight(w, ".")}
		j := i + 1
		for ; j < len(words) && !end; j++ {
			w2 := strings.Trim(words[j], `"'“”‘’(),;:`)
			if !capitalised(w2) || notNames[w2] {
				break
			}
			phrase = append(phrase, strings.TrimRight(w2, "."))
			end = strings.HasSuffix(words[j], ".")
		}
		if p := strings.Join(phrase, " "); len(p) > 2 {
			if counts[p] == 0 {
				order = append(order, p)
			}
			counts[p]++
		}
		i = j
		sentenceStart = end
	}
	slices.SortStableFunc(order, func(a, b string) int { return counts[b] - counts[a] })
	return order[:min(k, len(order))]
}

func capitalised(w string) bool {
	first, _ := utf8.DecodeRuneInString(w)
	last, _ := utf8.DecodeLastRuneInString(w)
	return utf8.RuneCountInString(w) > 1 && unicode.IsUpper(first) && unicode.IsLower(last)
}

func swapNames(text string, from, to []string) string {
	var pairs []string
	for i := range min(len(from), len(to)) {
		pairs = append(pairs, from[i], to[i])
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// buildCorpus builds the corpus of the file comment from arts.
func buildCorpus(arts []article, seed uint64) corpus {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	perm := rng.Perm(len(arts))
	nStory := len(arts) * 2 / 3
	stories := make([]article, nStory)
	for i := range stories {
		stories[i] = arts[perm[i]]
	}
	var chunks [][][]string
	for _, i := range perm[nStory:] {
		var cur [][]string
		for _, p := range paras(arts[i].Body) {
			cur = append(cur, p)
			if countWords(cur) >= 120 {
				chunks = append(chunks, cur)
				cur = nil
			}
		}
		if countWords(cur) >= 60 {
			chunks = append(chunks, cur)
		}
	}
	var vocab []string
	for _, a := range arts {
		vocab = append(vocab, strings.Fields(a.Body)...)
	}
	var c corpus
	names := make([][]string, nStory)
	for i, a := range stories {
		names[i] = topNames(a.Title+". "+a.Body, 3)
		c.docs = append(c.docs, doc{text: a.Body, story: i, kind: "orig"})
		for range 6 {
			t, e := makeCopy(rng, a, vocab, stories, 0.02, 0.10)
			c.docs = append(c.docs, doc{text: t, story: i, kind: "light", edit: e})
		}
		for range 2 {
			t, e := makeCopy(rng, a, vocab, stories, 0.10, 0.25)
			c.docs = append(c.docs, doc{text: t, story: i, kind: "heavy", edit: e})
		}
	}
	targets := rng.Perm(nStory)
	for ci, ch := range chunks {
		target := targets[ci%nStory]
		text := joinParas(ch)
		text = swapNames(text, topNames(text, 3), names[target])
		kind := "names"
		if ci%2 == 1 {
			kind = "background"
			sp := paras(stories[target].Body)
			tp := paras(text)
			n := countWords(tp)
			for _, k := range rng.Perm(len(sp)) {
				if 4*len(sp[k]) <= n+len(sp[k]) {
					tp = slices.Insert(tp, rng.IntN(len(tp)+1), sp[k])
					break
				}
			}
			text = joinParas(tp)
		}
		c.docs = append(c.docs, doc{text: text, story: nStory + ci, kind: kind})
	}
	return c
}

// stream returns the docs in a shuffled order in which each story's
// original comes first among its docs.
func (c corpus) stream(seed uint64) []doc {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := slices.Clone(c.docs)
	rng.Shuffle(len(d), func(i, j int) { d[i], d[j] = d[j], d[i] })
	first := map[int]int{}
	for i := range d {
		if p, ok := first[d[i].story]; !ok {
			first[d[i].story] = i
		} else if d[i].kind == "orig" {
			d[i], d[p] = d[p], d[i]
		}
	}
	return d
}
