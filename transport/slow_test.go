package transport_test

import (
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/transport"
)

// A client that stops reading is disconnected; its peers keep receiving.
func TestSlowConsumerIsDisconnected(t *testing.T) {
	s := newTestServer(t, transport.Config{SendQueue: 8, StallTimeout: 500 * time.Millisecond, Rate: 1e6, Burst: 1e6})
	good := dialWS(t, s, false)
	join(t, good, "chat/room", nil)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stalled, _, err := websocket.Dial(ctx, s.wsURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.CloseNow()
	hello, _ := (&codec.Out{Kind: codec.KindHello, Body: codec.Hello{Version: 1}}).Encode(codec.Binary)
	joinF, _ := (&codec.Out{Kind: codec.KindJoin, Object: "chat/room"}).Encode(codec.Binary)
	must(t, stalled.Write(ctx, websocket.MessageBinary, hello))
	must(t, stalled.Write(ctx, websocket.MessageBinary, joinF))
	for s.hub.Conns() != 2 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the join land

	// Big reliable events until the stalled client is dropped; the good
	// client reads them all.
	payload := make([]byte, 16<<10)
	deadline := time.Now().Add(8 * time.Second)
	for i := 0; s.hub.Conns() > 1; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("stalled client still connected; stats %+v", s.hub.Stats())
		}
		must(t, good.Send(&codec.Out{Kind: codec.KindEvent, Object: "chat/room", Seq: uint32(i), Body: payload}))
		recvKind(t, good, codec.KindEvent)
	}
	if st := s.hub.Stats(); st.SlowClosed == 0 || st.Conns != 1 {
		t.Fatalf("stats %+v", st)
	}
	must(t, good.Send(&codec.Out{Kind: codec.KindEvent, Object: "chat/room", Body: "after"}))
	var got any
	for got != "after" {
		recvKind(t, good, codec.KindEvent).Payload.Decode(&got)
	}
}
