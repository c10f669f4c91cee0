package loadtest

import (
	"context"
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/hearth-server/hearth/transport/client"
)

// Transports a client can use.
const (
	TransportQUIC         = "quic"
	TransportWebSocket    = "ws"
	TransportWebTransport = "webtransport"
	TransportMix          = "mix" // round robin over the three
)

// Target is where the server listens.
type Target struct {
	HTTP string `json:"http"` // host:port of /ws, /metrics, /api
	QUIC string `json:"quic"` // host:port of QUIC and WebTransport
}

// dialer connects clients to a target.
type dialer struct {
	target Target
	tls    *tls.Config // pinned; nil when only WebSocket is used
	json   bool        // WebSocket JSON frames
}

// transportFor returns the transport of client i.
func transportFor(mode string, i int) string {
	if mode == TransportMix {
		all := [...]string{TransportQUIC, TransportWebSocket, TransportWebTransport}
		return all[i%len(all)]
	}
	return mode
}

func validTransport(mode string, allowMix bool) error {
	switch mode {
	case TransportQUIC, TransportWebSocket, TransportWebTransport:
		return nil
	case TransportMix:
		if allowMix {
			return nil
		}
	}
	return fmt.Errorf("loadtest: unknown transport %q", mode)
}

// needsTLS reports whether mode uses QUIC or WebTransport.
func needsTLS(mode string) bool { return mode != TransportWebSocket }

// dial connects one client over transport t.
func (d *dialer) dial(ctx context.Context, t string) (*client.Client, error) {
	o := client.Options{Name: "hearth-loadtest/1", TLS: d.tls}
	switch t {
	case TransportQUIC:
		return client.DialQUIC(ctx, d.target.QUIC, o)
	case TransportWebTransport:
		return client.DialWebTransport(ctx, "https://"+d.target.QUIC+"/wt", o)
	default:
		o.JSON = d.json
		return client.DialWebSocket(ctx, "ws://"+strings.TrimPrefix(d.target.HTTP, "http://")+"/ws", o)
	}
}
