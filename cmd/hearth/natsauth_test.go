package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/hearth-server/hearth/iot"
	"github.com/hearth-server/hearth/session"
)

// With --nats-auth, sensors need the credentials, may publish readings
// and nothing else, and hearth still ingests them.
func TestNATSAuth(t *testing.T) {
	s := startInProcessWith(t, t.TempDir(), func(c *config) { c.NATSAuth = "sensor:s3cret-pass" })
	url := s.msg.addr()
	if nc, err := nats.Connect(url); err == nil {
		nc.Close()
		t.Fatal("connected without credentials")
	}
	if nc, err := nats.Connect(url, nats.UserInfo("sensor", "wrong-pass")); err == nil {
		nc.Close()
		t.Fatal("connected with a wrong password")
	}
	denied := make(chan error, 4)
	nc, err := nats.Connect(url, nats.UserInfo("sensor", "s3cret-pass"),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { denied <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.Publish("hearth.agg.g", []byte("forged aggregate"))
	_ = nc.Publish("iot.g.d1", []byte(`{"value": 1}`))
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-denied:
		if !errors.Is(err, nats.ErrPermissionViolation) {
			t.Fatalf("publishing outside iot.>: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("publishing outside iot.> was not refused")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		v, err := s.runtime.Call(context.Background(), session.ID{Kind: "group", Name: "g"}, iot.CountsQuery{})
		if err == nil && v.(iot.Counters).Readings == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("reading not ingested: %v %v", v, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
