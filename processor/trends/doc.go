// Package trends finds trending entities: it counts the distinct articles
// that mention each person, organisation and place per event-time window,
// and scores each count against the entity's own history.
//
// It is two stages, run by two engines, with a repartition topic between
// them, as Kafka Streams does:
//
//   - Mentions, the last stage of the main pipeline, emits one mention
//     record per distinct entity of an article to the mentions topic
//     (e.g. newsflow.mentions), keyed "TYPE:canonical name", so that every
//     mention of an entity lands in one mentions partition.
//   - Aggregator, the only stage of the aggregation pipeline (its own
//     engine and consumer group on the mentions topic), counts them in the
//     partitioned state store of that partition and emits trend records to
//     the trends topic (e.g. newsflow.trends), keyed
//     "TYPE:name@window start".
//
// # Records
//
// A mention value (JSON; see Mention):
//
//	{"article":"a-17","event_time":"2024-06-01T10:15:00.000Z",
//	 "entity":{"name":"Jane Doe","type":"PERSON"},"title":"…"}
//
// A trend value (JSON; see Trend and schema/trends.schema.json), keyed
// "PERSON:Jane Doe@2024-06-01T10:00:00Z":
//
//	{"schema":1,"entity":{"name":"Jane Doe","type":"PERSON"},
//	 "window":{"start":"2024-06-01T10:00:00Z","end":"2024-06-01T11:00:00Z"},
//	 "count":14,"final":false,"articles":["a-17","a-12",…],
//	 "baseline":2.5,"score":7.273,"trending":true}
//
// A trend record is emitted for every mention applied to a window (and
// for the entity's open windows when its baseline changes), and once
// more, with "final": true, when the window closes. The latest record
// of a key is the window's current value; the final one is its last.
//
// # Event time and windows
//
// A mention's event time is its article's (processor.EventTime: the
// published time when it carries a time of day, else the input record's
// timestamp). Windows are aligned to the Unix epoch: tumbling windows of
// Options.Window (default 1 h) or, with Options.Hop, hopping windows of
// that size starting every Hop; a mention counts in every window that
// contains its event time.
//
// # Watermarks, lateness and finals
//
// Each mentions partition's watermark is the largest event time seen in it
// less Options.AllowedLateness (default 10 min). The stage watermark is the
// smallest watermark of the partitions this instance owns, leaving out the
// idle ones: those that have had no record for Options.IdleTimeout of wall
// time (default 1 min). A window closes when the stage watermark reaches
// its end: its final record is emitted, the entity's baseline updated and
// the window's state deleted. Each partition remembers, in its store, the
// watermark its windows were closed at, so a closed window never opens
// again, across restarts and rebalances too. A mention whose windows have
// all closed is late: it is counted (newsflow_trends_late_mentions_total)
// and not applied.
//
// Since every mention of an entity is in one partition, the other
// partitions only delay a window's close, never change its count. A
// window's final is emitted as a side output of a record of its own
// partition (the one whose processing moved the watermark past its end,
// or a later one): the outputs and state updates of a partition travel
// with that partition's records. So the windows of a partition that
// receives no more records stay open, their latest non-final record
// standing, until it receives one; the idle timeout only keeps such a
// partition from holding back the windows of the others.
//
// # Exactness and replays
//
// The store keeps the set of article ids counted per entity and window
// (not the consumed offsets): a mention that is processed again — an
// at-least-once replay after a crash or a failed write, a duplicate in the
// topic — finds its id in the set and is not counted again; it only emits
// the window's current value again. So the latest count of every key is
// the number of distinct article ids with that entity whose event time
// falls in the window, as long as none was late. After a restart the
// in-memory indexes are rebuilt from the changelog (Restoring) and
// counting goes on where the changelog left it; the trend records are a
// function of the stored state, so a replay re-emits the values the first
// run emitted.
//
// What a crash may cost depends on the engine's delivery:
//
//   - Exactly-once (transactions): the outputs of a batch, changelog
//     records included, commit with its offsets or not at all. After any
//     crash, restart or rebalance the results are those of an
//     uninterrupted run: every window gets exactly one final, with the
//     exact count.
//   - At-least-once: a crash between two writes costs nothing either. A
//     crash in the middle of a batch's write may leave part of its
//     records written. Nothing is counted twice and no final carries a
//     wrong count (see Aggregator.close for the order of the outputs that
//     ensures it), but a window that the interrupted batch closed may be
//     left without its final record, its latest record an earlier
//     update.
//
// # Store layout
//
// Each changelog record is small and independent of the window's size
// (integers in decimal):
//
//	w|<len(entity)>|<TYPE:name>|<window start, Unix ms>|<hash, 16 hex digits>
//	    → <event time, Unix ms>|<article id>: one article counted in one window
//	b|<TYPE:name> → {"mean","var","n","last"}: the entity's baseline
//	m|            → {"max","closed"}: the partition's largest event
//	                 time, and the watermark its windows were closed at
//
// A mention writes one w| record per window it counts in (Window/Hop of
// them), and usually an m| record; a window's close writes one tombstone
// per counted article and, for the windows that feed the baseline, a b|
// record. A baseline that has decayed below 0.01 is deleted: the entity is
// new again. The layout depends on Window and Hop: changing either needs
// a new changelog topic (or an emptied one).
//
// The w| entries are not kept in the store's memory (state.Store.Log),
// not even during a restore (Restoring.Take indexes them as they are
// read, tombstones included):
// the aggregator indexes them itself, each open window by the 64-bit
// hashes of its memberships and each partition by a set of them, plus the
// ids of each window's latest MaxArticles articles: about 100 bytes per
// membership instead of about 250 for the store's entry
// (BenchmarkMembershipMemory). The hash (xxHash64 of entity, window start
// and id) is in the key so that a close can write the tombstones from the
// index alone; the id is in the value so that a restore rebuilds the
// latest articles. Keys written by earlier versions, ending in the article
// id with the event time alone as the value, are read and deleted as they
// are.
//
// # Burst score
//
// The baseline of an entity is an exponentially weighted moving average
// (and variance) of its counts in earlier baseline windows, windows
// without a mention counting as 0, with smoothing Options.Alpha (default
// 0.1: about the last ten windows). Its first windows are averaged plainly
// (weight max(Alpha, 1/n) for the n-th), so that one window of history is
// enough. With hopping windows, only the windows that start on a multiple
// of Window (the non-overlapping ones) update it; every window is scored
// against it. The score is a z-score:
//
//	expected = max(mean, Floor)
//	score    = (count − expected) / sqrt(max(var, expected))
//
// a Poisson z-score against the baseline (a Poisson count's variance is its
// mean), widened when the entity's counts have varied more than that.
// Floor (default 1) stands for entities without history. A window is
// trending when count ≥ Options.MinCount (default 5) and score ≥
// Options.Threshold (default 4). An entity that appears with at least
// MinCount articles in its first window is trending: it surged from
// nothing. When a window closes, the entity's open windows are emitted
// again with their new score. Daily and weekly cycles are not modelled.
//
// On synthetic Poisson streams (hourly windows, steady rates of 2 to 40
// articles an hour, 9,300 windows) the default threshold flagged 0.06% of
// the steady windows (0.4% at threshold 3, none at 5), and caught, in six
// trials each, every tripling from 10 an hour, every five-fold rise from 5
// an hour and 11 of 12 doublings from 20 an hour; a tripling at 5 an hour
// was caught twice in six.
//
// # Running it
//
// The main pipeline ends with Mentions. The aggregation engine reads the
// mentions topic with its own consumer group and runs a pipeline of the
// Aggregator alone, with engine.Config.Workers = 1, so that Process calls
// come one at a time in input order per partition: the watermark and the
// order of the trend records of a key follow that order. Its claim hook is
// NewClaimHook(partitioned, aggregator) over a state.Partitioned on the
// changelog topic (restore the partition's store, indexing the
// memberships as they are read with Restoring.Take, then Restoring.Done;
// Dropped when the claim ends), in place of the store's own hook. Do not run the
// aggregator under processor.Timeout: an abandoned call would leave its
// state changed without its outputs written. For results that are exact
// across any crash, run the aggregation engine with exactly-once.
//
// Topics: the mentions topic (its partitions are the aggregation's
// parallelism); a changelog topic with state.ChangelogConfigs and at least
// as many partitions; the trends topic, which may be compacted, since the
// latest record of a key is its value.
package trends
