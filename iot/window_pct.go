package iot

import (
	"math"
	"slices"

	"github.com/DataDog/sketches-go/ddsketch/mapping"
)

// Device windows estimate percentiles with a compact log-bucket sketch:
// DDSketch's idea (a value goes to the bucket of its logarithm, so the
// value reported for a bucket is within a relative error α of every
// value in it), with DDSketch's own index mapping (the cubically
// interpolated one: no logarithm to compute), stored in four bytes a
// bucket. A DDSketch per pane, as group windows keep, would not fit a
// device's memory budget.
//
// Each bucket is one uint32 entry: the signed bucket key, offset by 2¹⁵,
// in the high half (so entries sort in value order) and its count in the
// low half. All panes' entries live in one slice per window, oldest pane
// first, so the newest pane's run (where nearly every reading goes) ends
// the slice and a pane sliding out leaves from its front. Each pane's run
// is sorted; pane.nb says how many entries a pane has. A pane sliding
// out only moves the slice's live start (Window.off) past its entries;
// the dead ones are reclaimed when the slice fills up. A count that would
// pass 65,535 continues in a second entry with the same key.
//
// A window holds at most its limit of entries: pctLimit for a device,
// groupPctLimit for a group. When a new bucket would not fit, every pane's buckets are merged in pairs (UDDSketch's uniform
// collapse): the relative error roughly doubles, stays bounded for every
// percentile, and Stats reports it.

const (
	// pctAlpha is the relative error before any collapse.
	pctAlpha = 0.01
	// pctBias keeps bucket magnitudes positive: magnitude = index + bias.
	// Magnitudes from 1 to pctMaxMag hold values from about 1e-140 to
	// 1e140; smaller and larger ones share the end buckets.
	pctBias = 1 << 14
	// pctMaxScale is the most collapses; after it a window grows instead.
	pctMaxScale = 13
	// pctLimit is the most entries a device window holds (256 bytes).
	pctLimit = 64
	// groupPctLimit is the most a group window holds (8 KiB): a group
	// has one window per metric and length, and many devices' values.
	groupPctLimit = 2048
	pctMaxMag     = 1<<15 - 1
	pctMaxCount   = 1<<16 - 1
)

// pctMapping maps magnitudes to bucket indexes.
var pctMapping = func() *mapping.CubicallyInterpolatedMapping {
	m, err := mapping.NewCubicallyInterpolatedMapping(pctAlpha)
	if err != nil {
		panic(err) // pctAlpha is a valid accuracy
	}
	return m
}()

// The mapping computes its bounds on every call; pctKey needs them for
// every reading.
var (
	pctMinIndexable = pctMapping.MinIndexableValue()
	pctMaxIndexable = pctMapping.MaxIndexableValue()
)

// pctKey is v's bucket key before any collapse: 0 for zero, the bucket
// magnitude for a positive v, minus it for a negative one. It is computed
// once a reading, for all of a device's windows.
func pctKey(v float64) int32 {
	if v == 0 || v != v {
		return 0
	}
	a := math.Abs(v)
	if a < pctMinIndexable {
		a = pctMinIndexable
	} else if a > pctMaxIndexable {
		a = pctMaxIndexable
	}
	i := int64(pctMapping.Index(a))
	m := int32(min(max(i+pctBias, 1), pctMaxMag))
	if v < 0 {
		return -m
	}
	return m
}

// pctScaled is key k after s collapses: magnitude ⌈m / 2^s⌉.
func pctScaled(k int32, s uint8) int32 {
	if k < 0 {
		return -pctScaled(-k, s)
	}
	return (k + 1<<s - 1) >> s
}

// pctValue is the value reported for bucket key k at scale s: the one
// with the same relative error to both ends of the bucket, which after s
// collapses covers 2^s of the mapping's buckets.
func pctValue(k int32, s uint8) float64 {
	if k == 0 {
		return 0
	}
	m := int(k)
	if m < 0 {
		m = -m
	}
	first := (m-1)<<s + 1 - pctBias // the mapping's first and last index in it
	last := m<<s - pctBias
	lo, hi := pctMapping.LowerBound(first), pctMapping.LowerBound(last+1)
	v := 2 * lo * hi / (lo + hi)
	if k < 0 {
		return -v
	}
	return v
}

// pctError is the relative error bound at scale s: a bucket of the
// mapping spans at most a factor γ = (1+α)/(1−α), so one of scale s at
// most γ^(2^s).
func pctError(s uint8) float64 {
	a := pctMapping.RelativeAccuracy()
	g := math.Pow((1+a)/(1-a), float64(int64(1)<<s))
	return (g - 1) / (g + 1)
}

func pctEntry(k int32, n uint32) uint32 { return uint32(k+1<<15)<<16 | n }
func pctEntryKey(e uint32) int32        { return int32(e>>16) - 1<<15 }
func pctEntryCount(e uint32) uint32     { return e & 0xffff }

// KeepPercentiles makes w estimate p50, p90 and p99 too, with at most
// limit sketch entries (4 bytes each) before it gives up precision. Call
// it before the first Add.
func (w *Window) KeepPercentiles(limit int) {
	w.pct, w.limit = true, uint16(min(max(limit, 16), 1<<15))
}

// live is the sketch entries of every pane, oldest pane first.
func (w *Window) live() []uint32 { return w.ents[w.off:] }

