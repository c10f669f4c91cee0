package tick_test

import (
	"sync"

	"github.com/hearth-server/hearth/codec"
)

// encodeBufs are reused frame buffers, as a transport connection keeps.
var encodeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// encodeAsTransport encodes o as a transport connection does: a body
// encoded already is appended into a pooled buffer, returned once
// "written"; anything else goes through Encode.
func encodeAsTransport(o *codec.Out) error {
	buf := encodeBufs.Get().(*[]byte)
	defer encodeBufs.Put(buf)
	b, ok, err := o.AppendBinary((*buf)[:0])
	if ok {
		*buf = b[:0]
		return err
	}
	_, err = o.Encode(codec.Binary)
	return err
}
