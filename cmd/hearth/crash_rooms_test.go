package main

import (
	"context"
	"crypto/tls"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/transport/client"
)

// TestRoomSurvivesSIGKILL kills the server mid-game and finds the room
// back, with the player where the last save had it, resumable with the
// token from before the crash.
func TestRoomSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	data := t.TempDir()
	args := []string{"--data", data, "--http", "127.0.0.1:0", "--nats", "127.0.0.1:0", "--quic", "127.0.0.1:0"}
	srv := startChild(t, args...)
	ready := srv.waitFor(t, "hearth ready")
	ctx := context.Background()
	c, err := client.DialWebSocket(ctx, "ws://"+ready["http"].(string)+"/ws", client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const room = "room/crashy"
	b := newBot(t, c, room, tick.JoinData{})
	for range 20 {
		b.move(t, room, 1, -1)
		b.read(t, 50*time.Millisecond)
	}
	b.read(t, 2500*time.Millisecond) // the disc coasts to a stop; saves happen every second
	var meID int32
	var me [2]int64
	for id, pos := range b.players() {
		meID, me = id, pos
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.cmd.Wait()
	c.Close()

	again := startChild(t, args...)
	ready = again.waitFor(t, "hearth ready")
	qc, err := client.DialQUIC(ctx, ready["quic"].(string), client.Options{TLS: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer qc.Close()
	back := newBot(t, qc, room, tick.JoinData{Resume: b.joined.Resume})
	if !back.joined.Resumed || back.joined.Player != b.joined.Player {
		t.Fatalf("after SIGKILL the resume token gave %+v", back.joined)
	}
	back.read(t, 300*time.Millisecond)
	got, ok := back.world[meID]
	if !ok {
		t.Fatalf("player disc %d missing after restart; world %v", meID, back.world)
	}
	if dx, dy := got[0]-me[0], got[1]-me[1]; dx*dx+dy*dy > 16*16 {
		t.Fatalf("player at %v after restart, was %v before the kill (more than one unit off)", got, me)
	}
}
