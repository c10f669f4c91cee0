package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestDurableIngestSurvivesSIGKILL publishes readings that JetStream
// acknowledged, kills the server while it works through them, restarts it
// and finds every one of them in the group's aggregates (at least once).
func TestDurableIngestSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	const total = 5000
	data := t.TempDir()
	args := []string{"--data", data, "--http", "127.0.0.1:0", "--nats", "127.0.0.1:0", "--quic", "127.0.0.1:0", "--durable-ingest"}
	srv := startChild(t, args...)
	ready := srv.waitFor(t, "hearth ready")
	nc, err := nats.Connect(ready["nats"].(string))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	for i := range total {
		if _, err := js.Publish(ctx, fmt.Sprintf("iot.g.d%d", i%10), []byte(`{"value": 1}`)); err != nil {
			t.Fatalf("reading %d not acknowledged by JetStream: %v", i, err)
		}
	}
	nc.Close()
	time.Sleep(100 * time.Millisecond) // part applied, part checkpointed, part acknowledged
	before := hourCount("http://" + ready["http"].(string) + "/api/iot/groups/g")
	_ = srv.cmd.Process.Signal(syscall.SIGKILL)
	_ = srv.cmd.Wait()

	again := startChild(t, args...)
	ready = again.waitFor(t, "hearth ready")
	url := "http://" + ready["http"].(string) + "/api/iot/groups/g"
	deadline := time.Now().Add(30 * time.Second)
	count := 0
	for time.Now().Before(deadline) {
		count = hourCount(url)
		if count >= total {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if count < total {
		t.Fatalf("after SIGKILL and restart the group holds %d of %d acknowledged readings", count, total)
	}
	t.Logf("%d readings published; %d aggregated when killed; %d after the restart (%d delivered twice)", total, before, count, count-total)
}

// hourCount reads the group's 1-hour reading count over the API.
func hourCount(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var v struct {
		Metrics map[string]map[string]struct{ Count int }
	}
	_ = json.NewDecoder(resp.Body).Decode(&v)
	return v.Metrics["value"]["1h0m0s"].Count
}
