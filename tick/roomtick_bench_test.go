package tick_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/tick/arena"
)

// ackConn encodes each frame as a transport would and remembers the
// newest snapshot's seq, for the client to acknowledge.
type ackConn struct{ snap atomic.Uint32 }

func (c *ackConn) Send(msg any) error {
	o := msg.(*codec.Out)
	if o.Kind == codec.KindSnapshot {
		c.snap.Store(o.Seq)
	}
	return encodeAsTransport(o)
}
func (c *ackConn) Close(error) {}

// sentBytes counts what rooms report sending.
type sentBytes struct {
	tick.Observer
	frames, bytes atomic.Int64
}

func (s *sentBytes) SnapshotSent(n int) { s.frames.Add(1); s.bytes.Add(int64(n)) }

// BenchmarkRoomTick measures the CPU cost of one tick of one room at
// 30 Hz: an arena of 8 players and 8 orbs, 8 attached in-process clients
// that encode every frame as a transport would. Ticks are driven back to
// back, without waiting for real time, by handing the room the
// session.Wake its timer would deliver, with a clock that advances one
// period per tick; each iteration is one tick, including the runtime's
// delivery of the Wake and the amortized save every simulated second.
//
// ack=false: clients never acknowledge, so every snapshot is full.
// ack=true: each client sends one input per tick acknowledging the newest
// snapshot it got, so snapshots are deltas (the input path is included).
// noop: a message the room ignores, the runtime's round trip alone.
//
// cpu-ns/tick is the process's CPU time (every goroutine: the room, the
// runtime, the driver, the GC) per tick; on a shared machine it varies
// less than ns/op, which counts time spent waiting for a core.
func BenchmarkRoomTick(b *testing.B) {
	for _, ack := range []bool{false, true} {
		b.Run(fmt.Sprintf("ack=%v", ack), func(b *testing.B) { benchRoomTick(b, ack, false) })
	}
	b.Run("noop", func(b *testing.B) { benchRoomTick(b, false, true) })
}

func benchRoomTick(b *testing.B, ack, noop bool) {
	const hz = 30
	period := time.Second / hz
	obs := &sentBytes{Observer: newLatencies()}
	rt, err := session.New(session.Config{Store: session.NewMemStore(), Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	defer rt.Shutdown(context.Background())
	k, err := tick.Kind("room", tick.Config{TickHz: hz, Observer: obs, Tolerance: arena.Tolerance,
		NewGame: func(string) tick.Game { return arena.New(8, 1) }})
	if err != nil {
		b.Fatal(err)
	}
	if err := rt.Register(k); err != nil {
		b.Fatal(err)
	}
	id := session.ID{Kind: "room", Name: "bench"}
	conns := make([]*ackConn, 8)
	for p := range conns {
		conns[p] = &ackConn{}
		info := codec.JoinInfo{Player: fmt.Sprintf("bot%d", p), Role: "player"}
		if _, err := rt.Attach(context.Background(), id, session.ConnID(p+1), conns[p], info); err != nil {
			b.Fatal(err)
		}
	}
	ref, err := rt.Ref(id)
	if err != nil {
		b.Fatal(err)
	}
	// Inputs steer each player in a circle, a new direction every tick.
	moves := make([]codec.Payload, 64)
	for i := range moves {
		raw, _ := msgpack.Marshal([]arena.Move{{float64(i%8)/4 - 1, float64(i/8)/4 - 1}})
		moves[i] = codec.Payload{Raw: raw, Format: codec.Binary}
	}
	// The room's schedule starts within a period of the first join; a
	// clock two periods ahead of now is due, and from then on each step of
	// one period makes exactly one tick due.
	now := time.Now().Add(2 * period)
	ctx := context.Background()
	addr := id.String()
	var seq uint32
	step := func() {
		now = now.Add(period)
		if ack {
			seq++
			for p, c := range conns {
				f := codec.Frame{Kind: codec.KindInput, Object: addr, Seq: seq, Ack: c.snap.Load(),
					Payload: moves[(int(seq)+p)%len(moves)]}
				if err := ref.Deliver(session.ConnID(p+1), f); err != nil {
					b.Fatal(err)
				}
			}
		}
		var msg any = session.Wake{Now: now}
		if noop {
			msg = struct{}{}
		}
		if _, err := ref.Call(ctx, msg); err != nil {
			b.Fatal(err)
		}
	}
	for range 2 * hz { // warm up: a second of game time
		step()
	}
	frames0, bytes0 := obs.frames.Load(), obs.bytes.Load()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		step()
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/tick")
	b.ReportMetric(float64(obs.frames.Load()-frames0)/float64(b.N), "frames/tick")
	b.ReportMetric(float64(obs.bytes.Load()-bytes0)/float64(b.N), "B-sent/tick")
}
