package trends

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// The trend and baseline values are written by hand: encoding cannot fail
// (so Process changes the state only when it succeeds), and it allocates
// one buffer.

// appendTrend appends the JSON form of t (the fields of Trend's tags, in
// order).
func appendTrend(b []byte, t *Trend) []byte {
	b = append(b, `{"schema":`...)
	b = strconv.AppendInt(b, int64(t.Schema), 10)
	b = append(b, `,"entity":{"name":`...)
	b = appendString(b, t.Entity.Name)
	b = append(b, `,"type":`...)
	b = appendString(b, t.Entity.Type)
	b = append(b, `},"window":{"start":"`...)
	b = t.Window.Start.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","end":"`...)
	b = t.Window.End.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `"},"count":`...)
	b = strconv.AppendInt(b, int64(t.Count), 10)
	b = append(b, `,"final":`...)
	b = strconv.AppendBool(b, t.Final)
	b = append(b, `,"articles":[`...)
	for i, id := range t.Articles {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, id)
	}
	b = append(b, `],"baseline":`...)
	b = appendFloat(b, t.Baseline)
	b = append(b, `,"score":`...)
	b = appendFloat(b, t.Score)
	b = append(b, `,"trending":`...)
	b = strconv.AppendBool(b, t.Trending)
	return append(b, '}')
}

// appendBaseline appends the JSON form of a baseline. Its floats round-trip
// exactly.
func appendBaseline(b []byte, bl *baseline) []byte {
	b = append(b, `{"mean":`...)
	b = appendFloat(b, bl.Mean)
	b = append(b, `,"var":`...)
	b = appendFloat(b, bl.Var)
	b = append(b, `,"n":`...)
	b = strconv.AppendInt(b, bl.N, 10)
	b = append(b, `,"last":`...)
	b = strconv.AppendInt(b, bl.Last, 10)
	return append(b, '}')
}

// appendFloat appends f as a JSON number, in the shortest form that reads
// back as f; NaN and infinities, which no computation here makes, as 0.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, '0')
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// appendString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
