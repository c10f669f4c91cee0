package main

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// externalNATS runs a NATS server with JetStream in the test process on
// port, storing under dir.
func externalNATS(t *testing.T, port int, dir string) *natsserver.Server {
	t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("external NATS not ready")
	}
	return ns
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// publishSeq publishes readings seq from..to of device d through
// JetStream, each acknowledged.
func publishSeq(t *testing.T, url string, from, to int) {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	for seq := from; seq <= to; seq++ {
		body := fmt.Sprintf(`{"ts": %d, "value": 1, "seq": %d}`, time.Now().UnixMilli(), seq)
		if _, err := js.Publish(context.Background(), "iot.ext.d1", []byte(body)); err != nil {
			t.Fatalf("reading %d: %v", seq, err)
		}
	}
}

// hearth on an external NATS with durable ingest: the NATS server
// restarts under it, and every reading JetStream acknowledged, before and
// after, is counted once.
func TestExternalNATSRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	port, store := freePort(t), t.TempDir()
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)
	ns := externalNATS(t, port, store)
	srv := startChild(t, "--data", t.TempDir(), "--http", "127.0.0.1:0", "--quic", "127.0.0.1:0", "--nats-url", url, "--durable-ingest")
	ready := srv.waitFor(t, "hearth ready")
	group := "http://" + ready["http"].(string) + "/api/iot/groups/ext"
	publishSeq(t, url, 1, 500)

	ns.Shutdown()
	ns.WaitForShutdown()
	time.Sleep(500 * time.Millisecond) // hearth notices and keeps reconnecting
	ns = externalNATS(t, port, store)
	defer ns.Shutdown()
	publishSeq(t, url, 501, 1000)

	count := 0
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if count = hourCount(group); count == 1000 {
			return
		}
	}
	t.Fatalf("after the NATS restart the group counted %d of 1000 acknowledged readings", count)
}
