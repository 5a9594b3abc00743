// Package consumer is newsflow's Kafka consumer-group member, built on
// kafka-go's ConsumerGroup/Generation API so that it sees every rebalance.
//
// For each partition assigned in a generation it runs a fetcher (started
// at the group's committed offset, fetched with OffsetFetch v7 and
// require_stable, so that an offset commit still pending in a transaction
// is waited for rather than read past; see OffsetFetcher) and hands the
// records to a Handler through a Claim.
// An offset is committed only when every record below it is Done (see
// Tracker), on an interval, when the generation ends (partitions revoked),
// and at shutdown. In-flight records and bytes per partition are bounded,
// so a slow handler slows fetching instead of growing memory. Lag per
// partition is computed from the high watermark and the committed offset
// (kafka-go's Reader.Lag is -1 inside a group).
package consumer
