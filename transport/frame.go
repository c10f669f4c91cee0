package transport

import (
	"sync"

	"github.com/hearth-server/hearth/codec"
)

// frame is an encoded frame waiting for a connection's writer. A pooled
// one was appended into a buffer from framePool, which goes back there
// once the frame is written or dropped: the links copy what they write
// (into the WebSocket writer, a QUIC stream frame buffer or quic-go's
// datagram), so nothing refers to it after the write returns.
type frame struct {
	b   []byte
	buf *[]byte // from framePool; nil for a frame encoded by codec.Out.Encode
}

// maxPooledFrame bounds the buffers kept for reuse.
const maxPooledFrame = 16 << 10

var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// encodeFrame encodes out in format f: binary frames whose body is encoded
// already (snapshots, stream updates, relayed payloads) into a pooled
// buffer, anything else through out.Encode.
func encodeFrame(out *codec.Out, f codec.Format) (frame, error) {
	if f == codec.Binary {
		buf := framePool.Get().(*[]byte)
		b, ok, err := out.AppendBinary((*buf)[:0])
		if ok && err == nil {
			return frame{b: b, buf: buf}, nil
		}
		framePool.Put(buf)
		if err != nil {
			return frame{}, err
		}
	}
	b, err := out.Encode(f)
	return frame{b: b}, err
}

// release returns a pooled frame's buffer; the frame must not be used
// after.
func (f frame) release() {
	if f.buf == nil || cap(f.b) > maxPooledFrame {
		return
	}
	*f.buf = f.b[:0]
	framePool.Put(f.buf)
}
