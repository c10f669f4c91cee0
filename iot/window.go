package iot

import (
	"math"
	"time"
)

// Window aggregates readings over a sliding event-time window. The window
// is cut into panes; a reading updates one pane in O(1), whatever the
// window's length, and a query combines the panes in O(panes). The window
// slides a pane at a time: it covers the panes whose start lies within
// Len before the query time. Count, sum, mean, min, max and standard
// deviation are exact over those panes (Welford's method per pane, Chan's
// merge across panes).
type Window struct {
	Len   time.Duration
	pane  int64 // pane length, ns
	panes []pane
	head  int64 // number of the newest pane (event time / pane length)
	// changed has bit i set when pane i changed since the device's last
	// full checkpoint; bit 63 stands for pane 63 and every pane after it.
	changed uint64
	// Percentile sketches, when kept (window_pct.go): every pane's
	// buckets, pane slot by pane slot, and how often they were collapsed.
	ents  []uint32 // ents[off:] are live; a pane sliding out moves off on
	off   uint16
	slot  uint16 // head's pane slot, head mod len(panes): a reading needs no division to find its pane
	limit uint16 // most entries before a collapse
	scale uint8
	pct   bool
	empty bool // no reading yet
}

// pane holds the statistics of the readings in one pane.
type pane struct {
	n        uint32
	nb       uint16 // percentile sketch entries (window_pct.go)
	mean, m2 float64
	min, max float64
}

// DefaultPanes is how many panes a window is cut into, and MaxPanes the
// most it may be.
const (
	DefaultPanes = 12
	MaxPanes     = 4096
)

// NewWindow returns a window of length l cut into panes panes (≤ 0:
// DefaultPanes; at most MaxPanes).
func NewWindow(l time.Duration, panes int) *Window {
	if panes <= 0 {
		panes = DefaultPanes
	}
	panes = min(panes, MaxPanes)
	w := &Window{}
	w.init(l, make([]pane, panes))
	return w
}

// init sets up a window of length l over panes.
func (w *Window) init(l time.Duration, panes []pane) {
	*w = Window{Len: l, pane: max(int64(l)/int64(len(panes)), 1), panes: panes, empty: true}
}

// Add records value v at event time t (unix ns). It reports false, and
// records nothing, for a reading older than the window.
func (w *Window) Add(t int64, v float64) bool {
	var key int32
	if w.pct {
		key = pctKey(v)
	}
	return w.add(t, v, key)
}

// add is Add with v's percentile key (pctKey) computed by the caller,
// once for all of a metric's windows.
func (w *Window) add(t int64, v float64, key int32) bool {
	k := t / w.pane
	if w.empty {
		w.setHead(k)
		w.empty = false
	}
	if k > w.head {
		w.advance(k)
	}
	back := w.head - k // how many panes before the newest
	if back >= int64(len(w.panes)) {
		return false
	}
	i := int(w.slot) - int(back)
	if i < 0 {
		i += len(w.panes)
	}
	w.panes[i].add(v)
	if w.pct {
		w.pctAdd(i, key)
	}
	w.changed |= paneBit(i)
	return true
}

// paneBit is pane i's bit in Window.changed.
func paneBit(i int) uint64 { return 1 << min(i, 63) }

// setHead makes pane k the newest without clearing any.
func (w *Window) setHead(k int64) {
	w.head, w.slot = k, uint16(mod(k, len(w.panes)))
}

// advance makes pane k the newest, clearing the panes that slid out, one
// at a time: each is the oldest when it is cleared. Each pane is cleared
// once per pass over the ring: O(1) amortized.
func (w *Window) advance(k int64) {
	steps := min(k-w.head, int64(len(w.panes)))
	for range steps {
		j := w.oldestSlot()
		if w.pct {
			w.pctClearOldest(j)
		}
		w.panes[j] = pane{}
		w.changed |= paneBit(j)
		w.head, w.slot = w.head+1, uint16(j)
	}
	if w.head != k { // a jump past the whole ring: every pane is clear
		w.setHead(k)
	}
}

// oldestSlot is the slot of the oldest pane in the ring, the one after
// the newest.
func (w *Window) oldestSlot() int {
	if j := int(w.slot) + 1; j < len(w.panes) {
		return j
	}
	return 0
}

func mod(k int64, n int) int {
	m := k % int64(n)
	if m < 0 {
		m += int64(n)
	}
	return int(m)
}

func (p *pane) add(v float64) {
	if p.n == 0 {
		p.n, p.mean, p.m2, p.min, p.max = 1, v, 0, v, v
		return
	}
	p.n++
	d := v - p.mean
	p.mean += d / float64(p.n)
	p.m2 += d * (v - p.mean)
	p.min = min(p.min, v) // the builtins compile without branches
	p.max = max(p.max, v)
}

// Stats summarizes a window.
type Stats struct {
	Count  int     `json:"count" msgpack:"count"`
	Sum    float64 `json:"sum" msgpack:"sum"`
	Mean   float64 `json:"mean" msgpack:"mean"`
	Min    float64 `json:"min" msgpack:"min"`
	Max    float64 `json:"max" msgpack:"max"`
	Stddev float64 `json:"stddev" msgpack:"stddev"` // population standard deviation
	// Percentiles: a reported value is within QuantileError (relative)
	// of a value of that rank. Group windows keep them within 1 %; device
	// windows start at 1 % and give up precision, doubling the error,
	// when their sketches would outgrow the device memory budget.
	P50           float64 `json:"p50,omitempty" msgpack:"p50,omitempty"`
	P90           float64 `json:"p90,omitempty" msgpack:"p90,omitempty"`
	P99           float64 `json:"p99,omitempty" msgpack:"p99,omitempty"`
	QuantileError float64 `json:"quantile_error,omitempty" msgpack:"quantile_error,omitempty"`
}

// Stats returns the statistics of the panes within Len before now (unix
// ns).
func (w *Window) Stats(now int64) Stats {
	s, from, to := w.moments(now)
	if w.pct && s.Count > 0 {
		w.percentiles(&s, from, to)
	}
	return s
}

// moments is Stats without the percentiles, which cost the most, and
// with the first and last pane numbers merged.
func (w *Window) moments(now int64) (Stats, int64, int64) {
	var acc pane
	if w.empty {
		return Stats{}, 0, 0
	}
	// Panes in the window that still hold data: not after the newest
	// reading, not before the ring's oldest.
	nowK := now / w.pane
	from, to := max(nowK, w.head)-int64(len(w.panes))+1, min(nowK, w.head)
	for k := from; k <= to; k++ {
		acc.merge(w.panes[mod(k, len(w.panes))])
	}
	if acc.n == 0 {
		return Stats{}, from, to
	}
	return Stats{Count: int(acc.n), Sum: acc.mean * float64(acc.n), Mean: acc.mean, Min: acc.min, Max: acc.max,
		Stddev: math.Sqrt(acc.m2 / float64(acc.n))}, from, to
}

// merge adds another pane's statistics (Chan et al.'s parallel update).
func (p *pane) merge(o pane) {
	if o.n == 0 {
		return
	}
	if p.n == 0 {
		*p = o
		return
	}
	n := float64(p.n) + float64(o.n)
	d := o.mean - p.mean
	p.mean += d * float64(o.n) / n
	p.m2 += o.m2 + d*d*float64(p.n)*float64(o.n)/n
	p.n += o.n
	p.min = math.Min(p.min, o.min)
	p.max = math.Max(p.max, o.max)
}
