package iot

import (
	"slices"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// Device checkpoints, format 1: one msgpack map per device under
// "dev/<device>", the whole state at every checkpoint. Servers no longer
// write it; restoreDevices still reads it, before the format-2 log, and
// the log's next snapshot deletes it. These types are also what a
// format-2 record decodes to.

type deviceState struct {
	Newest   int64                  `msgpack:"newest"`
	LastSeen int64                  `msgpack:"last_seen"`
	SeqHigh  uint64                 `msgpack:"seq_high,omitempty"`
	SeqSeen  uint64                 `msgpack:"seq_seen,omitempty"`
	Metrics  map[string]metricCheck `msgpack:"metrics"`
}

type metricCheck struct {
	Windows   []windowState        `msgpack:"windows"`
	Detectors []msgpack.RawMessage `msgpack:"detectors"`
}

type windowState struct {
	Len   time.Duration `msgpack:"len"`
	Head  int64         `msgpack:"head"`
	Empty bool          `msgpack:"empty"`
	Panes [][5]float64  `msgpack:"panes"` // n, mean, m2, min, max
	// A format-2 delta holds some of the window's NPanes panes: Panes[i]
	// is pane Slots[i].
	NPanes int   `msgpack:"-"`
	Slots  []int `msgpack:"-"`
	// A window's percentile sketch, per pane as Panes holds them, and its
	// scale: in format 3 and in the group windows' record.
	HasSketch bool       `msgpack:"has_sketch,omitempty"`
	Scale     uint8      `msgpack:"scale,omitempty"`
	Sketch    [][]uint32 `msgpack:"sketch,omitempty"`
}

// state is w as format 1 (and the group windows' record) stores it.
func (w *Window) state() windowState {
	s := windowState{Len: w.Len, Head: w.head, Empty: w.empty, Panes: make([][5]float64, len(w.panes))}
	for i, p := range w.panes {
		s.Panes[i] = [5]float64{float64(p.n), p.mean, p.m2, p.min, p.max}
	}
	if w.pct {
		s.HasSketch, s.Scale, s.Sketch = true, w.scale, make([][]uint32, len(w.panes))
		for i := range w.panes {
			s.Sketch[i] = slices.Clone(w.paneRun(i))
		}
	}
	return s
}

func (w *Window) restore(s windowState) {
	if s.Len != w.Len || len(s.Panes) != len(w.panes) {
		return // the configuration changed: start this window afresh
	}
	w.setHead(s.Head)
	w.empty = s.Empty
	for i, p := range s.Panes {
		w.panes[i] = pane{n: uint32(p[0]), mean: p[1], m2: p[2], min: p[3], max: p[4]}
	}
	if w.pct && s.HasSketch && len(s.Sketch) == len(w.panes) {
		w.restoreSketch(s.Scale, s.Sketch)
	}
}
