package dedup

// slotTable is an open-addressing hash table of entry slots: linear
// probing, backward-shift deletion, no stored keys. Each table word holds
// a 27-bit slot number and a 5-bit tag taken from the key (0 is an empty
// word); a probe compares tags, and the caller confirms a tag match
// against the entry the slot names (1 in 31 tag matches is a false one).
// A word costs 4 bytes; the load stays between maxLoad/growth and maxLoad,
// so an entry costs about 5.6 bytes per table.
type slotTable struct {
	words []uint32
	n     int
}

// tkey is where a key goes: h picks the home word, tag (1…31) is kept.
type tkey struct {
	h   uint32
	tag uint32
}

// keyFunc returns the key of the entry in slot v.
type keyFunc func(v uint32) tkey

const (
	slotMask  = 1<<27 - 1
	tagShift  = 27
	maxLoad   = 0.85
	growth    = 1.4
	minTable  = 16
	shrinkLdr = 0.2 // shrink below this load
)

// makeKey derives a key from a hash: the high bits of h choose the home
// word, bits spreads its low bits over the tags.
func makeKey(h uint32, bits uint32) tkey {
	return tkey{h: h, tag: bits%31 + 1}
}

func (t *slotTable) home(h uint32) int { return int(uint64(h) * uint64(len(t.words)) >> 32) }

// each calls f with the slot of every word whose tag matches k, in probe
// order, until f returns false.
func (t *slotTable) each(k tkey, f func(v uint32) bool) {
	if len(t.words) == 0 {
		return
	}
	for i := t.home(k.h); ; {
		w := t.words[i]
		if w == 0 {
			return
		}
		if w>>tagShift == k.tag && !f(w&slotMask) {
			return
		}
		if i++; i == len(t.words) {
			i = 0
		}
	}
}

// insert adds slot v under k, growing the table first when it is full.
func (t *slotTable) insert(k tkey, v uint32, keyOf keyFunc) {
	if float64(t.n+1) > maxLoad*float64(len(t.words)) {
		t.resize(max(minTable, int(float64(len(t.words))*growth)), keyOf)
	}
	t.place(k, v)
	t.n++
}

func (t *slotTable) place(k tkey, v uint32) {
	i := t.home(k.h)
	for t.words[i] != 0 {
		if i++; i == len(t.words) {
			i = 0
		}
	}
	t.words[i] = k.tag<<tagShift | v
}

// remove deletes slot v, stored under k, and reports whether it was
// there. It shrinks the table when it is mostly empty.
func (t *slotTable) remove(k tkey, v uint32, keyOf keyFunc) bool {
	if len(t.words) == 0 {
		return false
	}
	want := k.tag<<tagShift | v
	i := t.home(k.h)
	for {
		w := t.words[i]
		if w == 0 {
			return false
		}
		if w == want {
			break
		}
		if i++; i == len(t.words) {
			i = 0
		}
	}
	// Backward shift: pull later members of the run into the hole when
	// their home allows it, so that no run is ever broken.
	hole := i
	for j := i; ; {
		if j++; j == len(t.words) {
			j = 0
		}
		w := t.words[j]
		if w == 0 {
			break
		}
		h := t.home(keyOf(w & slotMask).h)
		// j may move to hole unless its home lies cyclically in (hole, j].
		if hole <= j {
			if hole < h && h <= j {
				continue
			}
		} else if h > hole || h <= j {
			continue
		}
		t.words[hole] = w
		hole = j
	}
	t.words[hole] = 0
	t.n--
	if len(t.words) > minTable && float64(t.n) < shrinkLdr*float64(len(t.words)) {
		t.resize(max(minTable, int(float64(t.n)*growth/maxLoad)), keyOf)
	}
	return true
}

// resize rebuilds the table with size words.
func (t *slotTable) resize(size int, keyOf keyFunc) {
	old := t.words
	t.words = make([]uint32, size)
	for _, w := range old {
		if w != 0 {
			t.place(tkey{h: keyOf(w & slotMask).h, tag: w >> tagShift}, w&slotMask)
		}
	}
}

func (t *slotTable) capBytes() int64 { return 4 * int64(cap(t.words)) }
