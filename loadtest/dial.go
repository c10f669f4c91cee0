package loadtest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
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

// perSource is how many connections one source address carries before
// the next (127.0.0.2, .3, …) takes over: below the 28,232 ephemeral
// ports of Linux's default ip_local_port_range (32768–60999), which
// bound the connections from one address to one server address.
const perSource = 20_000

// sourceFor returns the local address client i binds, spreading clients
// over 127.0.0.1, 127.0.0.2, … perSource at a time, or nil when the
// target is not an IPv4 loopback address (another source could not
// reach it).
func sourceFor(target string, i int) net.IP {
	host, _, err := net.SplitHostPort(target)
	if err != nil {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		return nil
	}
	n := 1 + i/perSource
	if n > 254 {
		return nil
	}
	return net.IPv4(127, 0, 0, byte(n))
}

// dialFrom connects one client over transport t from source address src
// (nil: the system's choice). Only raw QUIC can bind a source:
// client.DialWebSocket dials through http.DefaultClient and
// client.DialWebTransport through its own transport, neither taking a
// dialer or socket. The returned release closes what dialFrom opened
// besides the client; call it after closing the client.
func (d *dialer) dialFrom(ctx context.Context, t string, src net.IP) (*client.Client, func(), error) {
	if t != TransportQUIC || src == nil {
		c, err := d.dial(ctx, t)
		return c, func() {}, err
	}
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: src})
	if err != nil {
		return nil, nil, fmt.Errorf("loadtest: bind %s: %w", src, err)
	}
	o := client.Options{Name: "hearth-loadtest/1", TLS: d.tls, PacketConn: pc}
	c, err := client.DialQUIC(ctx, d.target.QUIC, o)
	if err != nil {
		_ = pc.Close()
		return nil, nil, err
	}
	return c, func() { _ = pc.Close() }, nil
}
