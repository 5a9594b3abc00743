package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/newsflow/newsflow/internal/config"
)

// cmdProbe is `newsflow probe`: an HTTP health check for images that have
// no shell or curl (the container image is the static binary alone). It
// exits 0 when the URL answers 200, 1 otherwise.
func cmdProbe(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("probe", flag.ContinueOnError)
	target := fs.String("url", "http://127.0.0.1:9464/readyz", "URL to check")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if err := config.NoArgs(fs); err != nil {
		return usageError{err}
	}
	u, err := url.Parse(*target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{fmt.Errorf("--url must be an http(s) URL such as http://127.0.0.1:9464/readyz, got %q", *target)}
	}
	if err := config.CheckPositive("timeout", *timeout); err != nil {
		return usageError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return usageError{err}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("probe %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("probe %s: %s: %s", u, resp.Status, body)
	}
	fmt.Fprintf(e.stdout, "%s: %s", u, body)
	return nil
}
