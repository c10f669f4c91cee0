package client

import (
	"context"
	"net/http"

	"github.com/coder/websocket"
)

// DialWebSocket connects to a hearth WebSocket endpoint, e.g.
// ws://127.0.0.1:8080/ws.
func DialWebSocket(ctx context.Context, url string, o Options) (*Client, error) {
	o = o.withDefaults()
	proto := "hearth"
	if o.JSON {
		proto = "hearth.json"
	}
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		Subprotocols: []string{proto},
		HTTPClient:   http.DefaultClient,
	})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(int64(o.MaxFrame))
	return start(ctx, &wsWire{ws: ws, json: o.JSON}, o)
}

type wsWire struct {
	ws   *websocket.Conn
	json bool
}

func (w *wsWire) write(frame []byte, _ bool) error {
	typ := websocket.MessageBinary
	if w.json {
		typ = websocket.MessageText
	}
	return w.ws.Write(context.Background(), typ, frame)
}

func (w *wsWire) read() ([]byte, error) {
	_, b, err := w.ws.Read(context.Background())
	return b, err
}

func (w *wsWire) close() error    { return w.ws.Close(websocket.StatusNormalClosure, "bye") }
func (w *wsWire) datagrams() bool { return false }
