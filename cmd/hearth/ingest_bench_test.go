package main

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/hearth-server/hearth/iot"
	"github.com/hearth-server/hearth/session"
)

// BenchmarkIngest: readings/s through the whole pipeline (NATS → group
// object → windows → detectors) from 10,000 devices in 100 groups (target
// ≥ 400k/s), and a bare NATS subscriber that only decodes the same
// payloads, in the same run, for the ratio.
func BenchmarkIngest(b *testing.B) {
	const groups, devices = 100, 10_000
	payloads := make([][]byte, devices)
	subjects := make([]string, devices)
	ms := time.Now().UnixMilli()
	for d := range devices {
		subjects[d] = fmt.Sprintf("iot.g%03d.d%05d", d%groups, d)
		payloads[d] = []byte(`{"ts": ` + strconv.FormatInt(ms, 10) + `, "metrics": {"temp": 21.5, "rpm": 1200}}`)
	}
	b.Run("hearth", func(b *testing.B) {
		s := startInProcess(b, b.TempDir())
		nc := connect(b, s)
		n := max(b.N, devices)
		b.ResetTimer()
		publish(b, nc, subjects, payloads, n)
		waitProcessed(b, s.runtime, groups, int64(n))
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "readings/s")
		if st := s.ingest.Stats(); st.Overloaded > 0 || s.ingest.Dropped() > 0 {
			b.Fatalf("readings refused: %+v, dropped by NATS: %d", st, s.ingest.Dropped())
		}
	})
	b.Run("bare-subscriber", func(b *testing.B) {
		s := startInProcess(b, b.TempDir())
		nc := connect(b, s)
		sub := connect(b, s)
		var got atomic.Int64
		done := make(chan struct{})
		n := max(b.N, devices)
		_, err := sub.Subscribe("bench.>", func(m *nats.Msg) {
			if _, err := iot.DecodeReading(m.Data, time.Now()); err == nil && got.Add(1) == int64(n) {
				close(done)
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		_ = sub.Flush()
		bare := make([]string, len(subjects))
		for i, s := range subjects {
			bare[i] = "bench" + s[len("iot"):]
		}
		b.ResetTimer()
		publish(b, nc, bare, payloads, n)
		select {
		case <-done:
		case <-time.After(time.Minute):
			b.Fatalf("bare subscriber got %d of %d", got.Load(), n)
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "readings/s")
	})
}

func connect(b *testing.B, s *server) *nats.Conn {
	nc, err := nats.Connect(s.msg.addr())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	return nc
}

// publish sends n readings round-robin over the devices.
func publish(b *testing.B, nc *nats.Conn, subjects []string, payloads [][]byte, n int) {
	for i := range n {
		d := i % len(subjects)
		if err := nc.Publish(subjects[d], payloads[d]); err != nil {
			b.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		b.Fatal(err)
	}
}

// waitProcessed polls the groups until they have counted n readings.
func waitProcessed(b *testing.B, rt *session.Runtime, groups int, n int64) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var total int64
		for g := range groups {
			v, err := rt.Call(context.Background(), session.ID{Kind: "group", Name: fmt.Sprintf("g%03d", g)}, iot.CountsQuery{})
			if err == nil {
				c := v.(iot.Counters)
				total += c.Readings + c.Late
			}
		}
		if total >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("groups did not process %d readings in time", n)
}
