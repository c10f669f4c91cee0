package codec

import (
	"encoding/binary"
	"fmt"
)

// Appenders for the frame envelope: msgpack's smallest forms, the same
// bytes the msgpack encoder writes with compact integers, without its
// per-call setup. Frames whose body is already encoded (a Shared snapshot
// going to many clients, a Payload passed through) are built with one
// allocation.

// appendEnvelope appends the first four fields of a frame: the array
// header, kind, object, seq and ack.
func appendEnvelope(b []byte, o *Out) []byte {
	b = append(b, 0x95)
	b = appendUint(b, uint64(o.Kind))
	b = appendStr(b, o.Object)
	b = appendUint(b, uint64(o.Seq))
	return appendUint(b, uint64(o.Ack))
}

// BinaryLen returns the length of o's binary encoding. When the body is
// encoded already (a *Shared, a binary Payload, nil) the length is counted
// without building the frame, which is left to whoever sends it;
// otherwise the frame is encoded, as by Encode(Binary).
func (o *Out) BinaryLen() (int, error) {
	raw, ok, err := rawBody(o.Body)
	if err != nil {
		return 0, fmt.Errorf("codec: encode %s: %w", o.Kind, err)
	}
	if !ok {
		b, err := o.Encode(Binary)
		return len(b), err
	}
	return 1 + uintLen(uint64(o.Kind)) + strLen(len(o.Object)) + uintLen(uint64(o.Seq)) + uintLen(uint64(o.Ack)) + len(raw), nil
}

// AppendBinary appends o's binary encoding to b when its body is encoded
// already (a *Shared, a binary Payload, nil), without caching it in o, so
// that b may come from a pool and be reused once written; ok is false,
// and b unchanged, for any other body (use Encode).
func (o *Out) AppendBinary(b []byte) (out []byte, ok bool, err error) {
	raw, ok, err := rawBody(o.Body)
	if err != nil {
		return b, false, fmt.Errorf("codec: encode %s: %w", o.Kind, err)
	}
	if !ok {
		return b, false, nil
	}
	return append(appendEnvelope(b, o), raw...), true, nil
}

// uintLen is the length of appendUint's encoding of v.
func uintLen(v uint64) int {
	switch {
	case v < 128:
		return 1
	case v <= 0xff:
		return 2
	case v <= 0xffff:
		return 3
	case v <= 0xffffffff:
		return 5
	}
	return 9
}

// strLen is the length of appendStr's encoding of a string of n bytes.
func strLen(n int) int {
	switch {
	case n < 32:
		return 1 + n
	case n <= 0xff:
		return 2 + n
	case n <= 0xffff:
		return 3 + n
	}
	return 5 + n
}

func appendUint(b []byte, v uint64) []byte {
	switch {
	case v < 128:
		return append(b, byte(v))
	case v <= 0xff:
		return append(b, 0xcc, byte(v))
	case v <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(v))
	case v <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcf), v)
}

func appendStr(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n < 32:
		b = append(b, 0xa0|byte(n))
	case n <= 0xff:
		b = append(b, 0xd9, byte(n))
	case n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	}
	return append(b, s...)
}

// rawBody returns the body's binary encoding when it has one already.
func rawBody(body any) ([]byte, bool, error) {
	switch v := body.(type) {
	case *Shared:
		raw, err := v.encoded(Binary)
		return raw, true, err
	case Payload:
		if v.Format != Binary {
			return nil, false, nil
		}
		if v.Empty() {
			return []byte{0xc0}, true, nil
		}
		return v.Raw, true, nil
	case nil:
		return []byte{0xc0}, true, nil
	}
	return nil, false, nil
}
