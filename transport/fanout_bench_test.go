package transport_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/quic-go/quic-go"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/transport"
)

// Fan-out: one object broadcasting a 200-byte snapshot to 1,000 attached
// clients, rounds back to back for one second, against a bare loop that
// writes the same bytes to the same kind of sockets with the same
// library. Clients only count what arrives. Reported: delivered
// messages/s for each, and their ratio (BenchmarkFanout/*/hearth ÷
// BenchmarkFanout/*/bare).

const (
	fanoutClients = 1000
	fanoutPayload = 200
)

// caster broadcasts a snapshot on every "cast" message.
type caster struct{ out *codec.Out }

func (caster) Load(*session.Context) error { return nil }
func (o *caster) Receive(c *session.Context, m session.Message) (any, error) {
	if m.Body == "cast" {
		c.Broadcast(&codec.Out{Kind: codec.KindSnapshot, Object: "cast/x", Body: make([]byte, fanoutPayload)}, 0)
	}
	return nil, nil
}

func BenchmarkFanout(b *testing.B) {
	for _, rate := range []struct {
		name   string
		period time.Duration
	}{{"20Hz", 50 * time.Millisecond}, {"max", time.Millisecond}} {
		b.Run("ws/"+rate.name+"/hearth", func(b *testing.B) { fanoutHearth(b, false, rate.period) })
		b.Run("ws/"+rate.name+"/bare", func(b *testing.B) { fanoutBareWS(b, rate.period) })
		b.Run("quic/"+rate.name+"/hearth", func(b *testing.B) { fanoutHearth(b, true, rate.period) })
		b.Run("quic/"+rate.name+"/bare", func(b *testing.B) { fanoutBareQUIC(b, rate.period) })
	}
}

// counter counts frames received by all clients.
type counter struct{ n atomic.Int64 }

func fanoutHearth(b *testing.B, useQUIC bool, period time.Duration) {
	rt, err := session.New(session.Config{Store: session.NewMemStore(), Logger: quiet(), MailboxSize: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Shutdown(context.Background())
	_ = rt.Register(session.Kind{Name: "cast", New: func(session.ID) session.Object { return &caster{} }})
	hub := transport.NewHub(rt, transport.Config{Logger: quiet(), SendQueue: 256})
	defer hub.Shutdown(context.Background())
	var cnt counter
	var stop func()
	if useQUIC {
		stop = quicClients(b, hub, &cnt)
	} else {
		stop = wsClients(b, hub, &cnt)
	}
	defer stop()
	id := session.ID{Kind: "cast", Name: "x"}
	dropped := hub.Stats().Dropped
	runFanout(b, &cnt, period, func() { _ = rt.Send(id, "cast") })
	b.ReportMetric(float64(hub.Stats().Dropped-dropped)/b.Elapsed().Seconds(), "coalesced/s")
}

// runFanout calls cast every period for one second per b.N and reports
// the delivery rate.
func runFanout(b *testing.B, cnt *counter, period time.Duration, cast func()) {
	b.ResetTimer()
	start := time.Now()
	base := cnt.n.Load()
	rounds := 0
	for range b.N {
		for end := time.Now().Add(time.Second); time.Now().Before(end); rounds++ {
			cast()
			time.Sleep(period) // bounded: at most 1,000 rounds a second
		}
	}
	elapsed := time.Since(start)
	time.Sleep(200 * time.Millisecond) // let what is in flight arrive
	delivered := float64(cnt.n.Load() - base)
	b.ReportMetric(delivered/elapsed.Seconds(), "delivered/s")
	b.ReportMetric(100*delivered/float64(rounds*fanoutClients), "delivered-%")
}

// wsClients attaches fanoutClients raw WebSocket clients that count frames.
func wsClients(b *testing.B, hub *transport.Hub, cnt *counter) func() {
	srv := &http.Server{Handler: http.HandlerFunc(hub.ServeWebSocket)}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	hello, _ := (&codec.Out{Kind: codec.KindHello, Body: codec.Hello{Version: 1}}).Encode(codec.Binary)
	join, _ := (&codec.Out{Kind: codec.KindJoin, Object: "cast/x"}).Encode(codec.Binary)
	conns := dialWSCounters(b, "ws://"+ln.Addr().String(), cnt, hello, join)
	return func() {
		for _, c := range conns {
			c.CloseNow()
		}
		srv.Close()
	}
}

func dialWSCounters(b *testing.B, url string, cnt *counter, first ...[]byte) []*websocket.Conn {
	return dialWSCountersN(b, url, fanoutClients, cnt, first...)
}

// dialWSCountersN dials n clients that send first, then count every
// message they receive.
func dialWSCountersN(b *testing.B, url string, n int, cnt *counter, first ...[]byte) []*websocket.Conn {
	conns := make([]*websocket.Conn, n)
	for i := range conns {
		c, _, err := websocket.Dial(context.Background(), url, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range first {
			_ = c.Write(context.Background(), websocket.MessageBinary, f)
		}
		go func() {
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					return
				}
				cnt.n.Add(1)
			}
		}()
		conns[i] = c
	}
	time.Sleep(500 * time.Millisecond) // joins land
	return conns
}

func fanoutBareWS(b *testing.B, period time.Duration) {
	write, cnt, stop := bareWS(b)
	defer stop()
	msg, _ := (&codec.Out{Kind: codec.KindSnapshot, Object: "cast/x", Body: make([]byte, fanoutPayload)}).Encode(codec.Binary)
	runFanout(b, cnt, period, func() { write(msg) })
}

// bareWS serves fanoutClients WebSocket clients with coder/websocket alone:
// write sends msg to every one of them, in turn.
func bareWS(b *testing.B) (write func(msg []byte), cnt *counter, stop func()) {
	var mu sync.Mutex
	var server []*websocket.Conn
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		mu.Lock()
		server = append(server, c)
		mu.Unlock()
		for { // until the client goes
			if _, _, err := c.Read(context.Background()); err != nil {
				return
			}
		}
	})}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	cnt = &counter{}
	conns := dialWSCounters(b, "ws://"+ln.Addr().String(), cnt)
	write = func(msg []byte) {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range server {
			_ = c.Write(context.Background(), websocket.MessageBinary, msg)
		}
	}
	return write, cnt, func() {
		for _, c := range conns {
			c.CloseNow()
		}
		srv.Close()
	}
}

