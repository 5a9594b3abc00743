package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws the one-line status of `newsflow publish` on a terminal —
// a bar that only ever fills, the count out of the total, the rate and the
// time left — and is silent elsewhere (a file, a pipe, a CI log).
type progress struct {
	w     io.Writer
	tty   bool
	total int // records to publish; < 0: not known (stdin, --loop)
	start time.Time
	last  time.Time
	now   func() time.Time
}

// barWidth keeps the whole line within 80 columns.
const barWidth = 20

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, now: time.Now}
	p.start = p.now()
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// update shows that n records are published, at most ten times a second
// (and always for the last one).
func (p *progress) update(n int) {
	if !p.tty {
		return
	}
	now := p.now()
	if now.Sub(p.last) < 100*time.Millisecond && n != p.total {
		return
	}
	p.last = now
	// Back to the start of the line, then clear what a longer line left.
	fmt.Fprint(p.w, "\r"+p.line(n, now)+"\033[K")
}

// line is the status after n records at time now.
func (p *progress) line(n int, now time.Time) string {
	rate := 0.0
	if s := now.Sub(p.start).Seconds(); s > 0 {
		rate = float64(n) / s
	}
	if p.total < 0 {
		return fmt.Sprintf("%s  %s", plural(n, "record", "records"), formatRate(rate))
	}
	frac := 1.0
	if p.total > 0 {
		frac = min(1, float64(n)/float64(p.total))
	}
	filled := int(frac * barWidth)
	eta := "?"
	switch {
	case n >= p.total:
		eta = "0s"
	case rate > 0:
		eta = time.Duration(float64(p.total-n) / rate * float64(time.Second)).Round(time.Second).String()
	}
	return fmt.Sprintf("[%s%s] %d/%s %3d%%  %s  ETA %s",
		strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled),
		n, plural(p.total, "record", "records"), int(frac*100), formatRate(rate), eta)
}

func formatRate(r float64) string {
	if r < 10 {
		return fmt.Sprintf("%.1f/s", r)
	}
	return fmt.Sprintf("%.0f/s", r)
}

// done clears the line, so that what is printed next starts clean.
func (p *progress) done() {
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
