// Package shareddata finds the project's development data, the read-only
// ../shared/data folder beside the repository, for tests and benchmarks.
// Every accessor skips the test (never fails it) when the folder is absent:
// the project must not need it at run time or in its default tests.
package shareddata

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the path of shared/data, or skips tb when it is absent.
func Dir(tb testing.TB) string {
	tb.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		tb.Skip("shared data: cannot locate the source tree")
	}
	// file is <repo>/internal/shareddata/shareddata.go.
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "data")
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("shared data not available (%v): it lives in ../shared/data beside the repository", err)
	}
	return dir
}

// Path returns the path of a file of shared/data, or skips tb when it is
// absent.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(Dir(tb), name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared data file %s not available: %v", name, err)
	}
	return p
}

// Seed returns the BBC seed article (plain text; BBC copyright, read from
// shared/data and never copied into the repository), or skips tb.
func Seed(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, "seed-article.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// WikinewsBodies returns the bodies of the raw Wikinews development
// articles (wikinews-raw-dev.jsonl), or skips tb.
func WikinewsBodies(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open(Path(tb, "wikinews-raw-dev.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r struct {
			Body string `json:"body"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatalf("wikinews-raw-dev.jsonl: %v", err)
		}
		out = append(out, r.Body)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("wikinews-raw-dev.jsonl: %v", err)
	}
	return out
}
