package codec

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// Shared is a payload value encoded at most once per format, for a body
// that goes out in many frames differing only in their envelope (a
// snapshot sent to many clients with different acks).
type Shared struct {
	V any

	once [2]sync.Once
	enc  [2][]byte
	err  [2]error
}

// NewShared wraps v.
func NewShared(v any) *Shared { return &Shared{V: v} }

// Encoded returns v in format f, encoding it on the first call.
func (s *Shared) Encoded(f Format) ([]byte, error) { return s.encoded(f) }

func (s *Shared) encoded(f Format) ([]byte, error) {
	s.once[f].Do(func() {
		if f == JSON {
			s.enc[f], s.err[f] = json.Marshal(s.V)
		} else {
			s.enc[f], s.err[f] = marshalCompact(s.V)
		}
	})
	return s.enc[f], s.err[f]
}

// MsgpackAppender is a payload value that writes its own binary form:
// msgpack with integers in their smallest form, as frames are. Shared
// uses it instead of the msgpack encoder, for values encoded often (a
// game room's snapshot bodies).
type MsgpackAppender interface {
	AppendMsgpack(b []byte) ([]byte, error)
}

// marshalCompact encodes v with integers in their smallest msgpack form,
// as frames are.
func marshalCompact(v any) ([]byte, error) {
	if a, ok := v.(MsgpackAppender); ok {
		return a.AppendMsgpack(nil)
	}
	var buf bytes.Buffer
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(&buf)
	enc.UseCompactInts(true)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
