package status_test

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/newsflow/newsflow/internal/testbin"
)

// demoReadyExpr is true once the page served by `newsflow demo` shows
// enriched articles and live figures. It asks for less than readyExpr: what
// the demo's articles contain depends on the NLP stages, so entities and
// quotes are logged, not required.
const demoReadyExpr = `(() => {
  const n = (s) => document.querySelectorAll('[data-testid="' + s + '"]').length;
  const txt = (s) => (document.querySelector('[data-testid="' + s + '"]') || {}).textContent || '';
  const num = (s) => /[0-9]/.test(txt(s));
  return document.body.dataset.loaded === 'true' && Number(document.body.dataset.updates) >= 3 &&
    n('article') >= 3 && n('lag-row') >= 1 &&
    num('kpi-enriched-rate') && num('kpi-consumed-rate') && num('kpi-latency-p50') &&
    num('kpi-latency-p99') && num('kpi-lag-total') && num('kpi-dlq-total');
})()`

var demoAddrLine = regexp.MustCompile(`status page and /metrics at http://([0-9.]+:[0-9]+)/`)

// TestBrowserDemo builds the newsflow binary, runs `newsflow demo --rate 10`
// on a free loopback port, and loads its status page in the browser.
func TestBrowserDemo(t *testing.T) {
	ctx := newBrowser(t)

	var b testbin.Builder
	defer b.Cleanup()
	bin := b.Newsflow(t)

	cmd := exec.Command(bin, "demo", "--rate", "10", "--quiet", "--metrics-addr", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start newsflow demo: %v", err)
	}
	addrc := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := demoAddrLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case addrc <- m[1]:
				default:
				}
			}
		}
	})
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("signal newsflow demo: %v", err)
		}
		done := make(chan error, 1)
		go func() { wg.Wait(); done <- cmd.Wait() }()
		select {
		case err := <-done:
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				t.Errorf("newsflow demo exited with %v after SIGTERM, want 0", err)
			} else if err != nil {
				t.Errorf("newsflow demo: %v", err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("newsflow demo did not exit within 30 s of SIGTERM; killed")
		}
	}
	defer stop()

	var addr string
	select {
	case addr = <-addrc:
	case <-time.After(60 * time.Second):
		t.Fatal("newsflow demo did not print its status page address within 60 s")
	}
	url := "http://" + addr + "/"
	t.Logf("newsflow demo serves %s", url)
	if body := httpGet(t, url); !strings.Contains(body, `src="static/app.js"`) {
		t.Fatalf("newsflow demo does not serve the status page at / (it answers %.80q): "+
			"the engine must create status.New(registry, …), run Page.Run, call Page.Observe per acknowledged article "+
			"and pass Page.Handler() as httpserver.Options.Status", body)
	}

	checks := map[string]string{
		"the page is the status page":  `document.querySelector('[data-testid="articles"]') !== null`,
		"the page has a stories panel": `document.querySelector('[data-testid="stories"]') !== null`,
		"sparklines drawn":             `document.querySelectorAll('svg.spark path.line').length >= 2`,
	}
	pageCheck(t, ctx, url, demoReadyExpr, checks, "status-page-demo")

	// What the demo's articles carry depends on the NLP stages: log it.
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[string](`['article', 'entity', 'quote', 'top-entity', 'lag-row', 'dlq-reason', 'story']
	  .map((s) => s + '=' + document.querySelectorAll('[data-testid="' + s + '"]').length).join(' ')`))
	if err != nil {
		t.Errorf("count the page's elements: %v", err)
	}
	t.Logf("demo page shows: %s", counts)
	stop()
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return string(body)
}
