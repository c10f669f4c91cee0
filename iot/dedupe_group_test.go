package iot_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/iot"
	"github.com/hearth-server/hearth/session"
)

// Readings carrying a "seq" are counted once: a re-sent or redelivered
// reading is dropped and counted as a duplicate, also after a restart,
// and a sensor that restarts its counter is not mistaken for a replay.
func TestGroupDeduplicatesBySeq(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := session.NewMemStore()
		start := func() *session.Runtime {
			rt, _ := session.New(session.Config{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			_ = rt.Register(iot.Kind("group", iot.Config{Publisher: &recorder{}}))
			return rt
		}
		id := session.ID{Kind: "group", Name: "g"}
		ms := time.Now().UnixMilli() - 60_000
		send := func(rt *session.Runtime, seq, at int64) {
			p := `{"ts": ` + itoa(ms+at) + `, "value": 1, "seq": ` + itoa(seq) + `}`
			if err := rt.Send(id, codec.Ingest{Device: "d", Payload: []byte(p), Received: time.Now().UnixNano()}); err != nil {
				t.Fatal(err)
			}
		}
		counts := func(rt *session.Runtime) iot.Counters {
			synctest.Wait()
			c, err := rt.Call(context.Background(), id, iot.CountsQuery{})
			if err != nil {
				t.Fatal(err)
			}
			return c.(iot.Counters)
		}
		rt := start()
		for seq := int64(1); seq <= 10; seq++ {
			send(rt, seq, seq*100)
			send(rt, seq, seq*100) // each twice
		}
		if c := counts(rt); c.Readings != 10 || c.Dups != 10 {
			t.Fatalf("first run: %+v", c)
		}
		time.Sleep(1500 * time.Millisecond) // checkpoint
		_ = rt.Shutdown(context.Background())

		rt = start()
		defer rt.Shutdown(context.Background())
		send(rt, 9, 900)  // redelivered after the restart
		send(rt, 1, 5000) // the sensor rebooted: seq 1 again, later time
		if c := counts(rt); c.Readings != 0+1 || c.Dups != 1 {
			t.Fatalf("after restart: %+v", c)
		}
	})
}
