package state

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the state layer's series, labelled by store (prefix
// newsflow_state_). Register them with Collectors; one set serves every
// store of an instance.
type Metrics struct {
	// Restoring is 1 while a store is being restored from its changelog
	// (a Partitioned store: while any of its partitions is).
	Restoring *prometheus.GaugeVec
	// RestoreRecords counts changelog records read by restores.
	RestoreRecords *prometheus.CounterVec
	// RestoreRemaining estimates the changelog records left to restore.
	RestoreRemaining *prometheus.GaugeVec
	// RestoreSeconds is the duration of the last completed restore.
	RestoreSeconds *prometheus.GaugeVec
	// Updates counts changelog records applied after the restore (a
	// Global table following its changelog).
	Updates *prometheus.CounterVec
	// Invalid counts changelog records that could not be applied
	// (malformed values); they are logged and passed over.
	Invalid *prometheus.CounterVec
	// Entries and Bytes are the size of the in-memory table.
	Entries *prometheus.GaugeVec
	Bytes   *prometheus.GaugeVec
}

// NewMetrics creates an unregistered set.
func NewMetrics() *Metrics {
	l := []string{"store"}
	return &Metrics{
		Restoring: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "newsflow", Subsystem: "state", Name: "restoring",
			Help: "1 while the store is being restored from its changelog (the instance is not ready)."}, l),
		RestoreRecords: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "newsflow", Subsystem: "state", Name: "restore_records_total",
			Help: "Changelog records read by restores of the store."}, l),
		RestoreRemaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "newsflow", Subsystem: "state", Name: "restore_remaining_records",
			Help: "Changelog records left to read by the restore in progress (estimate; 0 when none is)."}, l),
		RestoreSeconds: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "newsflow", Subsystem: "state", Name: "restore_seconds",
			Help: "Duration of the store's last completed restore."}, l),
		Updates: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "newsflow", Subsystem: "state", Name: "changelog_updates_total",
			Help: "Changelog records applied after the restore (updates from any instance)."}, l),
		Invalid: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "newsflow", Subsystem: "state", Name: "changelog_invalid_total",
			Help: "Changelog records that could not be applied (logged and passed over)."}, l),
		Entries: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "newsflow", Subsystem: "state", Name: "entries",
			Help: "Entries in the store's in-memory table."}, l),
		Bytes: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: "newsflow", Subsystem: "state", Name: "bytes",
			Help: "Estimated memory held by the store's in-memory table."}, l),
	}
}

// Collectors returns every series, for registration.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Restoring, m.RestoreRecords, m.RestoreRemaining, m.RestoreSeconds, m.Updates, m.Invalid, m.Entries, m.Bytes}
}

// init creates the series of one store, so they are exported (as 0)
// before anything happens.
func (m *Metrics) init(store string) {
	m.Restoring.WithLabelValues(store)
	m.RestoreRecords.WithLabelValues(store)
	m.RestoreRemaining.WithLabelValues(store)
	m.RestoreSeconds.WithLabelValues(store)
	m.Updates.WithLabelValues(store)
	m.Invalid.WithLabelValues(store)
	m.Entries.WithLabelValues(store)
	m.Bytes.WithLabelValues(store)
}
