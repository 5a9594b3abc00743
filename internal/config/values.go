package config

import (
	"errors"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EnvPrefix starts the name of every environment variable newsflow reads.
const EnvPrefix = "NEWSFLOW_"

// FlagName is the flag that the environment variable name sets, the
// inverse of EnvName: NEWSFLOW_METRICS_ADDR → metrics-addr. It returns ""
// when name does not start with EnvPrefix.
func FlagName(name string) string {
	rest, ok := strings.CutPrefix(name, EnvPrefix)
	if !ok || rest == "" {
		return ""
	}
	return strings.ToLower(strings.ReplaceAll(rest, "_", "-"))
}

// UnknownEnv returns, sorted and without duplicates, the names of the
// EnvPrefix variables in environ ("NAME=value" entries, as os.Environ
// returns them) for which known returns false. Other variables are not
// looked at.
func UnknownEnv(environ []string, known func(name string) bool) []string {
	seen := map[string]bool{}
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || seen[name] || known(name) {
			continue
		}
		seen[name] = true
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Suggest returns the candidate closest to s by edit distance when it is
// close enough to be a likely typo (at most 2 edits, and fewer than half of
// s), else "".
func Suggest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if c == s {
			continue
		}
		if d := distance(s, c); d < bestD && 2*d < len([]rune(s)) {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Expected describes the values a flag of type v accepts, for error
// messages and help: "a duration like 30s, 500ms or 1m30s", "true or
// false", "a whole number like 3", … It returns "" for a type it does not
// know (such as a List, which accepts any text).
func Expected(v flag.Value) string {
	g, ok := v.(flag.Getter)
	if !ok {
		return ""
	}
	switch g.Get().(type) {
	case time.Duration:
		return "a duration like 30s, 500ms or 1m30s"
	case bool:
		return "true or false"
	case int, int64:
		return "a whole number like 3"
	case uint, uint64:
		return "a whole number ≥ 0 like 16"
	case float64:
		return "a number like 2.5"
	}
	return ""
}

// valueError is a value that did not parse, told with the format the flag
// expects. It wraps the flag package's error.
type valueError struct {
	expected, hint string
	err            error
}

func (e *valueError) Error() string {
	var b strings.Builder
	if msg := e.err.Error(); msg != "parse error" || e.expected == "" {
		// The flag package says only "parse error" for every type; any
		// other message (a range error, a custom Value's) is worth keeping.
		b.WriteString(msg)
		if e.expected != "" {
			b.WriteString(": ")
		}
	}
	if e.expected != "" {
		b.WriteString("expected " + e.expected)
	}
	if e.hint != "" {
		b.WriteString(" (" + e.hint + ")")
	}
	return b.String()
}

func (e *valueError) Unwrap() error { return e.err }

// badValue explains err, the error of setting value on a flag of type v.
func badValue(v flag.Value, value string, err error) error {
	e := &valueError{expected: Expected(v), err: err}
	if g, ok := v.(flag.Getter); ok {
		if _, isDur := g.Get().(time.Duration); isDur {
			if _, nerr := strconv.ParseFloat(strings.TrimSpace(value), 64); nerr == nil {
				e.hint = "did you mean " + strings.TrimSpace(value) + "s?"
			}
		}
	}
	return e
}

// recordingValue wraps a flag's Value while the command line is parsed, to
// keep the first Set error with the flag's name: the flag package itself
// reports only "parse error".
type recordingValue struct {
	flag.Value
	name   string
	failed *error
}

func (r *recordingValue) Set(s string) error {
	err := r.Value.Set(s)
	if err != nil && *r.failed == nil {
		*r.failed = fmt.Errorf("--%s: invalid value %q: %w", r.name, s, badValue(r.Value, s, err))
	}
	return err
}

// IsBoolFlag keeps `--flag` without a value working for boolean flags.
func (r *recordingValue) IsBoolFlag() bool {
	b, ok := r.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// Get implements flag.Getter when the wrapped Value does.
func (r *recordingValue) Get() any {
	if g, ok := r.Value.(flag.Getter); ok {
		return g.Get()
	}
	return nil
}

// parseInterspersed parses args into fs, accepting flags after positional
// arguments too; "--" ends the flags. Afterwards fs.Args() holds the
// positional arguments in order.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var failed error
	orig := map[string]flag.Value{}
	fs.VisitAll(func(f *flag.Flag) {
		orig[f.Name] = f.Value
		f.Value = &recordingValue{Value: f.Value, name: f.Name, failed: &failed}
	})
	defer fs.VisitAll(func(f *flag.Flag) { f.Value = orig[f.Name] })
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return explainParse(fs, err, failed)
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if len(rest) == 0 || (consumed > 0 && args[consumed-1] == "--") {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// A final parse of "--" and the positional arguments sets fs.Args()
	// without touching the flags already set.
	return fs.Parse(append([]string{"--"}, positional...))
}

// explainParse turns an error of fs.Parse into one that says what to fix.
func explainParse(fs *flag.FlagSet, err, failed error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	if failed != nil {
		return failed
	}
	const undefined = "flag provided but not defined: "
	if name, ok := strings.CutPrefix(err.Error(), undefined); ok {
		name = strings.TrimLeft(name, "-")
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if s := Suggest(name, names); s != "" {
			return fmt.Errorf("%w: did you mean --%s? (run with -h for the list of flags)", err, s)
		}
	}
	return fmt.Errorf("%w (run with -h for the list of flags)", err)
}
