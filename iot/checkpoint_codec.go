package iot

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// Device checkpoints, format 2: a group's checkpoint log. Each value
// under "ckl/<16 hex digits>" is a run of device records, written without
// reflection into one reused buffer; read in key order they rebuild every
// device. A record is a base (the device's whole state) or a delta (its
// watermark, sequence window and detectors, and only the window panes
// that changed since the device's previous record).
//
// Layout (varint and uvarint as in encoding/binary):
//
//	value: 0xc1 'L' 2, then records
//	record: uvarint length, device name, kind (0 base, 1 delta),
//	  varint newest, varint last seen, uvarint seq high, uvarint seq seen,
//	  uvarint metrics, and per metric:
//	    uvarint length, name
//	    uvarint windows, and per window:
//	      varint length (ns), varint head, byte empty,
//	      (format 3) byte sketch: 0 none, else 1 + the sketch's scale,
//	      uvarint panes
//	      base: every pane; delta: uvarint count, count × (uvarint slot, pane)
//	    uvarint detectors, and per detector: uvarint length, its msgpack
//	pane: uvarint n; when n > 0 a byte of 2-bit tags for mean, m2, min and
//	  max (0: +0, 1: float32, 2: float64; little-endian), then the values;
//	  with a sketch, then uvarint entries and per entry varint key (the
//	  difference to the previous entry's key, the first to 0) and uvarint
//	  count
//
// Every value is stored exactly: a float takes 4 bytes only when a float32
// holds its bits. Format 2 is format 3 without sketches; it is still read.

const (
	ckMagic   = 0xc1
	ckMagic2  = 'L'
	ckVersion = 3
	// ckVersionNoSketch is the format before device percentiles.
	ckVersionNoSketch = 2

	ckBase  = 0
	ckDelta = 1

	// maxCkPanes bounds a decoded window's panes (windows have
	// DefaultPanes), and panesPerByte the panes of all windows of a value
	// for its length, so that a short value cannot make a restore allocate
	// much.
	maxCkPanes   = 256
	panesPerByte = 4
)

var errBadCheckpoint = errors.New("iot: malformed checkpoint")

// ckEncoder appends device records to a log value, reusing its buffers.
type ckEncoder struct {
	buf []byte
	det bytes.Buffer
	enc *msgpack.Encoder
}

// reset starts a log value.
func (e *ckEncoder) reset() {
	e.buf = append(e.buf[:0], ckMagic, ckMagic2, ckVersion)
}

// empty says no record was appended since reset.
func (e *ckEncoder) empty() bool { return len(e.buf) <= 3 }

// add appends d's record of the given kind; on an error the value is as
// it was.
func (e *ckEncoder) add(name string, d *device, kind byte) error {
	if e.enc == nil {
		e.enc = msgpack.NewEncoder(&e.det)
	}
	b, start := e.buf, len(e.buf)
	b = binary.AppendUvarint(b, uint64(len(name)))
	b = append(b, name...)
	b = append(b, kind)
	b = binary.AppendVarint(b, d.newest)
	b = binary.AppendVarint(b, d.lastSeen)
	b = binary.AppendUvarint(b, d.seqs.high)
	b = binary.AppendUvarint(b, d.seqs.seen)
	b = binary.AppendUvarint(b, uint64(len(d.metrics)))
	for _, ms := range d.metrics {
		b = binary.AppendUvarint(b, uint64(len(ms.name)))
		b = append(b, ms.name...)
		b = binary.AppendUvarint(b, uint64(len(ms.windows)))
		for _, w := range ms.windows {
			b = appendWindow(b, w, kind == ckDelta)
		}
		b = binary.AppendUvarint(b, uint64(len(ms.detectors)))
		for _, det := range ms.detectors {
			e.det.Reset()
			if err := e.enc.Encode(det); err != nil {
				e.buf = b[:start]
				return fmt.Errorf("iot: checkpoint %s: %w", det.Name(), err)
			}
			b = binary.AppendUvarint(b, uint64(e.det.Len()))
			b = append(b, e.det.Bytes()...)
		}
	}
	e.buf = b
	return nil
}

