// Package status is newsflow's built-in live status page: the first thing a
// user of `newsflow demo` sees, with no Prometheus or Grafana running.
//
// The page shows live throughput (records consumed and finished per second,
// by outcome), end-to-end latency quantiles, consumer lag per partition, the
// dead-letter count by reason, the latest enriched articles with their
// entities and quotes, the most frequent entities of the last minutes, and
// "stories": the largest clusters of near-duplicate articles (by
// processor.Article.Dedup.Cluster). Like everything Observe feeds, the
// stories count only the articles this instance processed; with several
// instances each page shows its own share.
//
// With a trends aggregation (Options.Trends, e.g. an adapter of
// processor/trends' Aggregator.Top), the top-entity panel becomes "Trending
// entities": the aggregation's open event-time windows of the partitions
// that instance owns, with each entity's count in its window, its
// baseline, its burst score and the trending flag — the same values as the
// trend records of the trends topic. Without one it ranks the entities of
// the articles Observe saw in the last Options.Window.
//
// It is built from these sources:
//
//   - a prometheus.Gatherer (the registry internal/metrics registers on),
//     sampled every second by Run; rates and latency quantiles are derived
//     from the differences between samples, exactly as Prometheus' rate()
//     and histogram_quantile() would, so the page and a Grafana dashboard
//     agree;
//   - Observe, called by the engine once per enriched article after its
//     output is acknowledged; it copies a bounded summary of the article;
//   - Options.Trends, when set, called at most once per second while the
//     page is polled.
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
// a top-entity window of fixed-size buckets with a cap on distinct names,
// Options.MaxStories near-duplicate clusters (each with a clipped title
// and at most 5 members; the least recently updated single-article clusters
// are evicted first), and Options.TopEntities trend windows (each with at
// most 3 article ids).
package status
