// Package faults proves newsflow's delivery guarantees under faults. Its
// tests run the real engine against a broker over TCP (the embedded kfake
// broker by default, Apache Kafka when $NEWSFLOW_TEST_BROKERS is set) and
// break things on purpose: kill -9 of the process mid-stream, injected
// produce/fetch/commit/metadata errors, a broker outage and restart, a
// rebalance storm, hostile records, a slow or unavailable output broker, and
// a long soak. Each test counts what was lost (asserted to be 0) and reports
// duplicates, recovery time and, where it matters, peak memory.
//
// The package itself holds the helpers the tests share: a Ledger that
// accounts input ids against the ids that came out (enriched or
// dead-lettered; safe for concurrent use), and FuzzPipeline, the fuzz body
// that every enrichment stage's package runs through the default pipeline.
// See RELIABILITY.md at the repository root for how to run each test and
// the figures of the last run.
package faults
