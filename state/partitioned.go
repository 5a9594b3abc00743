package state

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/newsflow/newsflow/consumer"
	"github.com/newsflow/newsflow/record"
)

// Partitioned is a partitioned store: one Store per input partition,
// backed by the changelog partition of the same number (so the changelog
// needs at least as many partitions as the input). An instance restores
// only the partitions it claims. Methods are safe for concurrent use.
type Partitioned struct {
	cfg Config

	mu        sync.Mutex
	stores    map[int]*Store
	restoring map[int]time.Time
}

// NewPartitioned creates a partitioned store over cfg.Topic.
func NewPartitioned(cfg Config) (*Partitioned, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	return &Partitioned{cfg: cfg, stores: map[int]*Store{}, restoring: map[int]time.Time{}}, nil
}

// Restore reads changelog partition p from its beginning to its end
// (read_committed, to the high watermark it saw at its start, so it waits
// for the transactions open then to end; an abandoned one ends at its
// transaction timeout) into a new Store, which replaces any previous store of p,
// and returns it. It blocks until done or ctx ends. Call it when the
// input partition p is claimed, before any of its records is processed:
// the engine does (see engine.Config.ClaimHooks).
//
// take, when not nil, is given each changelog record first, in log order
// (value nil for a tombstone), from Restore's goroutine; a record it
// returns true for is not applied to the store. It is how a caller that
// indexes some entries itself (see Store.Log) rebuilds its index without
// the store holding them meanwhile.
func (ps *Partitioned) Restore(ctx context.Context, p int, take func(key string, value []byte) bool) (*Store, error) {
	m, name := ps.cfg.Metrics, ps.cfg.Name
	start := time.Now()
	ps.mu.Lock()
	ps.restoring[p] = start
	m.Restoring.WithLabelValues(name).Set(1)
	ps.mu.Unlock()
	defer func() {
		ps.mu.Lock()
		delete(ps.restoring, p)
		if len(ps.restoring) == 0 {
			m.Restoring.WithLabelValues(name).Set(0)
			m.RestoreRemaining.WithLabelValues(name).Set(0)
		}
		ps.mu.Unlock()
	}()
	s := &Store{topic: ps.cfg.Topic, partition: p, m: map[string][]byte{}, metrics: m, name: name}
	var n int64
	err := consumer.Read(ctx, consumer.ReadConfig{
		Brokers: ps.cfg.Brokers, Topic: ps.cfg.Topic, Partition: []int{p}, FromBeginning: true,
		Dialer: ps.cfg.Dialer, Transport: ps.cfg.Transport, Isolation: consumer.ReadCommitted, UntilEnd: true,
	}, func(r record.Record) error {
		n++
		m.RestoreRecords.WithLabelValues(name).Inc()
		m.RestoreRemaining.WithLabelValues(name).Set(float64(max(r.HighWaterMark-r.Offset-1, 0)))
		k := string(r.Key)
		if take != nil && take(k, r.Value) {
			return nil
		}
		s.apply(k, r.Value)
		return nil
	})
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("state: restore %s partition %d: %w", ps.cfg.Topic, p, err)
	}
	d := time.Since(start)
	m.RestoreSeconds.WithLabelValues(name).Set(d.Seconds())
	ps.cfg.Logger.Info("state: partition restored", "store", name, "topic", ps.cfg.Topic, "partition", p, "records", n, "keys", s.Len(), "seconds", d.Seconds())
	ps.mu.Lock()
	if old := ps.stores[p]; old != nil {
		old.release()
	}
	ps.stores[p] = s
	ps.mu.Unlock()
	s.publish()
	return s, nil
}

// Store returns the store of partition p, if it is restored.
func (ps *Partitioned) Store(p int) (*Store, bool) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	s, ok := ps.stores[p]
	return s, ok
}

// Drop forgets partition p (call it when the partition is revoked).
func (ps *Partitioned) Drop(p int) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if s := ps.stores[p]; s != nil {
		s.release()
		delete(ps.stores, p)
	}
}

// Ready reports false while a partition is being restored, naming them.
func (ps *Partitioned) Ready() (bool, string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if len(ps.restoring) == 0 {
		return true, "ok"
	}
	var parts []string
	for p := range ps.restoring {
		parts = append(parts, strconv.Itoa(p))
	}
	sort.Strings(parts)
	return false, fmt.Sprintf("state store %s: restoring partitions %s of changelog %s", ps.cfg.Name, strings.Join(parts, ","), ps.cfg.Topic)
}

