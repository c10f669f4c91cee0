package iot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/iot"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/session/store"
)

// BenchmarkGroupIngest: readings/s into 10 groups of 1,000 devices each
// through the runtime (no NATS), with checkpoints to badger (sync) every
// second and without, for the checkpoint's cost (target ≤ 10 %); and with
// the group_relative detector on both metrics, which compares each reading
// with the group's statistics.
func BenchmarkGroupIngest(b *testing.B) {
	for _, v := range []struct{ checkpoint, relative bool }{{false, false}, {true, false}, {false, true}} {
		checkpoint := v.checkpoint
		name := fmt.Sprintf("checkpoint=%v", checkpoint)
		if v.relative {
			name += "/group_relative"
		}
		b.Run(name, func(b *testing.B) {
			st, err := store.Open(store.Options{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			rt, _ := session.New(session.Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			defer rt.Shutdown(context.Background())
			_ = rt.Register(iot.Kind("group", iot.Config{NoCheckpoint: !checkpoint}))
			const groups, devices = 10, 10_000
			refs := make([]session.Ref, groups)
			for g := range refs {
				refs[g], _ = rt.Ref(session.ID{Kind: "group", Name: "g" + strconv.Itoa(g)})
				if v.relative {
					conf := iot.GroupConfig{Detectors: []iot.DetectorSpec{{Metric: "*", Type: "group_relative", Z: 4}}}
					if _, err := refs[g].Call(context.Background(), iot.SetConfig{Config: conf}); err != nil {
						b.Fatal(err)
					}
				}
			}
			payloads := make([][]byte, devices)
			names := make([]string, devices)
			for d := range devices {
				names[d] = "d" + strconv.Itoa(d)
				payloads[d] = []byte(`{"metrics": {"temp": ` + strconv.Itoa(20+d%7) + `, "rpm": 1200}}`)
			}
			n := max(b.N, devices)
			b.ResetTimer()
			for i := range n {
				d := i % devices
				for refs[d%groups].Send(codec.Ingest{Device: names[d], Payload: payloads[d], Received: time.Now().UnixNano()}) != nil {
					time.Sleep(100 * time.Microsecond) // mailbox full: wait, as a JetStream NAK would
				}
			}
			var total int64
			for total < int64(n) {
				total = 0
				for _, r := range refs {
					v, err := r.Call(context.Background(), iot.CountsQuery{})
					if err == nil {
						total += v.(iot.Counters).Readings
					}
				}
				time.Sleep(5 * time.Millisecond)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "readings/s")
		})
	}
}
