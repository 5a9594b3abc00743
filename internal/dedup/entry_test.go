package dedup_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/newsflow/newsflow/internal/dedup"
)

func sampleEntries(t testing.TB) []dedup.Entry {
	fp := newFP(t, dedup.Config{})
	sig := mustFingerprint(t, fp, sampleText)
	return []dedup.Entry{
		{ID: "bbc-2026-03-01-12345", Sig: sig, EventTime: 1_772_323_200_000, Cluster: "bbc-2026-03-01-12345", Origin: 3},
		{ID: "5f0c9c1e-8a7d-4b8e-9a51-3f2a6a0e9d11", Sig: sig, EventTime: 1_772_323_200_001, Cluster: "bbc-2026-03-01-12345", Origin: 0},
		{ID: "no-cluster", EventTime: -5, Origin: -1},
		{ID: "", Cluster: "", EventTime: math.MaxInt64, Origin: math.MaxInt32},
		{ID: "x", Cluster: "y", EventTime: math.MinInt64, Origin: math.MinInt32},
		{ID: "ünïcödé-記事-42", Sig: sig, Cluster: strings.Repeat("c", dedup.MaxIDLen)},
		{ID: strings.Repeat("i", dedup.MaxIDLen), Cluster: strings.Repeat("i", dedup.MaxIDLen)},
	}
}

func TestEntryRoundTrip(t *testing.T) {
	for _, e := range sampleEntries(t) {
		b, err := e.MarshalBinary()
		if err != nil {
			t.Fatalf("%.20q: MarshalBinary: %v", e.ID, err)
		}
		if b[0] != 1 {
			t.Errorf("%.20q: version byte %d, want 1", e.ID, b[0])
		}
		var got dedup.Entry
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("%.20q: UnmarshalBinary: %v", e.ID, err)
		}
		if got != e {
			t.Errorf("round trip: got %+v, want %+v", got, e)
		}
		b2, err := e.AppendBinary([]byte("prefix"))
		if err != nil || !bytes.Equal(b2[6:], b) {
			t.Errorf("%.20q: AppendBinary differs from MarshalBinary", e.ID)
		}
	}
}

// A typical entry (an id of 20–36 bytes, cluster = id) is compact.
func TestEntrySize(t *testing.T) {
	e := sampleEntries(t)[0]
	b, err := e.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 + dedup.SignatureSize + 6 + 1 + 1 + len(e.ID); len(b) != want {
		t.Errorf("encoded size %d, want %d", len(b), want)
	}
}

func TestEntryMarshalTooLong(t *testing.T) {
	long := strings.Repeat("x", dedup.MaxIDLen+1)
	for _, e := range []dedup.Entry{{ID: long}, {ID: "a", Cluster: long}} {
		if _, err := e.MarshalBinary(); !errors.Is(err, dedup.ErrIDTooLong) {
			t.Errorf("err = %v, want ErrIDTooLong", err)
		}
	}
}

func TestEntryUnmarshalRejects(t *testing.T) {
	good, err := sampleEntries(t)[1].MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	sigEnd := 2 + dedup.SignatureSize
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, dedup.ErrMalformed},
		{"version 0", mod(func(b []byte) []byte { b[0] = 0; return b }), dedup.ErrEntryVersion},
		{"version 2", mod(func(b []byte) []byte { b[0] = 2; return b }), dedup.ErrEntryVersion},
		{"JSON", []byte(`{"id":"x"}`), dedup.ErrEntryVersion},
		{"only a version", []byte{1}, dedup.ErrMalformed},
		{"unknown flag", mod(func(b []byte) []byte { b[1] |= 0x80; return b }), dedup.ErrMalformed},
		{"truncated signature", good[:sigEnd-1], dedup.ErrMalformed},
		{"no event time", good[:sigEnd], dedup.ErrMalformed},
		{"truncated id", good[:len(good)-1], dedup.ErrMalformed},
		{"trailing byte", append(bytes.Clone(good), 0), dedup.ErrMalformed},
		{"varint overflow", append(bytes.Clone(good[:sigEnd]), bytes.Repeat([]byte{0xff}, 11)...), dedup.ErrMalformed},
		{"origin out of range", func() []byte {
			b := bytes.Clone(good[:sigEnd])
			b = append(b, 0)                            // event time 0
			b = append(b, 0x80, 0x80, 0x80, 0x80, 0x10) // zig-zag 2^31: origin 2^31 > MaxInt32
			return append(b, 1, 'x', 1, 'y')
		}(), dedup.ErrMalformed},
		{"id longer than MaxIDLen", func() []byte {
			b := bytes.Clone(good[:sigEnd])
			b = append(b, 0, 0)
			b = append(b, 0x81, 0x20) // 4097
			return append(b, bytes.Repeat([]byte{'x'}, 4097)...)
		}(), dedup.ErrIDTooLong},
		{"huge id length", append(bytes.Clone(good[:sigEnd]), 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f), dedup.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := dedup.Entry{ID: "unchanged"}
			err := e.UnmarshalBinary(tt.data)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if e.ID != "unchanged" {
				t.Error("entry changed on error")
			}
		})
	}
}

// FuzzEntryUnmarshal: decoding arbitrary bytes never panics, and what
// decodes encodes back to something that decodes to the same entry.
func FuzzEntryUnmarshal(f *testing.F) {
	for _, e := range sampleEntries(f) {
		b, err := e.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0})
	f.Add([]byte(`{"id":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var e dedup.Entry
		if err := e.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, dedup.ErrMalformed) && !errors.Is(err, dedup.ErrEntryVersion) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrEntryVersion", err)
			}
			return
		}
		b, err := e.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded entry does not encode: %v", err)
		}
		var back dedup.Entry
		if err := back.UnmarshalBinary(b); err != nil || back != e {
			t.Fatalf("re-encoded entry decodes to %+v, %v; want %+v", back, err, e)
		}
	})
}
