package tick_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/tick/arena"
)

// latencies collects tick lateness from a room observer in a histogram
// (1 ns to 10 s, 3 significant digits): recording never allocates, where
// appending to a slice would now and then copy it into fresh memory, whose
// page faults (~11 µs a page in this VM) stall the room that appended.
type latencies struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
	tick.Observer
}

func newLatencies() *latencies { return &latencies{h: hdrhistogram.New(1, 10e9, 3)} }

func (l *latencies) TickLateness(d time.Duration) {
	l.mu.Lock()
	_ = l.h.RecordValue(max(1, d.Nanoseconds()))
	l.mu.Unlock()
}
func (l *latencies) TicksSkipped(uint64)  {}
func (l *latencies) SnapshotSent(int)     {}
func (l *latencies) Resumed()             {}
func (l *latencies) InputRejected(string) {}

// nullConn takes frames and drops them, after encoding as a transport would.
type nullConn struct{}

func (nullConn) Send(msg any) error {
	return encodeAsTransport(msg.(*codec.Out))
}
func (nullConn) Close(error) {}

// BenchmarkTickLateness runs rooms at 30 Hz, each with 8 attached clients
// and an arena of 8 players and 8 orbs, for two seconds per iteration, and
// reports tick lateness percentiles (target at 2,000 rooms: p99 ≤ 1 ms,
// p99.9 ≤ 4 ms). Clients are in-process (no sockets): this measures the
// schedule and the rooms, not the network. clock=true wakes rooms from a
// tick.Clock, as hearth serve does; clock=false from the runtime's timers
// (--tick-timers). The garbage collector runs at GOGC=400, hearth serve's
// --gc-percent default, unless GOGC is set.
func BenchmarkTickLateness(b *testing.B) {
	if _, set := os.LookupEnv("GOGC"); !set {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	for _, clock := range []bool{false, true} {
		for _, rooms := range []int{100, 500, 1000, 1500, 2000} {
			b.Run(fmt.Sprintf("clock=%v/rooms=%d", clock, rooms), func(b *testing.B) {
				benchLateness(b, rooms, clock)
			})
		}
	}
}

func benchLateness(b *testing.B, rooms int, useClock bool) {
	{
		{
			lat := newLatencies()
			rt, err := session.New(session.Config{Store: session.NewMemStore(), Logger: quiet()})
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Shutdown(context.Background())
			var clock *tick.Clock
			if useClock {
				clock = tick.NewClock()
				defer clock.Close()
			}
			k, _ := tick.Kind("room", tick.Config{TickHz: 30, Observer: lat, Clock: clock,
				NewGame: func(string) tick.Game { return arena.New(8, 1) }})
			_ = rt.Register(k)
			cid := session.ConnID(0)
			for r := range rooms {
				id := session.ID{Kind: "room", Name: fmt.Sprintf("r%05d", r)}
				for p := range 8 {
					cid++
					info := codec.JoinInfo{Player: fmt.Sprintf("bot%d", p), Role: "player"}
					if _, err := rt.Attach(context.Background(), id, cid, nullConn{}, info); err != nil {
						b.Fatal(err)
					}
				}
			}
			time.Sleep(500 * time.Millisecond) // settle
			lat.mu.Lock()
			lat.h.Reset()
			lat.mu.Unlock()
			b.ResetTimer()
			cpu0, flt0, alloc0 := cpuTime(), minorFaults(), allocated()
			for range b.N {
				time.Sleep(2 * time.Second)
			}
			cpu, flt, alloc := cpuTime()-cpu0, minorFaults()-flt0, allocated()-alloc0
			b.StopTimer()
			lat.mu.Lock()
			h := hdrhistogram.Import(lat.h.Export())
			lat.mu.Unlock()
			if h.TotalCount() == 0 {
				b.Fatal("no ticks")
			}
			pct := func(p float64) float64 { return float64(h.ValueAtQuantile(p)) / 1e3 }
			b.ReportMetric(pct(50), "p50-µs")
			b.ReportMetric(pct(99), "p99-µs")
			b.ReportMetric(pct(99.9), "p99.9-µs")
			b.ReportMetric(float64(h.TotalCount())/(2*float64(b.N))/float64(rooms), "ticks/s/room")
			b.ReportMetric(100*cpu.Seconds()/(2*float64(b.N)), "cpu-%")
			b.ReportMetric(float64(flt)/(2*float64(b.N)), "faults/s")
			b.ReportMetric(float64(alloc)/(2*float64(b.N))/float64(rooms*30), "B-alloc/tick")
		}
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// minorFaults is the process's minor page faults so far: first touches of
// memory, which in a VM can stall a thread for a millisecond or more.
func minorFaults() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Minflt
}

// allocated is the bytes the process has allocated on the heap so far.
func allocated() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}
