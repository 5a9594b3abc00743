package deploy

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// This file holds a small lexical analysis of PromQL: which series an
// expression selects, with which label matchers, and which labels it groups
// or matches on. It is written by hand on purpose: the only full PromQL
// parser is github.com/prometheus/prometheus/promql/parser, whose module
// would drag Prometheus's server dependency tree into go.mod for a test. The
// analysis only has to be right for the expressions in this directory, and
// the promtool and end-to-end tests check every expression with the real
// Prometheus parser and engine.

// selector is one vector selector: a series name and the labels it matches on.
type selector struct {
	name   string   // "" for a selector with only label matchers
	labels []string // label names used in matchers, in order
	nameRe string   // value of a __name__ matcher, if any
}

// promqlRefs is what an expression refers to.
type promqlRefs struct {
	selectors []selector
	grouping  []string // labels in by/without/on/ignoring/group_left/group_right
}

var (
	promString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	promRange    = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)`)
	promMatchers = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\}`)
	promMatcher  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")`)
	promIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promKeywords = map[string]bool{
		"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
		"and": true, "or": true, "unless": true, "bool": true, "offset": true, "atan2": true,
		"inf": true, "nan": true, "Inf": true, "NaN": true,
	}
)

// analyse extracts the selectors and grouping labels of a PromQL expression
// whose Grafana variables have already been replaced.
func analyse(expr string) (promqlRefs, error) {
	var refs promqlRefs
	// Matchers first, while their string values are still intact.
	rest := promMatchers.ReplaceAllStringFunc(expr, func(m string) string {
		sub := promMatchers.FindStringSubmatch(m)
		s := selector{name: sub[1]}
		body := sub[2]
		for _, mm := range promMatcher.FindAllStringSubmatch(body, -1) {
			if mm[1] == "__name__" {
				s.nameRe = strings.Trim(mm[3], `"`)
				continue
			}
			s.labels = append(s.labels, mm[1])
		}
		left := strings.TrimSpace(promMatcher.ReplaceAllString(body, ""))
		if strings.Trim(left, ", ") != "" {
			refs.selectors = append(refs.selectors, selector{name: "\x00bad matcher: " + body})
		}
		refs.selectors = append(refs.selectors, s)
		return " "
	})
	rest = promString.ReplaceAllString(rest, `""`)
	rest = promRange.ReplaceAllString(rest, " ")
	rest = promGrouping.ReplaceAllStringFunc(rest, func(m string) string {
		sub := promGrouping.FindStringSubmatch(m)
		for _, l := range strings.Split(sub[1], ",") {
			if l = strings.TrimSpace(l); l != "" {
				refs.grouping = append(refs.grouping, l)
			}
		}
		return " "
	})
	for _, loc := range promIdent.FindAllStringIndex(rest, -1) {
		id := rest[loc[0]:loc[1]]
		if promKeywords[id] {
			continue
		}
		if loc[0] > 0 && (isDigit(rest[loc[0]-1]) || rest[loc[0]-1] == '.') {
			continue // exponent or duration suffix such as 1e3
		}
		after := strings.TrimLeft(rest[loc[1]:], " \t\n")
		if strings.HasPrefix(after, "(") {
			continue // function or aggregation
		}
		refs.selectors = append(refs.selectors, selector{name: id})
	}
	for _, s := range refs.selectors {
		if strings.HasPrefix(s.name, "\x00") {
			return refs, fmt.Errorf("cannot read label matchers in %q", strings.TrimPrefix(s.name, "\x00bad matcher: "))
		}
	}
	if strings.Contains(expr, "$") {
		return refs, fmt.Errorf("unreplaced variable in %q", expr)
	}
	return refs, nil
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// check reports every series or label in expr that c does not know.
func (c catalogue) check(expr string) []string {
	refs, err := analyse(expr)
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	available := map[string]bool{}
	for _, l := range targetLabels {
		available[l] = true
	}
	for _, s := range refs.selectors {
		names := []string{s.name}
		if s.name == "" {
			names = c.matching(s.nameRe)
			if len(names) == 0 {
				problems = append(problems, fmt.Sprintf("selector {__name__=~%q} matches no known series", s.nameRe))
				continue
			}
		}
		for _, name := range names {
			info, ok := c[name]
			if !ok {
				problems = append(problems, fmt.Sprintf("unknown series %q", name))
				continue
			}
			for l := range info.labels {
				available[l] = true
			}
			for _, l := range s.labels {
				if !info.labels[l] {
					problems = append(problems, fmt.Sprintf("series %q has no label %q (has %s)", name, l, keys(info.labels)))
				}
			}
		}
	}
	for _, l := range refs.grouping {
		if !available[l] {
			problems = append(problems, fmt.Sprintf("grouping label %q is on none of the selected series", l))
		}
	}
	return problems
}

// matching returns the known series names matched by a __name__ regex.
func (c catalogue) matching(re string) []string {
	r, err := regexp.Compile("^(?:" + re + ")$")
	if err != nil {
		return nil
	}
	var out []string
	for name := range c {
		if r.MatchString(name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func keys(m map[string]bool) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