// appendWindow appends w: every pane, or with changedOnly the panes
// changed since the device's previous record.
func appendWindow(b []byte, w *Window, changedOnly bool) []byte {
	b = binary.AppendVarint(b, int64(w.Len))
	b = binary.AppendVarint(b, w.head)
	empty := byte(0)
	if w.empty {
		empty = 1
	}
	b = append(b, empty)
	sketch := byte(0)
	if w.pct {
		sketch = 1 + w.scale
	}
	b = append(b, sketch)
	b = binary.AppendUvarint(b, uint64(len(w.panes)))
	if !changedOnly {
		for i := range w.panes {
			b = appendWindowPane(b, w, i)
		}
		return b
	}
	b = binary.AppendUvarint(b, uint64(w.changedPanes()))
	for i := range w.panes {
		if w.changed&paneBit(i) != 0 {
			b = binary.AppendUvarint(b, uint64(i))
			b = appendWindowPane(b, w, i)
		}
	}
	return b
}

// appendWindowPane appends pane slot i of w, with its sketch if w keeps
// one.
func appendWindowPane(b []byte, w *Window, i int) []byte {
	p := &w.panes[i]
	b = appendPane(b, p)
	if !w.pct || p.n == 0 {
		return b
	}
	b = binary.AppendUvarint(b, uint64(p.nb))
	prev := int32(0)
	for _, e := range w.paneRun(i) {
		k := pctEntryKey(e)
		b = binary.AppendVarint(b, int64(k-prev))
		b = binary.AppendUvarint(b, uint64(pctEntryCount(e)))
		prev = k
	}
	return b
}

// changedPanes counts the panes changed since the last record.
func (w *Window) changedPanes() int {
	n := bits.OnesCount64(w.changed &^ (1 << 63))
	if w.changed&(1<<63) != 0 {
		n += len(w.panes) - 63
	}
	return n
}

func appendPane(b []byte, p *pane) []byte {
	b = binary.AppendUvarint(b, uint64(p.n))
	if p.n == 0 {
		return b // an empty pane is all zeros: add and advance keep it so
	}
	vals := [4]float64{p.mean, p.m2, p.min, p.max}
	var tags byte
	for i, v := range vals {
		tags |= floatTag(v) << (2 * i)
	}
	b = append(b, tags)
	for i, v := range vals {
		switch (tags >> (2 * i)) & 3 {
		case 1:
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v)))
		case 2:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
	}
	return b
}

// floatTag says how v is stored: 0 for +0, 1 as a float32, 2 as a float64.
func floatTag(v float64) byte {
	switch bits := math.Float64bits(v); {
	case bits == 0:
		return 0
	case math.Float64bits(float64(float32(v))) == bits:
		return 1
	}
	return 2
}

// ckRecord is one decoded record of a checkpoint log.
type ckRecord struct {
	Device string
	Delta  bool
	State  deviceState
}

