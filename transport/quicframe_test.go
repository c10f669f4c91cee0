package transport

import (
	"bytes"
	"testing"
)

// FuzzReadStreamFrame: the QUIC/WebTransport stream framing never panics
// or over-allocates, and round-trips what it writes.
func FuzzReadStreamFrame(f *testing.F) {
	f.Add(appendStreamFrame(nil, []byte{0x95, 0x0b, 0xa0, 0x09, 0x00, 0xc0}), 64)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, 1024)
	f.Add([]byte{0, 0, 0}, 16)
	f.Fuzz(func(t *testing.T, b []byte, max int) {
		if max <= 0 || max > 1<<20 {
			max = 1 << 10
		}
		frame, tooLarge, err := readStreamFrame(bytes.NewReader(b), max)
		if err == nil {
			if len(frame) > max || tooLarge {
				t.Fatalf("frame of %d bytes over %d accepted", len(frame), max)
			}
			if !bytes.HasPrefix(b, appendStreamFrame(nil, frame)) {
				t.Fatal("does not round-trip")
			}
		}
	})
}
