package transport_test

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/quic-go/quic-go"

	"github.com/hearth-server/hearth/transport"
)

// runBareMemServer holds WebSocket and QUIC connections with the libraries
// alone, for BenchmarkIdleConnMemory's baseline. A connection counts once
// its first frame arrived, as a hub counts it once it said hello.
func runBareMemServer() {
	var conns atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		for first := true; ; first = false {
			if _, _, err := c.Read(context.Background()); err != nil {
				return
			}
			if first {
				conns.Add(1)
			}
		}
	})
	mux.HandleFunc("/heap", heapHandler(conns.Load))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go http.Serve(ln, mux)
	certs, _ := transport.SelfSigned()
	udp, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	qconf := &quic.Config{EnableDatagrams: true, MaxIdleTimeout: 30 * time.Second, KeepAlivePeriod: 10 * time.Second} // as the hub's
	ql, _ := (&quic.Transport{Conn: udp}).Listen(certs.TLSConfig(transport.ALPN), qconf)
	go func() {
		for {
			c, err := ql.Accept(context.Background())
			if err != nil {
				return
			}
			go holdBareQUIC(c, &conns)
		}
	}()
	serveMemUntilStdinCloses(ln.Addr(), udp.LocalAddr())
}

// holdBareQUIC reads a connection's first stream on this goroutine and its
// datagrams on another, discarding both.
func holdBareQUIC(c *quic.Conn, conns *atomic.Int64) {
	go func() {
		for {
			if _, err := c.ReceiveDatagram(context.Background()); err != nil {
				return
			}
		}
	}()
	str, err := c.AcceptStream(context.Background())
	if err != nil {
		return
	}
	buf := make([]byte, 512)
	for first := true; ; first = false {
		if _, err := str.Read(buf); err != nil {
			return
		}
		if first {
			conns.Add(1)
		}
	}
}
