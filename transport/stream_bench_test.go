package transport_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/transport"
)

// BenchmarkStreamFanout: 1,000 WebSocket dashboards watch one topic whose
// 200-byte value changes at every sample (10 Hz), for one second per
// iteration. Reported: updates delivered per second and the process's
// CPU, against BenchmarkFanout/ws/bare-style writes of the same bytes at
// the same rate (BenchmarkStreamFanout/bare).
func BenchmarkStreamFanout(b *testing.B) {
	b.Run("hearth", func(b *testing.B) {
		rt, err := session.New(session.Config{Store: session.NewMemStore(), Logger: quiet()})
		if err != nil {
			b.Fatal(err)
		}
		defer rt.Shutdown(context.Background())
		hub := transport.NewHub(rt, transport.Config{Logger: quiet(), SendQueue: 256})
		defer hub.Shutdown(context.Background())
		var n atomic.Int64
		hub.Topic("bench", func(context.Context, string) (any, error) {
			v := make([]byte, fanoutPayload)
			v[0] = byte(n.Add(1))
			return v, nil
		})
		srv := &http.Server{Handler: http.HandlerFunc(hub.ServeWebSocket)}
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		go srv.Serve(ln)
		defer srv.Close()
		hello, _ := (&codec.Out{Kind: codec.KindHello, Body: codec.Hello{Version: 1}}).Encode(codec.Binary)
		sub, _ := (&codec.Out{Kind: codec.KindSubscribe, Object: "bench/x"}).Encode(codec.Binary)
		var cnt counter
		conns := dialWSCounters(b, "ws://"+ln.Addr().String(), &cnt, hello, sub)
		defer func() {
			for _, c := range conns {
				c.CloseNow()
			}
		}()
		measureStream(b, &cnt, func() {})
	})
	b.Run("bare", func(b *testing.B) {
		write, cnt, stop := bareWS(b)
		defer stop()
		var n byte
		measureStream(b, cnt, func() {
			n++
			msg, _ := (&codec.Out{Kind: codec.KindUpdate, Object: "bench/x", Seq: uint32(n), Body: make([]byte, fanoutPayload)}).Encode(codec.Binary)
			write(msg)
		})
	})
}

// measureStream lets deliveries run for one second per b.N, calling each
// every 100 ms, and reports delivered/s and cpu-%.
func measureStream(b *testing.B, cnt *counter, each func()) {
	b.ResetTimer()
	start, base, cpu0 := time.Now(), cnt.n.Load(), processCPU()
	for range b.N {
		for end := time.Now().Add(time.Second); time.Now().Before(end); {
			each()
			time.Sleep(100 * time.Millisecond)
		}
	}
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	b.ReportMetric(float64(cnt.n.Load()-base)/elapsed.Seconds(), "delivered/s")
	b.ReportMetric(100*cpu.Seconds()/elapsed.Seconds(), "cpu-%")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkStreamTopics: one dashboard over WebSocket watching 100 topics
// at 10 Hz, each changing at every sample (1,000 updates/s), for one
// second per iteration: the process's CPU (server and client together)
// against the same server with nobody subscribed (…/idle). Target: under
// 2 % of one core for the server.
func BenchmarkStreamTopics(b *testing.B) {
	for _, topics := range []int{0, 100} {
		name := "idle"
		if topics > 0 {
			name = "100-topics"
		}
		b.Run(name, func(b *testing.B) {
			rt, err := session.New(session.Config{Store: session.NewMemStore(), Logger: quiet()})
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Shutdown(context.Background())
			hub := transport.NewHub(rt, transport.Config{Logger: quiet()})
			defer hub.Shutdown(context.Background())
			var n atomic.Int64
			hub.Topic("bench", func(_ context.Context, topic string) (any, error) {
				return map[string]any{"topic": topic, "n": n.Add(1), "mean": 21.5, "max": 30.25}, nil
			})
			srv := &http.Server{Handler: http.HandlerFunc(hub.ServeWebSocket)}
			ln, _ := net.Listen("tcp", "127.0.0.1:0")
			go srv.Serve(ln)
			defer srv.Close()
			hello, _ := (&codec.Out{Kind: codec.KindHello, Body: codec.Hello{Version: 1}}).Encode(codec.Binary)
			first := [][]byte{hello}
			for i := range topics {
				sub, _ := (&codec.Out{Kind: codec.KindSubscribe, Object: fmt.Sprintf("bench/t%d", i)}).Encode(codec.Binary)
				first = append(first, sub)
			}
			var cnt counter
			conns := dialWSCountersN(b, "ws://"+ln.Addr().String(), 1, &cnt, first...)
			defer conns[0].CloseNow()
			measureStream(b, &cnt, func() {})
		})
	}
}