// decodeLog reads a checkpoint-log value.
func decodeLog(b []byte) ([]ckRecord, error) {
	if len(b) < 3 || b[0] != ckMagic || b[1] != ckMagic2 || (b[2] != ckVersion && b[2] != ckVersionNoSketch) {
		return nil, fmt.Errorf("%w: not a format-2 or -3 log value", errBadCheckpoint)
	}
	r := ckReader{b: b[3:], panes: panesPerByte * len(b), sketches: b[2] == ckVersion}
	var recs []ckRecord
	for len(r.b) > 0 && r.err == nil {
		rec := ckRecord{Device: string(r.bytes(r.uvarint()))}
		switch r.byte() {
		case ckBase:
		case ckDelta:
			rec.Delta = true
		default:
			r.fail("record kind")
		}
		rec.State = r.device(rec.Delta)
		if r.err == nil {
			recs = append(recs, rec)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return recs, nil
}

// decodeV1 reads a format-1 device checkpoint.
func decodeV1(b []byte) (deviceState, error) {
	var s deviceState
	if !msgpackFits(b) {
		return s, fmt.Errorf("%w: format 1 declares more than it holds", errBadCheckpoint)
	}
	err := msgpack.Unmarshal(b, &s)
	return s, err
}

// msgpackFits says that b is one msgpack value whose every array, map,
// string and binary declares no more than b holds, so that decoding it
// cannot allocate for lengths that are not there.
func msgpackFits(b []byte) bool {
	need := 1 // values still to read
	for need > 0 {
		if len(b) == 0 {
			return false
		}
		c := b[0]
		b = b[1:]
		need--
		var n, size uint64 // items in a container; bytes that follow
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
		case c <= 0x8f:
			n = 2 * uint64(c&0x0f)
		case c <= 0x9f:
			n = uint64(c & 0x0f)
		case c <= 0xbf:
			size = uint64(c & 0x1f)
		case c == 0xc1:
			return false
		case c >= 0xc4 && c <= 0xc9, c >= 0xd9 && c <= 0xdf:
			w := map[byte]int{0xc4: 1, 0xc5: 2, 0xc6: 4, 0xc7: 1, 0xc8: 2, 0xc9: 4, 0xd9: 1, 0xda: 2, 0xdb: 4, 0xdc: 2, 0xdd: 4, 0xde: 2, 0xdf: 4}[c]
			if len(b) < w {
				return false
			}
			var l uint64
			for _, x := range b[:w] {
				l = l<<8 | uint64(x)
			}
			b = b[w:]
			switch {
			case c >= 0xc7 && c <= 0xc9:
				size = l + 1 // and the type byte
			case c == 0xdc || c == 0xdd:
				n = l
			case c == 0xde || c == 0xdf:
				n = 2 * l
			default:
				size = l
			}
		case c == 0xca:
			size = 4
		case c == 0xcb:
			size = 8
		case c >= 0xcc && c <= 0xd3:
			size = 1 << ((c - 0xcc) & 3)
		case c >= 0xd4 && c <= 0xd8:
			size = 1 + 1<<(c-0xd4)
		}
		if size > uint64(len(b)) {
			return false
		}
		b = b[size:]
		if n > uint64(len(b)) || uint64(need)+n > uint64(len(b)) {
			return false
		}
		need += int(n)
	}
	return true
}

func (r *ckReader) device(delta bool) deviceState {
	var s deviceState
	s.Newest, s.LastSeen = r.varint(), r.varint()
	s.SeqHigh, s.SeqSeen = r.uvarint(), r.uvarint()
	nm := r.count(3)
	s.Metrics = make(map[string]metricCheck, nm)
	for range nm {
		name := string(r.bytes(r.uvarint()))
		var mc metricCheck
		nw := r.count(4)
		for range nw {
			mc.Windows = append(mc.Windows, r.window(delta))
		}
		nd := r.count(1)
		for range nd {
			mc.Detectors = append(mc.Detectors, msgpack.RawMessage(r.bytes(r.uvarint())))
		}
		if r.err != nil {
			return deviceState{}
		}
		s.Metrics[name] = mc
	}
	return s
}

// applyDelta returns base updated by delta, the device's next record:
// the delta's watermark, sequences and detectors, and its panes over the
// base's.
func applyDelta(base, delta deviceState) deviceState {
	out := delta
	out.Metrics = make(map[string]metricCheck, max(len(base.Metrics), len(delta.Metrics)))
	for name, mc := range base.Metrics {
		out.Metrics[name] = mc
	}
	for name, dm := range delta.Metrics {
		bm := base.Metrics[name]
		mc := metricCheck{Detectors: dm.Detectors, Windows: make([]windowState, len(dm.Windows))}
		for i, dw := range dm.Windows {
			w := windowState{Len: dw.Len, Head: dw.Head, Empty: dw.Empty, Panes: make([][5]float64, dw.NPanes),
				HasSketch: dw.HasSketch, Scale: dw.Scale}
			if w.HasSketch {
				w.Sketch = make([][]uint32, dw.NPanes)
			}
			if i < len(bm.Windows) && bm.Windows[i].Len == dw.Len && len(bm.Windows[i].Panes) == dw.NPanes {
				copy(w.Panes, bm.Windows[i].Panes)
				if w.HasSketch && len(bm.Windows[i].Sketch) == dw.NPanes {
					copy(w.Sketch, bm.Windows[i].Sketch)
				}
			}
			for j, slot := range dw.Slots {
				w.Panes[slot] = dw.Panes[j]
				if w.HasSketch {
					w.Sketch[slot] = dw.Sketch[j]
				}
			}
			mc.Windows[i] = w
		}
		out.Metrics[name] = mc
	}
	return out
}

// ckReader reads a format-2 record; the first error sticks and every
// read after it returns zeros.
type ckReader struct {
	b        []byte
	err      error
	panes    int  // how many more panes windows may have
	sketches bool // format 3: windows say whether they keep sketches
}

func (r *ckReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: bad %s", errBadCheckpoint, what)
	}
	r.b = nil
}

