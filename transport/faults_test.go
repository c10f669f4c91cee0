package transport_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/transport"
)

// A client flooding at ten times its rate limit is answered with
// rate_limited and slowed down; a bystander in the same object still gets
// every one of its own messages through.
func TestFloodAtTenTimesTheRateHurtsNoOne(t *testing.T) {
	s := newTestServer(t, transport.Config{Rate: 100, Burst: 100})
	flooder, bystander := dialWS(t, s, false), dialWS(t, s, true)
	join(t, flooder, "chat/busy", nil)
	join(t, bystander, "chat/busy", nil)
	done := make(chan struct{})
	go func() { // 1,000 frames a second for one second: bounded
		defer close(done)
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		for i := range 1000 {
			<-tk.C
			if flooder.Send(&codec.Out{Kind: codec.KindEvent, Object: "chat/busy", Seq: uint32(i), Body: "spam"}) != nil {
				return
			}
		}
	}()
	for i := range 10 {
		must(t, bystander.Send(&codec.Out{Kind: codec.KindEvent, Object: "chat/busy", Seq: uint32(10_000 + i), Body: "hello"}))
		time.Sleep(50 * time.Millisecond)
	}
	<-done
	got := map[uint32]bool{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for len(got) < 10 {
		f, err := bystander.Recv(ctx)
		if err != nil {
			t.Fatalf("the bystander got %d of its 10 messages back during the flood: %v", len(got), err)
		}
		if f.Kind == codec.KindEvent && f.Seq >= 10_000 {
			got[f.Seq] = true
		}
	}
	limited := false
	for !limited {
		f, err := flooder.Recv(ctx)
		if err != nil {
			t.Fatalf("the flooder was never told to slow down: %v", err)
		}
		var e codec.Error
		limited = f.Kind == codec.KindError && f.Payload.Decode(&e) == nil && e.Code == codec.CodeRateLimited
	}
}

// A client that half-closes its TCP connection after the WebSocket
// handshake is cleaned up: its connection leaves the hub.
func TestHalfCloseIsCleanedUp(t *testing.T) {
	s := newTestServer(t, transport.Config{})
	before := s.hub.Conns()
	raw, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	req, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	must(t, req.Write(raw))
	res, err := http.ReadResponse(bufio.NewReader(raw), req)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", res, err)
	}
	waitConns(t, s, before+1)
	must(t, raw.(*net.TCPConn).CloseWrite())
	waitConns(t, s, before)
}

func waitConns(t *testing.T, s *testServer, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.hub.Conns() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections, want %d", s.hub.Conns(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
