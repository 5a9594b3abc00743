// Package testbin builds the newsflow binary for tests that run it as a
// real process (SIGTERM, kill -9, the browser and Prometheus tiers). It
// is for tests only.
package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Builder builds cmd/newsflow once and hands every test the same binary.
// Use one Builder per test package (a package-level value in a _test.go
// file); it is safe for concurrent use.
type Builder struct {
	// Env is added to the build's environment, e.g. "CGO_ENABLED=0".
	Env []string

	once sync.Once
	dir  string
	bin  string
	err  error
	out  []byte
}

// Newsflow returns the path of the built binary, building it on first use
// (go build, with the module's go command). It fails tb if the build fails.
func (b *Builder) Newsflow(tb testing.TB) string {
	tb.Helper()
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "newsflow-testbin-")
		if b.err != nil {
			return
		}
		b.bin = filepath.Join(b.dir, "newsflow")
		cmd := exec.Command("go", "build", "-o", b.bin, "github.com/newsflow/newsflow/cmd/newsflow")
		cmd.Env = append(os.Environ(), b.Env...)
		b.out, b.err = cmd.CombinedOutput()
	})
	if b.err != nil {
		tb.Fatalf("go build ./cmd/newsflow: %v\n%s", b.err, b.out)
	}
	return b.bin
}

// Cleanup removes the built binary; call it from TestMain after m.Run.
func (b *Builder) Cleanup() {
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}
