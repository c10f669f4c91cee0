package main

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// The embedded server listens where asked (port 0: a free port), serves
// hearth's own connection and outside clients, and stops cleanly.
func TestEmbeddedNATS(t *testing.T) {
	cfg := &config{Data: t.TempDir(), NATS: "127.0.0.1:0"}
	m, err := startNATS(cfg, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(m.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("hearth.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := m.conn.Publish("hearth.test", []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if msg, err := sub.NextMsg(5 * time.Second); err != nil || string(msg.Data) != "hi" {
		t.Fatalf("message from hearth's connection: %v, %v", msg, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.close(ctx)
	if !m.conn.IsClosed() || m.embedded.Running() {
		t.Fatal("NATS still up after close")
	}
}

// A taken port fails at once with the reason, not after the start timeout.
func TestEmbeddedNATSPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := &config{Data: t.TempDir(), NATS: ln.Addr().String()}
	start := time.Now()
	_, err = startNATS(cfg, discardLogger())
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("err = %v, want address already in use", err)
	}
	if took := time.Since(start); took > natsStartTimeout/2 {
		t.Fatalf("failure took %v", took)
	}
}
