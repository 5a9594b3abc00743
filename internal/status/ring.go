package status

// ring is a fixed-capacity FIFO that overwrites its oldest element. It is
// not safe for concurrent use.
type ring[T any] struct {
	buf  []T
	next int // index of the next write
	n    int // number of valid elements
}

func newRing[T any](capacity int) ring[T] {
	return ring[T]{buf: make([]T, max(capacity, 1))}
}

func (r *ring[T]) push(v T) {
	r.buf[r.next] = v
	r.next = (r.next + 1) % len(r.buf)
	r.n = min(r.n+1, len(r.buf))
}

func (r *ring[T]) len() int { return r.n }

// at returns the i-th element, oldest first (0 <= i < len).
func (r *ring[T]) at(i int) *T {
	return &r.buf[(r.next-r.n+i+len(r.buf))%len(r.buf)]
}

// slice returns a copy of the elements, oldest first.
func (r *ring[T]) slice() []T {
	out := make([]T, r.n)
	for i := range out {
		out[i] = *r.at(i)
	}
	return out
}