// paneRun is pane slot i's sketch entries.
func (w *Window) paneRun(i int) []uint32 {
	start := w.paneStart(i)
	return w.ents[start : start+int(w.panes[i].nb)]
}

// paneStart is where pane slot i's entries begin in ents.
func (w *Window) paneStart(i int) int {
	if i == int(w.slot) {
		return len(w.ents) - int(w.panes[i].nb)
	}
	start := int(w.off)
	for j := w.oldestSlot(); j != i; {
		start += int(w.panes[j].nb)
		if j++; j == len(w.panes) {
			j = 0
		}
	}
	return start
}

// pctAdd counts a value of key k0 (pctKey) in pane slot i's sketch.
func (w *Window) pctAdd(i int, k0 int32) {
	k := pctScaled(k0, w.scale)
	start := w.paneStart(i)
	run := w.ents[start : start+int(w.panes[i].nb)]
	j, _ := slices.BinarySearch(run, pctEntry(k, pctMaxCount)) // after k's entries
	if j > 0 && pctEntryKey(run[j-1]) == k && pctEntryCount(run[j-1]) < pctMaxCount {
		run[j-1]++
		return
	}
	if len(w.ents)-int(w.off) >= int(w.limit) && w.scale < pctMaxScale {
		w.collapse()
		w.pctAdd(i, k0)
		return
	}
	if len(w.ents) == cap(w.ents) {
		start -= int(w.off)
		w.grow()
	}
	w.ents = slices.Insert(w.ents, start+j, pctEntry(k, 1))
	w.panes[i].nb++
}

// grow makes room for one more entry: it moves the live entries to the
// front of the slice, or when none are dead, grows the slice to at most
// the window's limit unless it is past it already.
func (w *Window) grow() {
	live := w.live()
	if w.off > 0 {
		w.ents = w.ents[:copy(w.ents, live)]
		w.off = 0
		return
	}
	c := max(2*cap(live), 4)
	if cap(live) < int(w.limit) {
		c = min(c, int(w.limit))
	}
	w.ents = append(make([]uint32, 0, c), live...)
}

// collapse merges every pane's buckets in pairs: scale s+1's bucket is
// ⌈m/2⌉ of scale s's magnitude m, which keeps each run sorted.
func (w *Window) collapse() {
	w.scale++
	w.ents = w.ents[:copy(w.ents, w.live())]
	w.off = 0
	out := w.ents[:0]
	start := 0
	for k := w.head - int64(len(w.panes)) + 1; k <= w.head; k++ {
		i := mod(k, len(w.panes))
		run := w.ents[start : start+int(w.panes[i].nb)]
		start += len(run)
		first := len(out)
		for _, e := range run {
			key := pctScaled(pctEntryKey(e), 1)
			n := pctEntryCount(e)
			if last := len(out) - 1; last >= first && pctEntryKey(out[last]) == key && pctEntryCount(out[last])+n <= pctMaxCount {
				out[last] += n
				continue
			}
			out = append(out, pctEntry(key, n)) // out never passes the entry being read
		}
		w.panes[i].nb = uint16(len(out) - first)
		w.changed |= paneBit(i)
	}
	w.ents = out
}

// pctClearOldest empties the sketch of pane slot i, the oldest, whose
// entries start the slice.
func (w *Window) pctClearOldest(i int) {
	w.off += w.panes[i].nb
	if int(w.off) == len(w.ents) {
		w.ents, w.off = w.ents[:0], 0
	}
}

// percentiles sets s's p50, p90 and p99 from the sketches of the panes
// from..to (pane numbers), clamped to the exact min and max.
func (w *Window) percentiles(s *Stats, from, to int64) {
	var all []uint32
	var total uint64
	for k := from; k <= to; k++ {
		for _, e := range w.paneRun(mod(k, len(w.panes))) {
			all = append(all, e)
			total += uint64(pctEntryCount(e))
		}
	}
	if total == 0 {
		return
	}
	slices.Sort(all)
	qs := [3]float64{0.5, 0.9, 0.99}
	var out [3]float64
	var seen uint64
	q := 0
	for _, e := range all {
		seen += uint64(pctEntryCount(e))
		for q < len(qs) && float64(seen) > qs[q]*float64(total-1) {
			out[q] = min(max(pctValue(pctEntryKey(e), w.scale), s.Min), s.Max)
			q++
		}
	}
	s.P50, s.P90, s.P99 = out[0], out[1], out[2]
	s.QuantileError = pctError(w.scale)
}

// restoreSketch rebuilds the sketch from a checkpoint's runs, one per
// pane slot. A run out of order leaves the sketch empty: percentiles
// then start afresh rather than from buckets a search cannot find.
func (w *Window) restoreSketch(scale uint8, runs [][]uint32) {
	w.ents, w.off, w.scale = nil, 0, scale
	for i := range w.panes {
		w.panes[i].nb = 0
	}
	var ents []uint32
	for k := w.head - int64(len(w.panes)) + 1; k <= w.head; k++ {
		i := mod(k, len(w.panes))
		run := runs[i]
		if !slices.IsSorted(run) || len(run) > pctMaxCount || (len(run) > 0 && w.panes[i].n == 0) {
			for j := range w.panes {
				w.panes[j].nb = 0
			}
			return
		}
		ents = append(ents, run...)
		w.panes[i].nb = uint16(len(run))
	}
	w.ents = ents
}
