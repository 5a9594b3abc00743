package status

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var staticFiles embed.FS

// contentSecurityPolicy allows only this origin's own files: no inline
// script, no CDN, nothing article data could smuggle in.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// loadAssets returns the embedded static files and index.html rendered with
// title (html/template escapes it).
func loadAssets(title string) (fs.FS, []byte, error) {
	assets, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, nil, fmt.Errorf("status: static files: %w", err)
	}
	index, err := renderIndex(title)
	if err != nil {
		return nil, nil, err
	}
	return assets, index, nil
}

// renderIndex fills the page title into index.html (html/template escapes
// it).
func renderIndex(title string) ([]byte, error) {
	tpl, err := template.ParseFS(staticFiles, "static/index.html")
	if err != nil {
		return nil, fmt.Errorf("status: parse index.html: %w", err)
	}
	var b bytes.Buffer
	if err := tpl.Execute(&b, struct{ Title string }{title}); err != nil {
		return nil, fmt.Errorf("status: render index.html: %w", err)
	}
	return b.Bytes(), nil
}

// Handler serves the page:
//
//	GET /             the HTML page
//	GET /static/…     its CSS, JavaScript and icon (embedded)
//	GET /api/status   the JSON Snapshot (no caching)
//
// HEAD is accepted wherever GET is; any other method gets 405 Method Not
// Allowed, and unknown paths 404. The paths in the page are relative, so
// the handler may also be mounted under a prefix with http.StripPrefix.
func (p *Page) Handler() http.Handler {
	files := http.FileServerFS(p.assets)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(p.index)
	})
	mux.Handle("GET /static/", http.StripPrefix("/static", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "/index.html" {
			http.NotFound(w, r) // no directory listings; the page itself is at /
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})))
	mux.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
		body, err := json.Marshal(p.Snapshot())
		if err != nil {
			http.Error(w, "status: encode snapshot: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	})

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed: the status page is read-only", http.StatusMethodNotAllowed)
			return
		}
		mux.ServeHTTP(w, r)
	})
}
