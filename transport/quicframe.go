package transport

import (
	"encoding/binary"
	"fmt"
	"io"
)

// On QUIC and WebTransport streams every frame is preceded by its length
// as a 4-byte big-endian integer. Datagrams carry one frame each, bare.

// maxDatagram is the largest frame sent as a datagram; bigger ones go on
// the stream. It keeps packets under common path MTUs.
const maxDatagram = 1150

// readStreamFrame reads one length-prefixed frame of at most max bytes.
// An oversized length is reported with tooLarge, before reading the body.
func readStreamFrame(r io.Reader, max int) (frame []byte, tooLarge bool, err error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, false, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > uint32(max) {
		return nil, true, fmt.Errorf("transport: frame of %d bytes over the %d-byte limit", n, max)
	}
	frame = make([]byte, n)
	_, err = io.ReadFull(r, frame)
	return frame, false, err
}

// appendStreamFrame appends the length prefix and frame to buf.
func appendStreamFrame(buf, frame []byte) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(frame)))
	return append(buf, frame...)
}
