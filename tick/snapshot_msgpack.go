package tick

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearth-server/hearth/codec"
)

// AppendMsgpack appends the body's msgpack encoding, without reflection
// or an encoder: one body is encoded every tick, for every base. The
// result is what the struct tags describe ({"t", "b", "e", "r"}, "r" left
// out when empty, "e" an array even when empty), integers in their
// smallest form, as the msgpack encoder writes them with compact ints.
// The buffer grows once, to the exact length.
func (b SnapshotBody) AppendMsgpack(buf []byte) ([]byte, error) {
	buf = slices.Grow(buf, b.msgpackLen())
	if len(b.Gone) > 0 {
		buf = append(buf, 0x84) // fixmap of 4
	} else {
		buf = append(buf, 0x83)
	}
	buf = appendUint(append(buf, 0xa1, 't'), b.Tick)
	buf = appendUint(append(buf, 0xa1, 'b'), uint64(b.Base))
	buf = appendArrayLen(append(buf, 0xa1, 'e'), len(b.Ents))
	for i := range b.Ents {
		buf = append(buf, 0x98) // fixarray of 8
		for _, v := range &b.Ents[i] {
			buf = appendInt(buf, v)
		}
	}
	if len(b.Gone) == 0 {
		return buf, nil
	}
	buf = appendArrayLen(append(buf, 0xa1, 'r'), len(b.Gone))
	for _, id := range b.Gone {
		buf = appendInt(buf, int64(id))
	}
	return buf, nil
}

// msgpackLen is the length of AppendMsgpack's output.
func (b SnapshotBody) msgpackLen() int {
	n := 1 + 2 + uintLen(b.Tick) + 2 + uintLen(uint64(b.Base)) + 2 + arrayLenLen(len(b.Ents))
	for i := range b.Ents {
		n++
		for _, v := range &b.Ents[i] {
			n += intLen(v)
		}
	}
	if len(b.Gone) > 0 {
		n += 2 + arrayLenLen(len(b.Gone))
		for _, id := range b.Gone {
			n += intLen(int64(id))
		}
	}
	return n
}

// EncodeMsgpack writes the body for the msgpack encoder (a body not
// wrapped in a codec.Shared): AppendMsgpack's bytes.
func (b SnapshotBody) EncodeMsgpack(enc *msgpack.Encoder) error {
	raw, err := b.AppendMsgpack(nil)
	if err != nil {
		return err
	}
	return enc.Encode(msgpack.RawMessage(raw))
}

var (
	_ msgpack.CustomEncoder = SnapshotBody{}
	_ codec.MsgpackAppender = SnapshotBody{}
)

// appendInt appends v as msgpack's EncodeInt does: a fixint, or the
// smallest of uint8…uint64 for positive values and int8…int64 below -32.
func appendInt(b []byte, v int64) []byte {
	switch {
	case v >= 0:
		return appendUint(b, uint64(v))
	case v >= -32:
		return append(b, byte(v))
	case v >= math.MinInt8:
		return append(b, 0xd0, byte(v))
	case v >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(v))
	case v >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(v))
}

func appendUint(b []byte, v uint64) []byte {
	switch {
	case v <= math.MaxInt8:
		return append(b, byte(v))
	case v <= math.MaxUint8:
		return append(b, 0xcc, byte(v))
	case v <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(v))
	case v <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcf), v)
}

func appendArrayLen(b []byte, n int) []byte {
	switch {
	case n < 16:
		return append(b, 0x90|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xdc), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(n))
}

func intLen(v int64) int {
	switch {
	case v >= 0:
		return uintLen(uint64(v))
	case v >= -32:
		return 1
	case v >= math.MinInt8:
		return 2
	case v >= math.MinInt16:
		return 3
	case v >= math.MinInt32:
		return 5
	}
	return 9
}

func uintLen(v uint64) int {
	switch {
	case v <= math.MaxInt8:
		return 1
	case v <= math.MaxUint8:
		return 2
	case v <= math.MaxUint16:
		return 3
	case v <= math.MaxUint32:
		return 5
	}
	return 9
}

func arrayLenLen(n int) int {
	switch {
	case n < 16:
		return 1
	case n <= math.MaxUint16:
		return 3
	}
	return 5
}
