package iot

import (
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
)

// quantileAccuracy is the relative error of reported percentiles: a
// reported p99 is within 1 % of a value whose rank is the 99th
// percentile.
const quantileAccuracy = 0.01

// QuantileWindow estimates percentiles over the same panes as a Window,
// with a DDSketch per pane: O(1) per reading, bounded relative error.
// Groups keep one per metric and window; devices keep a compact sketch
// in their Window instead (window_pct.go): a DDSketch per pane would not
// fit a device's memory budget.
type QuantileWindow struct {
	Len   time.Duration
	pane  int64
	panes []*ddsketch.DDSketch
	head  int64
	empty bool
}

// NewQuantileWindow returns a window of length l in panes panes (≤ 0:
// DefaultPanes).
func NewQuantileWindow(l time.Duration, panes int) *QuantileWindow {
	if panes <= 0 {
		panes = DefaultPanes
	}
	return &QuantileWindow{Len: l, pane: max(int64(l)/int64(panes), 1), panes: make([]*ddsketch.DDSketch, panes), empty: true}
}

// Add records v at event time t (unix ns); false for a reading older than
// the window.
func (w *QuantileWindow) Add(t int64, v float64) bool {
	k := t / w.pane
	if w.empty {
		w.head, w.empty = k, false
	}
	if k > w.head {
		steps := min(k-w.head, int64(len(w.panes)))
		for i := int64(1); i <= steps; i++ {
			if s := w.panes[mod(w.head+i, len(w.panes))]; s != nil {
				s.Clear()
			}
		}
		w.head = k
	}
	if k <= w.head-int64(len(w.panes)) {
		return false
	}
	i := mod(k, len(w.panes))
	if w.panes[i] == nil {
		s, err := ddsketch.LogCollapsingLowestDenseDDSketch(quantileAccuracy, 2048)
		if err != nil {
			return false
		}
		w.panes[i] = s
	}
	return w.panes[i].Add(v) == nil
}

// Quantiles returns the p50, p90 and p99 of the panes within Len before
// now, and false when there is nothing to report.
func (w *QuantileWindow) Quantiles(now int64) (p50, p90, p99 float64, ok bool) {
	if w.empty {
		return 0, 0, 0, false
	}
	nowK := now / w.pane
	var merged *ddsketch.DDSketch
	for k := max(nowK, w.head) - int64(len(w.panes)) + 1; k <= min(nowK, w.head); k++ {
		s := w.panes[mod(k, len(w.panes))]
		if s == nil || s.IsEmpty() {
			continue
		}
		if merged == nil {
			merged = s.Copy()
		} else if merged.MergeWith(s) != nil {
			return 0, 0, 0, false
		}
	}
	if merged == nil {
		return 0, 0, 0, false
	}
	qs, err := merged.GetValuesAtQuantiles([]float64{0.5, 0.9, 0.99})
	if err != nil {
		return 0, 0, 0, false
	}
	return qs[0], qs[1], qs[2], true
}

// quantState is a QuantileWindow as the group windows' checkpoint stores
// it: each pane's sketch in DDSketch's own encoding.
type quantState struct {
	Head  int64    `msgpack:"head"`
	Empty bool     `msgpack:"empty"`
	Panes [][]byte `msgpack:"panes"` // nil for a pane never used
}

func (w *QuantileWindow) state() *quantState {
	s := &quantState{Head: w.head, Empty: w.empty, Panes: make([][]byte, len(w.panes))}
	for i, p := range w.panes {
		if p != nil && !p.IsEmpty() {
			p.Encode(&s.Panes[i], false)
		}
	}
	return s
}

// restore sets w from s. A pane that does not decode starts empty; a
// window of another shape starts afresh.
func (w *QuantileWindow) restore(s *quantState) {
	if s == nil || len(s.Panes) != len(w.panes) {
		return
	}
	w.head, w.empty = s.Head, s.Empty
	for i, b := range s.Panes {
		if len(b) == 0 {
			continue
		}
		p, err := ddsketch.LogCollapsingLowestDenseDDSketch(quantileAccuracy, 2048)
		if err == nil && p.DecodeAndMergeWith(b) == nil {
			w.panes[i] = p
		}
	}
}
