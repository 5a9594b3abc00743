package producer_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"testing"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/newsflow/newsflow/internal/broker"
	"github.com/newsflow/newsflow/producer"
	"github.com/newsflow/newsflow/record"
)

// BenchmarkWrite measures Write with each codec against the embedded
// broker (in process, over loopback TCP, sharing the CPUs with the
// producer) on enriched-article JSON of 6–20 KB, 500 records per Write.
// It reports records/s, MB/s of record values, and the bytes the client
// sent over TCP (every request included) per record and per byte of value.
//
// NEWSFLOW_BENCH_RECORDS=file.jsonl replaces the synthesized articles with
// the lines of file (e.g. real output read with `newsflow subscribe
// --format raw`); a Write then holds each line at most once.
//
//	go test -run '^$' -bench BenchmarkWrite -benchtime 3s ./producer/
func BenchmarkWrite(b *testing.B) {
	vals := benchValues(b)
	perWrite := min(500, len(vals))
	for _, codec := range []string{producer.CompressionNone, producer.CompressionGzip, producer.CompressionSnappy, producer.CompressionLz4, producer.CompressionZstd} {
		b.Run("codec="+codec, func(b *testing.B) {
			// The broker keeps every record in memory: cap what it retains,
			// or the heap (and its GC cost) grows with the run.
			br, err := broker.Start(broker.Options{Topics: []string{"out"}, Partitions: 3,
				Extra: []kfake.Opt{kfake.BrokerConfigs(map[string]string{"log.retention.bytes": "4000000"})}})
			if err != nil {
				b.Fatal(err)
			}
			defer br.Close()
			var wire atomic.Int64
			tr := &kafka.Transport{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return countingConn{c, &wire}, nil
			}}
			defer tr.CloseIdleConnections()
			p, err := producer.New(producer.Config{Brokers: br.Addrs(), Transport: tr, Compression: codec})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			recs := make([]record.Record, len(vals))
			for i, v := range vals {
				recs[i] = record.Record{Topic: "out", Key: fmt.Appendf(nil, "article-%d", i), Value: v}
			}
			ctx := context.Background()
			if err := p.Write(ctx, recs[:perWrite]); err != nil { // connections and metadata
				b.Fatal(err)
			}
			wire.Store(0)
			var n, raw int64
			next := 0
			for b.Loop() {
				if next+perWrite > len(recs) {
					next = 0
				}
				batch := recs[next : next+perWrite]
				next += perWrite
				if err := p.Write(ctx, batch); err != nil {
					b.Fatal(err)
				}
				if n/int64(perWrite)%16 == 0 {
					br.Cluster().ApplyRetention()
				}
				n += int64(len(batch))
				for i := range batch {
					raw += int64(len(batch[i].Value))
				}
			}
			s := b.Elapsed().Seconds()
			b.ReportMetric(float64(n)/s, "records/s")
			b.ReportMetric(float64(raw)/1e6/s, "MB/s")
			b.ReportMetric(float64(wire.Load())/float64(n), "wire-B/record")
			b.ReportMetric(float64(wire.Load())/float64(raw), "wire/raw")
			b.ReportMetric(float64(raw)/float64(n), "raw-B/record")
		})
	}
}

// BenchmarkCompress measures the codecs alone, as kafka-go applies them:
// one partition batch of about 1 MB of enriched articles compressed per
// op. It reports CPU time per record and the compressed/raw ratio.
func BenchmarkCompress(b *testing.B) {
	vals := benchValues(b)
	var batch [][]byte
	raw := 0
	for _, v := range vals {
		if raw+len(v) > 1_000_000 {
			break
		}
		batch, raw = append(batch, v), raw+len(v)
	}
	for _, tc := range []struct {
		name  string
		codec kafka.Compression
	}{{"gzip", kafka.Gzip}, {"snappy", kafka.Snappy}, {"lz4", kafka.Lz4}, {"zstd", kafka.Zstd}} {
		b.Run("codec="+tc.name, func(b *testing.B) {
			var out bytes.Buffer
			b.SetBytes(int64(raw))
			for b.Loop() {
				out.Reset()
				w := tc.codec.Codec().NewWriter(&out)
				for _, v := range batch {
					if _, err := w.Write(v); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(batch)), "µs/record")
			b.ReportMetric(float64(out.Len())/float64(raw), "out/raw")
		})
	}
}

func benchValues(b *testing.B) [][]byte {
	path := os.Getenv("NEWSFLOW_BENCH_RECORDS")
	if path == "" {
		return articleValues(2000)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var vals [][]byte
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 8<<20)
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			vals = append(vals, bytes.Clone(line))
		}
	}
	if err := sc.Err(); err != nil || len(vals) == 0 {
		b.Fatalf("read %s: %d records, %v", path, len(vals), err)
	}
	return vals
}

// countingConn counts the bytes written to a connection.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}
