package iot

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// The format-1 writer, as servers before format 2 ran it: tests write
// format-1 records with it to check that they are still read.

func (d *device) state() (deviceState, error) {
	s := deviceState{Newest: d.newest, LastSeen: d.lastSeen, SeqHigh: d.seqs.high, SeqSeen: d.seqs.seen, Metrics: make(map[string]metricCheck, len(d.metrics))}
	for _, ms := range d.metrics {
		var mc metricCheck
		for _, w := range ms.windows {
			mc.Windows = append(mc.Windows, w.state())
		}
		for _, det := range ms.detectors {
			b, err := msgpack.Marshal(det)
			if err != nil {
				return s, fmt.Errorf("iot: checkpoint %s: %w", det.Name(), err)
			}
			mc.Detectors = append(mc.Detectors, b)
		}
		s.Metrics[ms.name] = mc
	}
	return s, nil
}

var (
	_ msgpack.CustomEncoder = (*deviceState)(nil)
	_ msgpack.CustomEncoder = (*metricCheck)(nil)
	_ msgpack.CustomEncoder = (*windowState)(nil)
)

// EncodeMsgpack implements msgpack.CustomEncoder.
func (s *deviceState) EncodeMsgpack(enc *msgpack.Encoder) error {
	n := 3
	if s.SeqHigh != 0 {
		n++
	}
	if s.SeqSeen != 0 {
		n++
	}
	err := firstErr(enc.EncodeMapLen(n),
		enc.EncodeString("newest"), enc.EncodeInt(s.Newest),
		enc.EncodeString("last_seen"), enc.EncodeInt(s.LastSeen))
	if s.SeqHigh != 0 {
		err = firstErr(err, enc.EncodeString("seq_high"), enc.EncodeUint(s.SeqHigh))
	}
	if s.SeqSeen != 0 {
		err = firstErr(err, enc.EncodeString("seq_seen"), enc.EncodeUint(s.SeqSeen))
	}
	err = firstErr(err, enc.EncodeString("metrics"), enc.EncodeMapLen(len(s.Metrics)))
	for name, mc := range s.Metrics {
		err = firstErr(err, enc.EncodeString(name), mc.EncodeMsgpack(enc))
	}
	return err
}

// EncodeMsgpack implements msgpack.CustomEncoder.
func (mc *metricCheck) EncodeMsgpack(enc *msgpack.Encoder) error {
	err := firstErr(enc.EncodeMapLen(2), enc.EncodeString("windows"), enc.EncodeArrayLen(len(mc.Windows)))
	for i := range mc.Windows {
		err = firstErr(err, mc.Windows[i].EncodeMsgpack(enc))
	}
	err = firstErr(err, enc.EncodeString("detectors"), enc.EncodeArrayLen(len(mc.Detectors)))
	for _, raw := range mc.Detectors {
		err = firstErr(err, enc.Encode(raw))
	}
	return err
}

// EncodeMsgpack implements msgpack.CustomEncoder. The group windows'
// record goes through it too in tests, so it writes a sketch as the
// server's reflective encoding does.
func (w *windowState) EncodeMsgpack(enc *msgpack.Encoder) error {
	fields := 4
	if w.HasSketch {
		fields += 3
		if err := firstErr(enc.EncodeMapLen(fields), enc.EncodeString("has_sketch"), enc.EncodeBool(true),
			enc.EncodeString("scale"), enc.EncodeUint8(w.Scale), enc.EncodeString("sketch"), enc.Encode(w.Sketch)); err != nil {
			return err
		}
	} else if err := enc.EncodeMapLen(fields); err != nil {
		return err
	}
	err := firstErr(
		enc.EncodeString("len"), enc.EncodeInt(int64(w.Len/time.Nanosecond)),
		enc.EncodeString("head"), enc.EncodeInt(w.Head),
		enc.EncodeString("empty"), enc.EncodeBool(w.Empty),
		enc.EncodeString("panes"), enc.EncodeArrayLen(len(w.Panes)))
	if err != nil {
		return err
	}
	b := make([]byte, 0, len(w.Panes)*(1+5*9))
	for i := range w.Panes {
		b = append(b, 0x95)
		for _, f := range w.Panes[i] {
			b = binary.BigEndian.AppendUint64(append(b, 0xcb), math.Float64bits(f))
		}
	}
	_, err = enc.Writer().Write(b)
	return err
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
