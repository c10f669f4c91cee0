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

	once  [2]sync.Once
	enc   [2][]byte
	err   [2]error
	spare []byte // a binary encoding's buffer kept by Reset, to encode into
}

// NewShared wraps v.
func NewShared(v any) *Shared { return &Shared{V: v} }

// Reset makes s a Shared for v, as NewShared would, keeping the buffer of
// its binary encoding to encode v into. Call it only once nothing reads s
// any longer, nor the bytes Encoded returned: once every frame carrying it
// has been handed to its connections, which copy what they send.
func (s *Shared) Reset(v any) {
	spare := s.enc[Binary]
	if spare == nil {
		spare = s.spare
	}
	*s = Shared{V: v, spare: spare[:0]}
}

// Encoded returns v in format f, encoding it on the first call.
func (s *Shared) Encoded(f Format) ([]byte, error) { return s.encoded(f) }

func (s *Shared) encoded(f Format) ([]byte, error) {
	s.once[f].Do(func() {
		if f == JSON {
			s.enc[f], s.err[f] = json.Marshal(s.V)
		} else {
			s.enc[f], s.err[f] = marshalCompact(s.V, s.spare)
			s.spare = nil
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
// as frames are, into buf's capacity if it is large enough.
func marshalCompact(v any, buf []byte) ([]byte, error) {
	if a, ok := v.(MsgpackAppender); ok {
		return a.AppendMsgpack(buf[:0])
	}
	out := bytes.NewBuffer(buf[:0])
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(out)
	enc.UseCompactInts(true)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
