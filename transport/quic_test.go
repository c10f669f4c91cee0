package transport_test

import (
	"testing"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/transport"
	"github.com/hearth-server/hearth/transport/client"
)

// A raw QUIC client, a WebTransport session and a WebSocket client attach
// to the same object and exchange messages both ways, reliable events and
// unreliable inputs (datagrams on QUIC).
func TestThreeTransportsOneObject(t *testing.T) {
	s := newTestServer(t, transport.Config{})
	q := dialQUIC(t, s, s.clientTLS())
	wt := dialWT(t, s)
	ws := dialWS(t, s, true)
	if !q.Welcome().Datagrams || !wt.Welcome().Datagrams || ws.Welcome().Datagrams {
		t.Fatalf("datagrams: quic %v, wt %v, ws %v", q.Welcome().Datagrams, wt.Welcome().Datagrams, ws.Welcome().Datagrams)
	}
	all := []*client.Client{q, wt, ws}
	for _, c := range all {
		join(t, c, "chat/arena", nil)
	}
	for i, from := range all {
		kind := codec.KindEvent
		if i != 2 {
			kind = codec.KindInput // as a datagram
		}
		if err := from.Send(&codec.Out{Kind: kind, Object: "chat/arena", Seq: uint32(i + 1), Body: map[string]any{"from": i}}); err != nil {
			t.Fatal(err)
		}
		for j, to := range all {
			f := recvKind(t, to, kind)
			var got map[string]any
			if err := f.Payload.Decode(&got); err != nil || got["from"] == nil || f.Seq != uint32(i+1) {
				t.Fatalf("client %d got %+v %v from %d", j, got, err, i)
			}
		}
	}
}
