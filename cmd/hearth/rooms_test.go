package main

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/transport/client"
)

// startInProcess runs a whole hearth server in the test process on free
// loopback ports.
func startInProcess(t testing.TB, data string) *server {
	t.Helper()
	return startInProcessWith(t, data, func(*config) {})
}

// startInProcessWith is startInProcess with the configuration adjusted by
// set.
func startInProcessWith(t testing.TB, data string, set func(*config)) *server {
	t.Helper()
	cfg := &config{Data: data, HTTP: "127.0.0.1:0", QUIC: "127.0.0.1:0", NATS: "127.0.0.1:0", Durability: "async"}
	set(cfg)
	if err := cfg.withDefaults(); err != nil {
		t.Fatal(err)
	}
	if _, bench := t.(*testing.B); bench { // measure what hearth serve runs
		t.Cleanup(setGC(cfg))
	}
	s, err := startServer(cfg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.shutdown(ctx)
	})
	return s
}

// bot is a client in a room that keeps its latest view of the world.
type bot struct {
	c      *client.Client
	joined tick.Joined
	view   map[int32][8]int64 // dead-reckoning records by entity id
	world  map[int32][2]int64 // positions at the newest snapshot
	kinds  map[int32]int64
	snap   uint32
	seq    uint32
	acked  uint32 // newest input the room says it applied
}

func newBot(t *testing.T, c *client.Client, room string, data tick.JoinData) *bot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f, err := c.Join(ctx, room, codec.JoinRequest{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	b := &bot{c: c, view: map[int32][8]int64{}, world: map[int32][2]int64{}}
	if err := f.Payload.Decode(&b.joined); err != nil {
		t.Fatal(err)
	}
	return b
}

// move sends one input (with the previous one resent) acknowledging the
// newest snapshot.
func (b *bot) move(t *testing.T, room string, dx, dy float64) {
	t.Helper()
	b.seq++
	moves := [][2]float64{{dx, dy}, {dx, dy}}
	if err := b.c.Send(&codec.Out{Kind: codec.KindInput, Object: room, Seq: b.seq, Ack: b.snap, Body: moves}); err != nil {
		t.Fatal(err)
	}
}

// read applies the snapshots that arrived within d.
func (b *bot) read(t *testing.T, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		f, err := b.c.Recv(ctx)
		if err != nil {
			return
		}
		if f.Kind != codec.KindSnapshot || f.Seq <= b.snap {
			continue
		}
		var body tick.SnapshotBody
		if err := f.Payload.Decode(&body); err != nil {
			t.Fatal(err)
		}
		b.world = tick.Reconstruct(b.view, body, b.joined.TickHz)
		b.snap = f.Seq
		b.acked = max(b.acked, f.Ack)
	}
}

// players returns the positions of the player discs this bot sees.
func (b *bot) players() map[int32][2]int64 {
	out := map[int32][2]int64{}
	for id, r := range b.view {
		if r[1] == 1 {
			out[id] = b.world[id]
		}
	}
	return out
}

// Bots over QUIC and WebSocket play in one room and see each other move;
// the WebSocket bot resumes its slot over QUIC.
func TestBotsPlayOverQUICAndWebSocket(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	s := startInProcess(t, t.TempDir())
	ctx := context.Background()
	qc, err := client.DialQUIC(ctx, s.quic.Addr().String(), client.Options{TLS: &tls.Config{RootCAs: s.certs.Pool()}})
	if err != nil {
		t.Fatal(err)
	}
	defer qc.Close()
	wc, err := client.DialWebSocket(ctx, "ws://"+s.httpLn.Addr().String()+"/ws", client.Options{JSON: true})
	if err != nil {
		t.Fatal(err)
	}
	const room = "room/duel"
	q := newBot(t, qc, room, tick.JoinData{})
	w := newBot(t, wc, room, tick.JoinData{})
	q.read(t, 300*time.Millisecond)
	w.read(t, 300*time.Millisecond)
	if len(q.players()) != 2 || len(w.players()) != 2 {
		t.Fatalf("players seen: quic %d, ws %d", len(q.players()), len(w.players()))
	}
	before := w.players()
	for range 20 { // one second of steering: q right, w down
		q.move(t, room, 1, 0)
		w.move(t, room, 0, 1)
		q.read(t, 50*time.Millisecond)
		w.read(t, 50*time.Millisecond)
	}
	moved := 0
	for id, e := range w.players() {
		if e != before[id] {
			moved++
		}
	}
	if moved != 2 {
		t.Fatalf("the WebSocket bot saw %d of 2 players move", moved)
	}

	// The WebSocket bot drops; it resumes over QUIC with its token.
	wc.Close()
	qc2, err := client.DialQUIC(ctx, s.quic.Addr().String(), client.Options{TLS: &tls.Config{RootCAs: s.certs.Pool()}})
	if err != nil {
		t.Fatal(err)
	}
	defer qc2.Close()
	start := time.Now()
	back := newBot(t, qc2, room, tick.JoinData{Resume: w.joined.Resume})
	if back.joined.Player != w.joined.Player || !back.joined.Resumed {
		t.Fatalf("resume over QUIC: %+v, was %+v", back.joined, w.joined)
	}
	back.read(t, 200*time.Millisecond)
	if len(back.players()) != 2 {
		t.Fatalf("after resume the bot sees %d players", len(back.players()))
	}
	t.Logf("resumed over another transport; first snapshot within %v", time.Since(start))

	_, list := httpGet(t, "http://"+s.httpLn.Addr().String()+"/api/rooms")
	if !strings.Contains(list, `"room":"room/duel"`) || !strings.Contains(list, `"players":2`) {
		t.Fatalf("GET /api/rooms: %s", list)
	}
	_, metrics := httpGet(t, "http://"+s.httpLn.Addr().String()+"/metrics")
	for _, want := range []string{`hearth_room_players{role="player"} 2`, "hearth_rooms 1", "hearth_tick_lateness_seconds_count", "hearth_resumes_total 1"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
