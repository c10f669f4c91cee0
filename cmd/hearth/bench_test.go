package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/transport/client"
)

// BenchmarkResume: a player drops and comes back over QUIC with its resume
// token; reported is the time from dialing to the first snapshot (target
// p99 ≤ 20 ms). 200 players in 25 rooms per iteration.
func BenchmarkResume(b *testing.B) {
	s := startInProcess(b, b.TempDir())
	ctx := context.Background()
	var lat []time.Duration
	for range b.N {
		for i := range 200 {
			room := fmt.Sprintf("room/resume-%d", i%25)
			ws, err := client.DialWebSocket(ctx, "ws://"+s.httpLn.Addr().String()+"/ws", client.Options{})
			if err != nil {
				b.Fatal(err)
			}
			f, err := ws.Join(ctx, room, codec.JoinRequest{})
			if err != nil {
				b.Fatal(err)
			}
			var j tick.Joined
			_ = f.Payload.Decode(&j)
			ws.Close()

			start := time.Now()
			q, err := client.DialQUIC(ctx, s.quic.Addr().String(), client.Options{TLS: &tls.Config{RootCAs: s.certs.Pool()}})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := q.Join(ctx, room, codec.JoinRequest{Data: tick.JoinData{Resume: j.Resume}}); err != nil {
				b.Fatal(err)
			}
			for {
				f, err := q.Recv(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if f.Kind == codec.KindSnapshot {
					break
				}
			}
			lat = append(lat, time.Since(start))
			q.Close()
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkRestart1000Rooms: 1,000 rooms with a player each, SIGKILL, and a
// restart on the same data; reported is the time from the restarted
// server's "ready" to all 1,000 rooms ticking again (target ≤ 3 s).
func BenchmarkRestart1000Rooms(b *testing.B) {
	const rooms = 1000
	for range b.N {
		data := b.TempDir()
		args := []string{"--data", data, "--http", "127.0.0.1:0", "--nats", "127.0.0.1:0", "--quic", "127.0.0.1:0"}
		srv := startChildB(b, args...)
		ready := srv.waitForB(b, "hearth ready")
		url := "ws://" + ready["http"].(string) + "/ws"
		conns := make([]*websocket.Conn, 0, rooms)
		hello, _ := (&codec.Out{Kind: codec.KindHello, Body: codec.Hello{Version: 1}}).Encode(codec.Binary)
		for i := range rooms {
			c, _, err := websocket.Dial(context.Background(), url, nil)
			if err != nil {
				b.Fatal(err)
			}
			join, _ := (&codec.Out{Kind: codec.KindJoin, Object: fmt.Sprintf("room/r%04d", i)}).Encode(codec.Binary)
			_ = c.Write(context.Background(), websocket.MessageBinary, hello)
			_ = c.Write(context.Background(), websocket.MessageBinary, join)
			conns = append(conns, c)
		}
		waitRooms(b, ready["http"].(string), rooms, time.Minute)
		time.Sleep(1500 * time.Millisecond) // a save everywhere
		_ = srv.cmd.Process.Signal(syscall.SIGKILL)
		_ = srv.cmd.Wait()
		for _, c := range conns {
			c.CloseNow()
		}
		again := startChildB(b, args...)
		ready = again.waitForB(b, "hearth ready")
		start := time.Now()
		waitRooms(b, ready["http"].(string), rooms, 30*time.Second)
		b.ReportMetric(time.Since(start).Seconds(), "s-to-all-ticking")
	}
}

// waitRooms polls /api/rooms until n rooms tick.
func waitRooms(b *testing.B, addr string, n int, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/api/rooms")
		if err == nil {
			var body struct{ Rooms []tick.RoomInfo }
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			ticking := 0
			for _, r := range body.Rooms {
				if r.Ticking {
					ticking++
				}
			}
			if ticking >= n {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fatalf("fewer than %d rooms ticking after %v", n, limit)
}
