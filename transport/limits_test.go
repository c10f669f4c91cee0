package transport_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/transport"
	"github.com/hearth-server/hearth/transport/client"
)

// Over MaxConns a WebSocket upgrade is answered 503 with the reason, and
// counted; a freed place is taken again.
func TestMaxConns(t *testing.T) {
	s := newTestServer(t, transport.Config{MaxConns: 2})
	a := dialWS(t, s, false)
	dialWS(t, s, false)
	res, err := http.Get("http://" + s.addr + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "too many connections") {
		t.Fatalf("third connection: %d %s", res.StatusCode, body)
	}
	if got := s.hub.Stats().RefusedConns; got != 1 {
		t.Fatalf("refusals counted: %d", got)
	}
	a.Close()
	waitConns(t, s, 1)
	dialWS(t, s, false)
}

// Over ObjectRate, frames into one object from all its connections are
// refused with rate_limited for that object, and counted.
func TestObjectRate(t *testing.T) {
	s := newTestServer(t, transport.Config{ObjectRate: 20})
	c1, c2 := dialWS(t, s, false), dialWS(t, s, false)
	join(t, c1, "chat/hot", nil)
	join(t, c2, "chat/hot", nil)
	for i := range 30 { // 60 frames at once into a 20/s object
		must(t, c1.Send(&codec.Out{Kind: codec.KindEvent, Object: "chat/hot", Seq: uint32(i), Body: i}))
		must(t, c2.Send(&codec.Out{Kind: codec.KindEvent, Object: "chat/hot", Seq: uint32(i), Body: i}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range []*client.Client{c1, c2} {
		for {
			f, err := c.Recv(ctx)
			if err != nil {
				t.Fatalf("no rate_limited error: %v", err)
			}
			var e codec.Error
			if f.Kind == codec.KindError && f.Payload.Decode(&e) == nil && e.Code == codec.CodeRateLimited && f.Object == "chat/hot" {
				break
			}
		}
	}
	// The first refusal each client sees may come before the server read
	// the rest of its frames: wait for the count to settle.
	for s.hub.Stats().ObjectRate < 30 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	if got := s.hub.Stats().ObjectRate; got < 30 {
		t.Fatalf("%d frames refused, want about 40", got)
	}
}
