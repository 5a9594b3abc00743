package trends

// NewMapStore returns the least Store, a map that keeps Put entries and
// none of Log's (as state.Store does) and no changelog, for the external
// tests' benchmarks.
func NewMapStore() Store { return &mapStore{m: map[string][]byte{}} }
