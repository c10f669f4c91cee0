package codec

import (
	"bytes"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
)

// The binary form of a frame is a msgpack array of five elements:
//
//	[kind uint, object str, seq uint, ack uint, payload any]
//
// Integers use msgpack's smallest encoding; a missing payload is nil.

// DecodeBinary decodes one binary frame of at most max bytes (max ≤ 0:
// DefaultMaxFrame). Errors are *DecodeError.
func DecodeBinary(b []byte, max int) (Frame, error) {
	if err := checkSize(len(b), max); err != nil {
		return Frame{}, err
	}
	r := bytes.NewReader(b)
	dec := msgpack.GetDecoder()
	defer msgpack.PutDecoder(dec)
	dec.Reset(r)
	f, err := decodeEnvelope(dec)
	if err != nil {
		return Frame{}, err
	}
	if r.Len() != 0 {
		return Frame{}, malformed("%d trailing bytes", r.Len())
	}
	return f, nil
}

func decodeEnvelope(dec *msgpack.Decoder) (Frame, error) {
	n, err := dec.DecodeArrayLen()
	if err != nil || n != 5 {
		return Frame{}, malformed("want an array of 5, got %d (%v)", n, err)
	}
	kind, err := dec.DecodeUint64()
	if err != nil {
		return Frame{}, malformed("kind: %v", err)
	}
	if kind > 255 || !Kind(kind).Valid() {
		return Frame{}, &DecodeError{Code: CodeUnknownKind, Err: fmt.Errorf("%w: %d", ErrUnknownKind, kind)}
	}
	f := Frame{Kind: Kind(kind)}
	if f.Object, err = dec.DecodeString(); err != nil || len(f.Object) > MaxObjectLen {
		return Frame{}, malformed("object: %d bytes (%v)", len(f.Object), err)
	}
	if f.Seq, err = dec.DecodeUint32(); err != nil {
		return Frame{}, malformed("seq: %v", err)
	}
	if f.Ack, err = dec.DecodeUint32(); err != nil {
		return Frame{}, malformed("ack: %v", err)
	}
	raw, err := dec.DecodeRaw()
	if err != nil {
		return Frame{}, malformed("payload: %v", err)
	}
	f.Payload = Payload{Raw: raw, Format: Binary}
	return f, nil
}

func checkSize(n, max int) error {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	if n > max {
		return &DecodeError{Code: CodeFrameTooLarge, Err: fmt.Errorf("%w: %d bytes, limit %d", ErrFrameTooLarge, n, max)}
	}
	if n == 0 {
		return malformed("empty frame")
	}
	return nil
}

func (o *Out) encodeBinary() ([]byte, error) {
	if raw, ok, err := rawBody(o.Body); err != nil {
		return nil, fmt.Errorf("codec: encode %s: %w", o.Kind, err)
	} else if ok {
		b := make([]byte, 0, len(raw)+len(o.Object)+24)
		return append(appendEnvelope(b, o), raw...), nil
	}
	var buf bytes.Buffer
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(&buf)
	enc.UseCompactInts(true)
	err := firstErr(
		enc.EncodeArrayLen(5),
		enc.EncodeUint(uint64(o.Kind)),
		enc.EncodeString(o.Object),
		enc.EncodeUint(uint64(o.Seq)),
		enc.EncodeUint(uint64(o.Ack)),
	)
	if err == nil {
		err = encodeBody(enc, o.Body)
	}
	if err != nil {
		return nil, fmt.Errorf("codec: encode %s: %w", o.Kind, err)
	}
	return buf.Bytes(), nil
}

// encodeBody writes a payload: a Payload already in binary form is copied
// as is.
func encodeBody(enc *msgpack.Encoder, body any) error {
	if sh, ok := body.(*Shared); ok {
		raw, err := sh.encoded(Binary)
		if err != nil {
			return err
		}
		return enc.Encode(msgpack.RawMessage(raw))
	}
	if p, ok := body.(Payload); ok {
		if p.Format != Binary {
			return fmt.Errorf("a JSON payload in a binary frame")
		}
		if p.Empty() {
			return enc.EncodeNil()
		}
		return enc.Encode(msgpack.RawMessage(p.Raw))
	}
	return enc.Encode(body)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
