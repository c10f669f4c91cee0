package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/coder/websocket"

	"github.com/hearth-server/hearth/codec"
)

// WebSocket subprotocols: binary msgpack frames (the default when the
// client names none) or JSON text frames.
const (
	SubprotocolBinary = "hearth"
	SubprotocolJSON   = "hearth.json"
)

// ServeWebSocket upgrades r and serves the protocol on it until the
// connection ends. Mount it at /ws.
func (h *Hub) ServeWebSocket(w http.ResponseWriter, r *http.Request) {
	if h.full() {
		w.Header().Set("Retry-After", "1")
		httpError(w, http.StatusServiceUnavailable, fmt.Sprintf("%s: %d connections open", errTooManyConns, h.cfg.MaxConns))
		return
	}
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{SubprotocolBinary, SubprotocolJSON},
		// Tokens travel inside the protocol, never in cookies, so a page
		// from another origin gains nothing by connecting.
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		return // Accept has answered the request
	}
	format := codec.Binary
	if ws.Subprotocol() == SubprotocolJSON {
		format = codec.JSON
	}
	ws.SetReadLimit(-1) // readWS enforces the frame limit and answers it
	c, err := h.register(&wsLink{ws: ws, hub: h, format: format}, format)
	switch {
	case errors.Is(err, errTooManyConns):
		ws.Close(websocket.StatusTryAgainLater, codec.CodeOverloaded+": "+err.Error())
		return
	case err != nil:
		ws.Close(websocket.StatusGoingAway, codec.CodeShuttingDown)
		return
	}
	h.readWS(c, ws)
}

// readWS reads frames until the connection ends.
func (h *Hub) readWS(c *conn, ws *websocket.Conn) {
	defer c.recoverPanic()
	defer c.closeWith("", "")
	for {
		data, err := h.readMessage(c, ws)
		if err != nil {
			return
		}
		if data == nil || !h.handle(c, data) {
			return
		}
	}
}

// readMessage reads one message, at most MaxFrame bytes; an oversized one
// closes the connection with frame_too_large and returns nil.
func (h *Hub) readMessage(c *conn, ws *websocket.Conn) ([]byte, error) {
	ctx := context.Background()
	if !c.greeted {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.cfg.HelloTimeout)
		defer cancel()
	}
	_, r, err := ws.Reader(ctx)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(h.cfg.MaxFrame)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > h.cfg.MaxFrame {
		h.stats.decodeErrors.Add(1)
		c.closeWith(codec.CodeFrameTooLarge, fmt.Sprintf("frame over %d bytes", h.cfg.MaxFrame))
		return nil, nil
	}
	return data, nil
}

// wsLink is a WebSocket as a link: every frame is one message; there are
// no datagrams, so unreliable frames share the ordered stream (and are
// the ones dropped when the client falls behind).
type wsLink struct {
	ws     *websocket.Conn
	hub    *Hub
	format codec.Format
}

func (l *wsLink) write(frame []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), l.hub.cfg.StallTimeout)
	defer cancel()
	typ := websocket.MessageBinary
	if l.format == codec.JSON {
		typ = websocket.MessageText
	}
	return l.ws.Write(ctx, typ, frame)
}

func (l *wsLink) writeDatagram([]byte) bool { return false }

func (l *wsLink) close(code int, reason string) {
	if len(reason) > 120 {
		reason = reason[:120]
	}
	_ = l.ws.Close(websocket.StatusCode(code), reason)
}
