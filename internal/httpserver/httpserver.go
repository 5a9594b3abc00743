// Package httpserver serves newsflow's read-only HTTP endpoints: /metrics
// (Prometheus text format from the injected registry), /healthz (the
// process is alive), /readyz (ready to do work: 200, else 503 with the
// reason) and, optionally, a status page at /. Only GET and HEAD are
// allowed; headers and request bodies are size-limited.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure New.
type Options struct {
	Addr     string                // listen address, e.g. ":9464" or "127.0.0.1:0"
	Gatherer prometheus.Gatherer   // required
	Ready    func() (bool, string) // required
	// Status, if set, serves "/" and everything not matched above.
	Status http.Handler
	Logger *slog.Logger
}

// Server is the HTTP server. Create it with New (which binds the port, so
// the address is known at once) and run it with Serve.
type Server struct {
	ln  net.Listener
	srv *http.Server
	log *slog.Logger
}

// New binds the listen address and builds the handlers.
func New(o Options) (*Server, error) {
	if o.Gatherer == nil || o.Ready == nil {
		return nil, errors.New("httpserver: gatherer and ready are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
		MaxRequestsInFlight: 8,
		Timeout:             10 * time.Second,
	}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		ok, why := o.Ready()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(w, why)
	})
	if o.Status != nil {
		mux.Handle("/", o.Status)
	} else {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprintln(w, "newsflow: /metrics /healthz /readyz")
		})
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("httpserver: listen on %q: %w (set --metrics-addr to a free HOST:PORT)", o.Addr, err)
	}
	return &Server{
		ln:  ln,
		log: o.Logger,
		srv: &http.Server{
			Handler:           readOnly(mux),
			ReadHeaderTimeout: 5 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       60 * time.Second,
			MaxHeaderBytes:    16 << 10,
		},
	}, nil
}

// Addr returns the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until ctx is done, then shuts down gracefully (bounded by
// 5 s) and returns nil; it returns an error if serving fails.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("httpserver: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("httpserver: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("httpserver: %w", err)
	}
	return nil
}

// readOnly allows GET and HEAD only and refuses request bodies.
func readOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "read-only: only GET and HEAD are allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.ContentLength > 0 {
			http.Error(w, "request bodies are not accepted", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 0)
		next.ServeHTTP(w, r)
	})
}
