// Package status is newsflow's built-in live status page: the first thing a
// user of `newsflow demo` sees, with no Prometheus or Grafana running.
//
// The page shows live throughput (records consumed and finished per second,
// by outcome), end-to-end latency quantiles, consumer lag per partition, the
// dead-letter count by reason, the latest enriched articles with their
// entities and quotes, and the most frequent entities of the last minutes.
//
// It is built from two sources:
//
//   - a prometheus.Gatherer (the registry internal/metrics registers on),
//     sampled every second by Run; rates and latency quantiles are derived
//     from the differences between samples, exactly as Prometheus' rate()
//     and histogram_quantile() would, so the page and a Grafana dashboard
//     agree;
//   - Observe, called by the engine once per enriched article after its
//     output is acknowledged; it copies a bounded summary of the article.
//
// Handler serves the page: "/" (an HTML page), "/static/…" (CSS, JavaScript
// and an icon, embedded in the binary with go:embed: no CDN, no build step)
// and "/api/status" (a JSON snapshot the page polls every 1.5 s). Everything
// is read-only: methods other than GET and HEAD get 405. Article data is
// untrusted input: the page inserts it with textContent only, under a
// Content-Security-Policy that allows no inline script and no other origin.
//
// Memory is bounded: Options.MaxArticles articles (each with truncated
// texts and a few entities and quotes), a fixed number of metric samples,
// and a top-entity window of fixed-size buckets with a cap on distinct names.
package status
