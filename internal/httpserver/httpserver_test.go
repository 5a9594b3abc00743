package httpserver_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsflow/newsflow/internal/httpserver"
)

func TestEndpoints(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "newsflow_test_value", Help: "x"})
	reg.MustRegister(g)
	g.Set(42)
	ready := false
	s, err := httpserver.New(httpserver.Options{Addr: "127.0.0.1:0", Gatherer: reg,
		Ready: func() (bool, string) {
			if ready {
				return true, "ok"
			}
			return false, "not in an active consumer-group generation"
		}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://" + s.Addr()
	get := func(method, path string, body io.Reader) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), method, base+path, body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("GET", "/metrics", nil); code != 200 || !strings.Contains(body, "newsflow_test_value 42") {
		t.Errorf("/metrics: %d %q", code, body)
	}
	if code, _ := get("GET", "/healthz", nil); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
	if code, body := get("GET", "/readyz", nil); code != 503 || !strings.Contains(body, "consumer-group") {
		t.Errorf("/readyz not ready: %d %q", code, body)
	}
	ready = true
	if code, _ := get("GET", "/readyz", nil); code != 200 {
		t.Errorf("/readyz ready: %d", code)
	}
	if code, _ := get("POST", "/metrics", strings.NewReader("x")); code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", code)
	}
	if code, _ := get("DELETE", "/healthz", nil); code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d, want 405", code)
	}
	if code, _ := get("GET", "/nope", nil); code != 404 {
		t.Errorf("unknown path: %d", code)
	}
}

func TestBadAddressFailsFast(t *testing.T) {
	_, err := httpserver.New(httpserver.Options{Addr: "256.0.0.1:99999", Gatherer: prometheus.NewRegistry(), Ready: func() (bool, string) { return true, "" }})
	if err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
		t.Fatalf("error %v", err)
	}
}
