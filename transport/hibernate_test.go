package transport_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/transport"
)

// A WebSocket client stays connected while its object hibernates, and its
// next event wakes the object.
func TestConnectionOutlivesHibernation(t *testing.T) {
	rt, err := session.New(session.Config{Store: session.NewMemStore(), Logger: quiet(), IdleTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Shutdown(context.Background())
	_ = rt.Register(session.Kind{Name: "chat", New: func(session.ID) session.Object { return chat{} }})
	s := &testServer{rt: rt, hub: transport.NewHub(rt, transport.Config{Logger: quiet()})}
	startHTTP(t, s)
	c := dialWS(t, s, false)
	join(t, c, "chat/sleepy", nil)

	deadline := time.Now().Add(5 * time.Second)
	for active(rt) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("object never hibernated")
		}
		time.Sleep(5 * time.Millisecond)
	}
	must(t, c.Send(&codec.Out{Kind: codec.KindEvent, Object: "chat/sleepy", Body: "wake up"}))
	var got string
	if err := recvKind(t, c, codec.KindEvent).Payload.Decode(&got); err != nil || got != "wake up" {
		t.Fatalf("after hibernation: %q %v", got, err)
	}
}

func active(rt *session.Runtime) int {
	n := 0
	for _, s := range rt.Stats() {
		n += s.Active
	}
	return n
}