// Store is the key→value state of one partition. Its methods are safe for
// concurrent use.
type Store struct {
	topic     string
	partition int
	metrics   *Metrics
	name      string

	mu    sync.Mutex
	m     map[string][]byte
	bytes int64
	// accounted: the store's size is in the series (from the end of its
	// restore until it is released).
	accounted bool
}

// Partition returns the store's partition.
func (s *Store) Partition() int { return s.partition }

// Get returns the value of key.
func (s *Store) Get(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return v, ok
}

// Put sets key to value (not nil) in memory and returns the changelog
// record that makes it durable, pinned to the store's partition: the
// caller writes it with the other outputs of the input record that caused
// the update (see the package doc). The store keeps value: do not modify
// it afterwards.
func (s *Store) Put(key string, value []byte) record.Record {
	if value == nil {
		value = []byte{}
	}
	s.apply(key, value)
	return record.Record{Topic: s.topic, Partition: s.partition, Pinned: true, Key: []byte(key), Value: value}
}

// Delete removes key in memory and returns the tombstone to write (see
// Put).
func (s *Store) Delete(key string) record.Record {
	s.apply(key, nil)
	return record.Record{Topic: s.topic, Partition: s.partition, Pinned: true, Key: []byte(key)}
}

// Log returns the changelog record that sets key to value (not nil)
// without keeping the entry in memory, and drops any value of key the
// store holds in memory. It is for a caller that keeps its own, more
// compact index of such entries: a restore still loads them into memory,
// for the caller to read with Range and then Forget, unless the caller
// takes them as they are read (see Restore). The record is pinned
// to the store's partition, as Put's. Delete writes their tombstones.
func (s *Store) Log(key string, value []byte) record.Record {
	if value == nil {
		value = []byte{}
	}
	s.apply(key, nil)
	return record.Record{Topic: s.topic, Partition: s.partition, Pinned: true, Key: []byte(key), Value: value}
}

// Forget drops from memory, without tombstones, every entry whose key
// starts with prefix (see Log). The changelog keeps them.
func (s *Store) Forget(prefix string) {
	s.mu.Lock()
	var dEntries, dBytes int64
	for k, v := range s.m {
		if strings.HasPrefix(k, prefix) {
			delete(s.m, k)
			dEntries--
			dBytes -= int64(len(k)+len(v)) + entryOverhead
		}
	}
	s.bytes += dBytes
	s.mu.Unlock()
	s.account(dEntries, dBytes)
}

// Len returns the number of keys.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// Range calls fn with every key and value, in no order, until it returns
// false. fn must not call the store's other methods.
func (s *Store) Range(fn func(key string, value []byte) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.m {
		if !fn(k, v) {
			return
		}
	}
}

// entryOverhead is the estimated memory of one map entry besides its key
// and value bytes (string and slice headers, map bucket share).
const entryOverhead = 64

func (s *Store) apply(key string, value []byte) {
	s.mu.Lock()
	var dEntries, dBytes int64
	if old, ok := s.m[key]; ok {
		dEntries--
		dBytes -= int64(len(key)+len(old)) + entryOverhead
	}
	if value == nil {
		delete(s.m, key)
	} else {
		s.m[key] = value
		dEntries++
		dBytes += int64(len(key)+len(value)) + entryOverhead
	}
	s.bytes += dBytes
	s.mu.Unlock()
	s.account(dEntries, dBytes)
}

// account adds a change of the store's size to the store's series (the
// partitions of an instance add up), once the store is published.
func (s *Store) account(dEntries, dBytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.accounted {
		return
	}
	s.metrics.Entries.WithLabelValues(s.name).Add(float64(dEntries))
	s.metrics.Bytes.WithLabelValues(s.name).Add(float64(dBytes))
}

// publish puts the restored store's size into the series.
func (s *Store) publish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounted = true
	s.metrics.Entries.WithLabelValues(s.name).Add(float64(len(s.m)))
	s.metrics.Bytes.WithLabelValues(s.name).Add(float64(s.bytes))
}

// release takes the store's size out of the series.
func (s *Store) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.accounted {
		return
	}
	s.accounted = false
	s.metrics.Entries.WithLabelValues(s.name).Sub(float64(len(s.m)))
	s.metrics.Bytes.WithLabelValues(s.name).Sub(float64(s.bytes))
}

// BeginClaim restores partition p when the engine claims it (it
// implements engine.ClaimHook for an engine whose input is the topic this
// store aggregates, partition for partition).
func (ps *Partitioned) BeginClaim(ctx context.Context, _ string, p int) error {
	_, err := ps.Restore(ctx, p, nil)
	return err
}

// EndClaim drops partition p when its claim ends.
func (ps *Partitioned) EndClaim(_ string, p int) { ps.Drop(p) }
