package tick

import (
	"github.com/vmihailenco/msgpack/v5"
)

// EncodeMsgpack writes a snapshot body without reflection: it is encoded
// for every client on every tick. The result is what the struct tags
// describe ({"t", "b", "e", "r"}), integers in their smallest form.
func (b SnapshotBody) EncodeMsgpack(enc *msgpack.Encoder) error {
	n := 3
	if len(b.Gone) > 0 {
		n = 4
	}
	if err := enc.EncodeMapLen(n); err != nil {
		return err
	}
	if err := encodeKeyUint(enc, "t", b.Tick); err != nil {
		return err
	}
	if err := encodeKeyUint(enc, "b", uint64(b.Base)); err != nil {
		return err
	}
	if err := enc.EncodeString("e"); err != nil {
		return err
	}
	if err := enc.EncodeArrayLen(len(b.Ents)); err != nil {
		return err
	}
	for i := range b.Ents {
		if err := encodeRecord(enc, &b.Ents[i]); err != nil {
			return err
		}
	}
	if len(b.Gone) == 0 {
		return nil
	}
	if err := enc.EncodeString("r"); err != nil {
		return err
	}
	if err := enc.EncodeArrayLen(len(b.Gone)); err != nil {
		return err
	}
	for _, id := range b.Gone {
		if err := enc.EncodeInt(int64(id)); err != nil {
			return err
		}
	}
	return nil
}

func encodeKeyUint(enc *msgpack.Encoder, key string, v uint64) error {
	if err := enc.EncodeString(key); err != nil {
		return err
	}
	return enc.EncodeUint(v)
}

func encodeRecord(enc *msgpack.Encoder, r *[8]int64) error {
	if err := enc.EncodeArrayLen(len(r)); err != nil {
		return err
	}
	for _, v := range r {
		if err := enc.EncodeInt(v); err != nil {
			return err
		}
	}
	return nil
}

var _ msgpack.CustomEncoder = SnapshotBody{}