func (r *ckReader) byte() byte {
	if len(r.b) < 1 {
		r.fail("length")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *ckReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *ckReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *ckReader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.fail("length")
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// count reads a count of items each at least size bytes long, refusing
// more than the record could hold.
func (r *ckReader) count(size int) int {
	n := r.uvarint()
	if n > uint64(len(r.b)/size) {
		r.fail("count")
		return 0
	}
	return int(n)
}

func (r *ckReader) window(delta bool) windowState {
	w := windowState{Len: time.Duration(r.varint()), Head: r.varint()}
	switch r.byte() {
	case 0:
	case 1:
		w.Empty = true
	default:
		r.fail("empty flag")
	}
	if r.sketches {
		switch sk := r.byte(); {
		case sk == 0:
		case sk <= 1+pctMaxScale:
			w.HasSketch, w.Scale = true, sk-1
		default:
			r.fail("sketch scale")
		}
	}
	np := r.uvarint()
	if np > maxCkPanes || np > uint64(r.panes) {
		r.fail("pane count")
		return windowState{}
	}
	r.panes -= int(np)
	w.NPanes = int(np)
	n := w.NPanes
	if delta {
		n = r.count(2)
		if n > w.NPanes {
			r.fail("changed pane count")
			return windowState{}
		}
		w.Slots = make([]int, 0, n)
	} else if n > len(r.b) {
		r.fail("pane count")
		return windowState{}
	}
	w.Panes = make([][5]float64, 0, n)
	if w.HasSketch {
		w.Sketch = make([][]uint32, 0, n)
	}
	for range n {
		if delta {
			slot := r.uvarint()
			if slot >= np {
				r.fail("pane slot")
				return windowState{}
			}
			w.Slots = append(w.Slots, int(slot))
		}
		p := r.pane()
		w.Panes = append(w.Panes, p)
		if w.HasSketch {
			w.Sketch = append(w.Sketch, r.sketch(p[0] > 0))
		}
	}
	return w
}

// sketch reads a pane's sketch entries, which a pane holding readings
// has; their order and range are checked when a window restores them.
func (r *ckReader) sketch(has bool) []uint32 {
	if !has {
		return nil
	}
	n := r.count(2)
	if n > pctMaxCount {
		r.fail("sketch entries")
		return nil
	}
	run := make([]uint32, 0, n)
	k := int64(0)
	for range n {
		k += r.varint()
		c := r.uvarint()
		if k < -pctMaxMag || k > pctMaxMag || c == 0 || c > pctMaxCount {
			r.fail("sketch entry")
			return nil
		}
		run = append(run, pctEntry(int32(k), uint32(c)))
	}
	return run
}

// pane reads a pane as windowState stores it: n, mean, m2, min, max.
func (r *ckReader) pane() [5]float64 {
	n := r.uvarint()
	if n > math.MaxUint32 {
		r.fail("pane size")
		return [5]float64{}
	}
	p := [5]float64{float64(n)}
	if n == 0 {
		return p
	}
	tags := r.byte()
	for i := range 4 {
		switch (tags >> (2 * i)) & 3 {
		case 1:
			if b := r.bytes(4); b != nil {
				p[i+1] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
			}
		case 2:
			if b := r.bytes(8); b != nil {
				p[i+1] = math.Float64frombits(binary.LittleEndian.Uint64(b))
			}
		case 3:
			r.fail("float tag")
		}
	}
	return p
}
