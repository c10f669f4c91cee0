package transport

import (
	"context"
	"errors"
	"time"

	"github.com/hearth-server/hearth/codec"
)

// serveSession runs one QUIC or WebTransport client: it waits for the
// control stream, reads frames from it and from datagrams, until the
// connection ends.
func (h *Hub) serveSession(s qSession, format codec.Format) {
	ctx, cancel := context.WithTimeout(context.Background(), h.cfg.HelloTimeout)
	str, err := s.acceptStream(ctx)
	cancel()
	if err != nil {
		s.closeWith(closeProtocol, "no control stream")
		return
	}
	l := &qLink{s: s, str: str, hub: h}
	c, err := h.register(l, format)
	switch {
	case errors.Is(err, errTooManyConns):
		s.closeWith(closeGoingAway, codec.CodeOverloaded+": "+err.Error())
		return
	case err != nil:
		s.closeWith(closeGoingAway, codec.CodeShuttingDown)
		return
	}
	defer c.recoverPanic()
	defer c.closeWith("", "")
	if !h.readHello(c, str) {
		return
	}
	// Only the hello may be acted on before the handshake completes: 0-RTT
	// data can be replayed by an attacker, and a hello is harmless twice.
	select {
	case <-s.handshakeDone():
	case <-time.After(h.cfg.HelloTimeout):
		return
	}
	go h.readDatagrams(c, s)
	h.readStream(c, str)
}

// readHello handles the first frame on the stream.
func (h *Hub) readHello(c *conn, str qStream) bool {
	frame, ok := h.readQUICFrame(c, str)
	return ok && h.handle(c, frame)
}

func (h *Hub) readStream(c *conn, str qStream) {
	for {
		frame, ok := h.readQUICFrame(c, str)
		if !ok || !h.handle(c, frame) {
			return
		}
	}
}

// readQUICFrame reads one stream frame; an oversized one closes the
// connection with frame_too_large.
func (h *Hub) readQUICFrame(c *conn, str qStream) ([]byte, bool) {
	frame, tooLarge, err := readStreamFrame(str, h.cfg.MaxFrame)
	if tooLarge {
		h.stats.decodeErrors.Add(1)
		c.closeWith(codec.CodeFrameTooLarge, err.Error())
	}
	return frame, err == nil
}

// readDatagrams hands every datagram to the hub until the connection ends.
func (h *Hub) readDatagrams(c *conn, s qSession) {
	defer c.recoverPanic()
	for {
		b, err := s.ReceiveDatagram(c.ctx)
		if err != nil {
			return
		}
		if !h.handle(c, b) {
			return
		}
	}
}

// qLink is a QUIC or WebTransport connection as a link.
type qLink struct {
	s   qSession
	str qStream
	hub *Hub
	buf []byte
}

func (l *qLink) write(frame []byte) error {
	l.buf = appendStreamFrame(l.buf[:0], frame)
	if err := l.str.SetWriteDeadline(time.Now().Add(l.hub.cfg.StallTimeout)); err != nil {
		return err
	}
	_, err := l.str.Write(l.buf)
	return err
}

func (l *qLink) writeDatagram(frame []byte) bool {
	if len(frame) > maxDatagram || !l.s.datagrams() {
		return false
	}
	// A datagram the path cannot carry goes on the stream instead; any
	// other failure drops it, as unreliable frames may be.
	return !isDatagramTooLarge(l.s.SendDatagram(frame))
}

func (l *qLink) datagrams() bool { return l.s.datagrams() }

func (l *qLink) close(code int, reason string) { l.s.closeWith(code, reason) }