// quicClients attaches fanoutClients raw QUIC clients that count datagrams.
func quicClients(b *testing.B, hub *transport.Hub, cnt *counter) func() {
	certs, _ := transport.SelfSigned()
	q, err := hub.ListenQUIC("127.0.0.1:0", certs)
	if err != nil {
		b.Fatal(err)
	}
	go q.Serve()
	hello, _ := (&codec.Out{Kind: codec.KindHello, Body: codec.Hello{Version: 1}}).Encode(codec.Binary)
	join, _ := (&codec.Out{Kind: codec.KindJoin, Object: "cast/x"}).Encode(codec.Binary)
	conns := dialQUICCounters(b, q.Addr().String(), transport.ALPN, cnt, hello, join)
	return func() {
		for _, c := range conns {
			_ = c.CloseWithError(0, "")
		}
		q.Close()
	}
}

func dialQUICCounters(b *testing.B, addr, alpn string, cnt *counter, first ...[]byte) []*quic.Conn {
	conns := make([]*quic.Conn, fanoutClients)
	tconf := &tls.Config{InsecureSkipVerify: true, NextProtos: []string{alpn}}
	for i := range conns {
		c, err := quic.DialAddr(context.Background(), addr, tconf, &quic.Config{EnableDatagrams: true})
		if err != nil {
			b.Fatal(err)
		}
		str, err := c.OpenStreamSync(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range first {
			_, _ = str.Write(append([]byte{0, 0, byte(len(f) >> 8), byte(len(f))}, f...))
		}
		go func() { // drain the stream (welcome, joined)
			buf := make([]byte, 4096)
			for {
				if _, err := str.Read(buf); err != nil {
					return
				}
			}
		}()
		go func() {
			for {
				if _, err := c.ReceiveDatagram(context.Background()); err != nil {
					return
				}
				cnt.n.Add(1)
			}
		}()
		conns[i] = c
	}
	time.Sleep(500 * time.Millisecond)
	return conns
}

func fanoutBareQUIC(b *testing.B, period time.Duration) {
	certs, _ := transport.SelfSigned()
	tconf := certs.TLSConfig("bare")
	ln, err := quic.ListenAddr("127.0.0.1:0", tconf, &quic.Config{EnableDatagrams: true})
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var server []*quic.Conn
	go func() {
		for {
			c, err := ln.Accept(context.Background())
			if err != nil {
				return
			}
			mu.Lock()
			server = append(server, c)
			mu.Unlock()
		}
	}()
	var cnt counter
	conns := dialQUICCounters(b, ln.Addr().String(), "bare", &cnt)
	defer func() {
		for _, c := range conns {
			_ = c.CloseWithError(0, "")
		}
	}()
	msg, _ := (&codec.Out{Kind: codec.KindSnapshot, Object: "cast/x", Body: make([]byte, fanoutPayload)}).Encode(codec.Binary)
	runFanout(b, &cnt, period, func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range server {
			_ = c.SendDatagram(msg)
		}
	})
}
