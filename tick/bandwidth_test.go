package tick_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/tick/arena"
)

// BenchmarkSnapshotBandwidth measures the snapshot bytes one client
// receives per second in an arena of 32 players and 256 orbs at 20 Hz,
// with dead-reckoned deltas against the snapshot the client acknowledged
// and with full snapshots, while everything moves (players steer a new
// random direction twice a second, orbs drift and bounce) and while
// everything is at rest. Reported as kbit/s per client.
func BenchmarkSnapshotBandwidth(b *testing.B) {
	for _, moving := range []bool{true, false} {
		for _, deltas := range []bool{true, false} {
			name := fmt.Sprintf("moving=%v/delta=%v", moving, deltas)
			b.Run(name, func(b *testing.B) {
				var kbps float64
				for range b.N {
					kbps = simulateBandwidth(moving, deltas, 20*20)
				}
				b.ReportMetric(kbps, "kbit/s/client")
			})
		}
	}
}

// simulateBandwidth steps an arena for ticks ticks at 20 Hz and returns the
// kbit/s of snapshot frames one client gets.
func simulateBandwidth(moving, deltas bool, ticks int) float64 {
	orbs := 256
	a := arena.New(orbs, 9)
	if !moving {
		for i := range a.Discs {
			a.Discs[i].VX, a.Discs[i].VY = 0, 0
		}
	}
	for p := range 32 {
		_ = a.Join(fmt.Sprintf("p%02d", p))
	}
	r := rand.New(rand.NewPCG(3, 4))
	enc := tick.NewSnapshotEncoder(20, arena.Tolerance)
	var total int
	acked := uint32(0)
	steer := make([]arena.Move, 32)
	for n := 1; n <= ticks; n++ {
		var in []tick.Input
		if moving {
			for p := range 32 {
				if (n+p)%10 == 0 {
					steer[p] = arena.Move{r.Float64()*2 - 1, r.Float64()*2 - 1}
				}
				in = append(in, tick.Input{Player: fmt.Sprintf("p%02d", p), Data: steer[p]})
			}
		}
		a.Step(50*time.Millisecond, in)
		base := uint32(0)
		if deltas {
			base = acked
		}
		body, send := enc.Next(uint32(n), uint64(n), a.Entities(nil), base)
		if !send {
			continue
		}
		raw, _ := (&codec.Out{Kind: codec.KindSnapshot, Object: "room/bench", Seq: uint32(n), Ack: uint32(n), Body: body}).Encode(codec.Binary)
		total += len(raw)
		acked = uint32(n) // acknowledged by the next tick (a round trip under 50 ms)
	}
	seconds := float64(ticks) / 20
	return float64(total) * 8 / 1000 / seconds
}
