package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The JSON form of a frame is an object; zero fields may be left out:
//
//	{"kind": "join", "object": "room/lobby", "seq": 1, "ack": 0, "payload": {...}}

type jsonFrame struct {
	Kind    string          `json:"kind"`
	Object  string          `json:"object,omitempty"`
	Seq     uint32          `json:"seq,omitempty"`
	Ack     uint32          `json:"ack,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// DecodeJSON decodes one JSON frame of at most max bytes (max ≤ 0:
// DefaultMaxFrame). Unknown fields are malformed. Errors are *DecodeError.
func DecodeJSON(b []byte, max int) (Frame, error) {
	if err := checkSize(len(b), max); err != nil {
		return Frame{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var jf jsonFrame
	if err := dec.Decode(&jf); err != nil {
		return Frame{}, malformed("%v", err)
	}
	if dec.More() {
		return Frame{}, malformed("trailing data")
	}
	kind, ok := kindByName(jf.Kind)
	if !ok {
		return Frame{}, &DecodeError{Code: CodeUnknownKind, Err: fmt.Errorf("%w: %q", ErrUnknownKind, jf.Kind)}
	}
	if len(jf.Object) > MaxObjectLen {
		return Frame{}, malformed("object: %d bytes", len(jf.Object))
	}
	return Frame{Kind: kind, Object: jf.Object, Seq: jf.Seq, Ack: jf.Ack,
		Payload: Payload{Raw: jf.Payload, Format: JSON}}, nil
}

func (o *Out) encodeJSON() ([]byte, error) {
	jf := jsonFrame{Kind: o.Kind.String(), Object: o.Object, Seq: o.Seq, Ack: o.Ack}
	switch b := o.Body.(type) {
	case nil:
	case *Shared:
		raw, err := b.encoded(JSON)
		if err != nil {
			return nil, fmt.Errorf("codec: encode %s: %w", o.Kind, err)
		}
		jf.Payload = raw
	case Payload:
		if b.Format != JSON {
			return nil, fmt.Errorf("codec: encode %s: a binary payload in a JSON frame", o.Kind)
		}
		jf.Payload = b.Raw
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("codec: encode %s: %w", o.Kind, err)
		}
		jf.Payload = raw
	}
	return json.Marshal(jf)
}
