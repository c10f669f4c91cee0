package client

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
)

// maxDatagram matches the server: larger unreliable frames use the stream.
const maxDatagram = 1150

// DialQUIC connects over raw QUIC (ALPN hearth/1) to addr, e.g.
// 127.0.0.1:4433. With a TLS ClientSessionCache and Options.EarlyData, a
// returning client sends its hello in 0-RTT.
func DialQUIC(ctx context.Context, addr string, o Options) (*Client, error) {
	o = o.withDefaults()
	tconf := tlsFor(o, "hearth/1")
	qconf := &quic.Config{
		EnableDatagrams: true,
		KeepAlivePeriod: 10 * time.Second,
		MaxIdleTimeout:  30 * time.Second,
	}
	conn, err := dialQUIC(ctx, addr, tconf, qconf, o)
	if err != nil {
		return nil, fmt.Errorf("client: quic dial %s: %w", addr, err)
	}
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		_ = conn.CloseWithError(0, "")
		return nil, err
	}
	w := newStreamWire(str, conn, o.MaxFrame, func(code uint64, msg string) error {
		return conn.CloseWithError(quic.ApplicationErrorCode(code), msg)
	})
	w.dgram = func() bool { return conn.ConnectionState().SupportsDatagrams.Remote }
	w.zeroRTT = func() bool { return conn.ConnectionState().Used0RTT }
	return start(ctx, w, o)
}

func dialQUIC(ctx context.Context, addr string, tconf *tls.Config, qconf *quic.Config, o Options) (*quic.Conn, error) {
	if o.PacketConn == nil {
		if o.EarlyData {
			return quic.DialAddrEarly(ctx, addr, tconf, qconf)
		}
		return quic.DialAddr(ctx, addr, tconf, qconf)
	}
	udp, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	tr := &quic.Transport{Conn: o.PacketConn}
	if o.EarlyData {
		return tr.DialEarly(ctx, udp, tconf, qconf)
	}
	return tr.Dial(ctx, udp, tconf, qconf)
}

// Used0RTT reports whether the connection's hello went in 0-RTT (QUIC
// only).
func (c *Client) Used0RTT() bool {
	sw, ok := c.w.(*streamWire)
	return ok && sw.used0RTT()
}

func tlsFor(o Options, alpn string) *tls.Config {
	var t *tls.Config
	if o.TLS != nil {
		t = o.TLS.Clone()
	} else {
		t = &tls.Config{}
	}
	t.NextProtos = []string{alpn}
	return t
}

// datagramConn is what raw QUIC connections and WebTransport sessions
// offer for datagrams.
type datagramConn interface {
	SendDatagram([]byte) error
	ReceiveDatagram(context.Context) ([]byte, error)
}

type stream interface {
	io.Reader
	io.Writer
}

// streamWire is a control stream with length-prefixed frames plus
// datagrams, merged into one read side.
type streamWire struct {
	str      stream
	dc       datagramConn
	max      int
	closeFn  func(code uint64, msg string) error
	dgram    func() bool
	zeroRTT  func() bool
	in       chan []byte
	errc     chan error
	stop     chan struct{}
	stopOnce sync.Once

	mu  sync.Mutex // serializes stream writes
	buf []byte
}

func newStreamWire(str stream, dc datagramConn, max int, closeFn func(uint64, string) error) *streamWire {
	w := &streamWire{str: str, dc: dc, max: max, closeFn: closeFn,
		in: make(chan []byte, 256), errc: make(chan error, 2), stop: make(chan struct{})}
	go w.readStream()
	go w.readDatagrams()
	return w
}

func (w *streamWire) readStream() {
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(w.str, hdr[:]); err != nil {
			w.errc <- err
			return
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n > uint32(w.max) {
			w.errc <- fmt.Errorf("client: frame of %d bytes over the limit", n)
			return
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(w.str, b); err != nil {
			w.errc <- err
			return
		}
		if !w.deliver(b) {
			return
		}
	}
}

func (w *streamWire) readDatagrams() {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-w.stop; cancel() }()
	for {
		b, err := w.dc.ReceiveDatagram(ctx)
		if err != nil {
			return
		}
		if !w.deliver(b) {
			return
		}
	}
}

func (w *streamWire) deliver(b []byte) bool {
	select {
	case w.in <- b:
		return true
	case <-w.stop:
		return false
	}
}

func (w *streamWire) read() ([]byte, error) {
	select {
	case b := <-w.in:
		return b, nil
	case err := <-w.errc:
		return nil, err
	case <-w.stop:
		return nil, ErrClosed
	}
}

func (w *streamWire) write(frame []byte, unreliable bool) error {
	if unreliable && len(frame) <= maxDatagram && w.datagrams() {
		err := w.dc.SendDatagram(frame)
		var tooLarge *quic.DatagramTooLargeError
		if !errors.As(err, &tooLarge) {
			return nil // sent, or lost as unreliable frames may be
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = binary.BigEndian.AppendUint32(w.buf[:0], uint32(len(frame)))
	w.buf = append(w.buf, frame...)
	_, err := w.str.Write(w.buf)
	return err
}

func (w *streamWire) datagrams() bool { return w.dgram != nil && w.dgram() }

func (w *streamWire) used0RTT() bool { return w.zeroRTT != nil && w.zeroRTT() }

func (w *streamWire) close() error {
	w.stopOnce.Do(func() { close(w.stop) })
	return w.closeFn(0, "bye")
}
