package iot

// seqWindow de-duplicates a device's readings by their optional "seq":
// it remembers the highest sequence number seen and which of the 64 below
// it arrived, the anti-replay window of IPsec (RFC 4303 §3.4.3). A
// redelivered or re-sent reading within that window is recognised;
// out-of-order readings within it are not mistaken for duplicates.
type seqWindow struct {
	high uint64 // highest seq seen; 0 = none yet
	seen uint64 // bit i: high-i was seen
}

// seqSpan is how far below the highest seq a reading is still tracked.
const seqSpan = 64

// admit records seq and reports whether it is new. fresh says the
// reading's event time is past everything the device sent, so it cannot
// be a copy of an earlier reading: a seq at or below the highest then
// means the sensor restarted its counter, and the window starts over.
func (w *seqWindow) admit(seq uint64, fresh bool) bool {
	switch {
	case w.high == 0 || seq > w.high:
		w.advance(seq)
		return true
	case fresh:
		*w = seqWindow{}
		w.advance(seq)
		return true
	case w.high-seq >= seqSpan:
		return false
	}
	bit := uint64(1) << (w.high - seq)
	if w.seen&bit != 0 {
		return false
	}
	w.seen |= bit
	return true
}

func (w *seqWindow) advance(seq uint64) {
	if shift := seq - w.high; w.high == 0 || shift >= seqSpan {
		w.seen = 0
	} else {
		w.seen <<= shift
	}
	w.high = seq
	w.seen |= 1
}
