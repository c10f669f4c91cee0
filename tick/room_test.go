package tick_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/tick/arena"
)

// conn records what a room sends one client: the frames as the client
// decodes them, since the room may reuse a frame once Send has returned.
type conn struct {
	mu     sync.Mutex
	out    []*codec.Frame
	closed error
}

func (c *conn) Send(msg any) error {
	raw, err := msg.(*codec.Out).Encode(codec.Binary)
	if err != nil {
		return err
	}
	f, err := codec.DecodeBinary(raw, 0)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out = append(c.out, &f)
	return nil
}

func (c *conn) Close(reason error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = reason
}

// last returns the newest frame of kind k.
func (c *conn) last(k codec.Kind) *codec.Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.out) - 1; i >= 0; i-- {
		if c.out[i].Kind == k {
			return c.out[i]
		}
	}
	return nil
}

func (c *conn) count(k codec.Kind) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, o := range c.out {
		if o.Kind == k {
			n++
		}
	}
	return n
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func roomRuntime(t *testing.T, store session.Store, cfg tick.Config) *session.Runtime {
	t.Helper()
	rt, err := session.New(session.Config{Store: store, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NewGame == nil {
		cfg.NewGame = func(string) tick.Game { return arena.New(4, 1) }
	}
	k, err := tick.Kind("room", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(k); err != nil {
		t.Fatal(err)
	}
	return rt
}

var room = session.ID{Kind: "room", Name: "r1"}

func joinInfo(t *testing.T, player string, data any) codec.JoinInfo {
	t.Helper()
	raw, err := msgpack.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return codec.JoinInfo{Player: player, Role: "player", Data: codec.Payload{Raw: raw, Format: codec.Binary}}
}

func joinRoom(t *testing.T, rt *session.Runtime, cid session.ConnID, c *conn, player string, data any) (tick.Joined, error) {
	t.Helper()
	v, err := rt.Attach(context.Background(), room, cid, c, joinInfo(t, player, data))
	if err != nil {
		return tick.Joined{}, err
	}
	return v.(tick.Joined), nil
}

func input(t *testing.T, rt *session.Runtime, cid session.ConnID, seq, ack uint32, moves ...arena.Move) {
	t.Helper()
	raw, _ := msgpack.Marshal(moves)
	f := codec.Frame{Kind: codec.KindInput, Object: "room/r1", Seq: seq, Ack: ack, Payload: codec.Payload{Raw: raw, Format: codec.Binary}}
	if err := rt.Deliver(room, cid, f); err != nil {
		t.Fatal(err)
	}
}

// body decodes a snapshot frame's body.
func body(t *testing.T, f *codec.Frame) tick.SnapshotBody {
	t.Helper()
	var b tick.SnapshotBody
	if err := f.Payload.Decode(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoomTicksAndSendsDeltaSnapshots(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := roomRuntime(t, session.NewMemStore(), tick.Config{})
		defer rt.Shutdown(context.Background())
		a, b := &conn{}, &conn{}
		ja, err := joinRoom(t, rt, 1, a, "ann", nil)
		if err != nil || ja.Player != "ann" || ja.Resume == "" || ja.TickHz != 20 {
			t.Fatalf("join: %+v %v", ja, err)
		}
		if _, err := joinRoom(t, rt, 2, b, "bob", nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if n := a.count(codec.KindSnapshot); n < 19 || n > 21 {
			t.Fatalf("%d snapshots in a second at 20 Hz", n)
		}
		first := body(t, a.last(codec.KindSnapshot))
		if first.Base != 0 || len(first.Ents) != 6 {
			t.Fatalf("without acks snapshots must be full: base %d, %d entities", first.Base, len(first.Ents))
		}
		// Acknowledge the latest snapshot: the next ones are deltas.
		input(t, rt, 1, 1, a.last(codec.KindSnapshot).Seq, arena.Move{1, 0})
		time.Sleep(500 * time.Millisecond) // ann speeds up and strays from her record
		synctest.Wait()
		d := body(t, a.last(codec.KindSnapshot))
		if d.Base == 0 {
			t.Fatalf("after an ack, snapshots must be deltas: last seq %d body %+v", a.last(codec.KindSnapshot).Seq, d)
		}
		if a.last(codec.KindSnapshot).Ack != 1 {
			t.Fatalf("snapshot acks input %d, want 1", a.last(codec.KindSnapshot).Ack)
		}
	})
}

func TestRoomInputRules(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := roomRuntime(t, session.NewMemStore(), tick.Config{MaxPlayers: 1})
		defer rt.Shutdown(context.Background())
		a := &conn{}
		if _, err := joinRoom(t, rt, 1, a, "ann", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := joinRoom(t, rt, 2, &conn{}, "bob", nil); !errors.Is(err, tick.ErrRoomFull) {
			t.Fatalf("second player in a 1-player room: %v", err)
		}
		eve := &conn{}
		if _, err := joinRoom(t, rt, 3, eve, "eve", tick.JoinData{Spectate: true}); err != nil {
			t.Fatalf("a spectator does not take a seat: %v", err)
		}
		input(t, rt, 1, 1, 0, arena.Move{math.NaN(), 0})
		input(t, rt, 1, 2, 0, arena.Move{5, 0})
		synctest.Wait()
		if n := a.count(codec.KindError); n != 2 {
			t.Fatalf("NaN and out-of-range inputs: %d errors, want 2", n)
		}
		input(t, rt, 3, 1, 0, arena.Move{1, 0})
		synctest.Wait()
		if eve.count(codec.KindError) != 1 {
			t.Fatal("a spectator's input must be refused")
		}
		// A viewer token (dashboards) watches as a spectator and plays
		// no more than one.
		vic := &conn{}
		info := joinInfo(t, "vic", nil)
		info.Role = "viewer"
		v, err := rt.Attach(context.Background(), room, 4, vic, info)
		if err != nil || !v.(tick.Joined).Spectator {
			t.Fatalf("viewer joined as %+v (%v), want a spectator", v, err)
		}
		input(t, rt, 4, 1, 0, arena.Move{1, 0})
		synctest.Wait()
		if vic.count(codec.KindError) != 1 {
			t.Fatal("a viewer's input must be refused")
		}
		// Resent and reordered inputs are dropped without an error.
		input(t, rt, 1, 3, 0, arena.Move{1, 0}, arena.Move{0, 1})
		input(t, rt, 1, 3, 0, arena.Move{1, 0}, arena.Move{0, 1})
		input(t, rt, 1, 2, 0, arena.Move{1, 0})
		synctest.Wait()
		if n := a.count(codec.KindError); n != 2 {
			t.Fatalf("duplicates and reordering answered with errors: %d errors", n)
		}
		time.Sleep(100 * time.Millisecond)
	})
}

func TestRoomResume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := roomRuntime(t, session.NewMemStore(), tick.Config{ResumeGrace: 10 * time.Second})
		defer rt.Shutdown(context.Background())
		j, _ := joinRoom(t, rt, 1, &conn{}, "ann", nil)
		rt.Detach(room, 1)
		time.Sleep(5 * time.Second)
		again, err := joinRoom(t, rt, 2, &conn{}, "", tick.JoinData{Resume: j.Resume})
		if err != nil || again.Player != "ann" || !again.Resumed {
			t.Fatalf("resume within the grace period: %+v %v", again, err)
		}
		rt.Detach(room, 2)
		time.Sleep(11 * time.Second)
		if _, err := joinRoom(t, rt, 3, &conn{}, "", tick.JoinData{Resume: j.Resume}); !errors.Is(err, tick.ErrResumeExpired) {
			t.Fatalf("resume after the grace period: %v", err)
		}
	})
}

// A room saved and restarted comes back with its players' positions and
// ticks again without any client.
func TestRoomRestoredAfterRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := session.NewMemStore()
		rt := roomRuntime(t, store, tick.Config{})
		a := &conn{}
		j, _ := joinRoom(t, rt, 1, a, "ann", nil)
		for i := uint32(1); i <= 20; i++ {
			input(t, rt, 1, i, 0, arena.Move{1, 1})
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(1100 * time.Millisecond) // a save
		before := body(t, a.last(codec.KindSnapshot)).Ents
		_ = rt.Shutdown(context.Background())

		rt2 := roomRuntime(t, store, tick.Config{})
		defer rt2.Shutdown(context.Background())
		time.Sleep(4 * time.Second) // the revive alarm wakes the room
		synctest.Wait()
		if s := rt2.Stats(); len(s) != 1 || s[0].Active != 1 {
			t.Fatalf("after restart, with no client, the room must be ticking: %+v", s)
		}
		names, _ := rt2.List("room")
		if len(names) != 1 {
			t.Fatalf("rooms after restart: %v", names)
		}
		b := &conn{}
		back, err := joinRoom(t, rt2, 9, b, "", tick.JoinData{Resume: j.Resume})
		if err != nil || back.Player != "ann" {
			t.Fatalf("resume after restart: %+v %v", back, err)
		}
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		after := body(t, b.last(codec.KindSnapshot)).Ents
		if len(after) != len(before) {
			t.Fatalf("entities %d before, %d after", len(before), len(after))
		}
	})
}

// Once its last player is gone for good, a room stops ticking and
// hibernates.
func TestEmptyRoomHibernates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := roomRuntime(t, session.NewMemStore(), tick.Config{ResumeGrace: time.Second})
		defer rt.Shutdown(context.Background())
		if _, err := joinRoom(t, rt, 1, &conn{}, "ann", nil); err != nil {
			t.Fatal(err)
		}
		rt.Detach(room, 1)
		time.Sleep(15 * time.Second) // grace, then the runtime's idle timeout
		synctest.Wait()
		if s := rt.Stats(); s[0].Active != 0 || s[0].Hibernated != 1 {
			t.Fatalf("empty room: %+v, want hibernated", s)
		}
	})
}

// shortGame ends after a few ticks.
type shortGame struct {
	*arena.Arena
	ticks int
}

func (g *shortGame) Step(dt time.Duration, in []tick.Input) { g.ticks++; g.Arena.Step(dt, in) }
func (g *shortGame) Finished() bool                         { return g.ticks >= 10 }

// A finished game is archived; its clients are told and the room stops.
func TestFinishedRoomIsArchived(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := session.NewMemStore()
		rt := roomRuntime(t, store, tick.Config{NewGame: func(string) tick.Game { return &shortGame{Arena: arena.New(2, 1)} }})
		defer rt.Shutdown(context.Background())
		a := &conn{}
		if _, err := joinRoom(t, rt, 1, a, "ann", nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if a.last(codec.KindLeft) == nil {
			t.Fatal("the client was not told the game ended")
		}
		if _, err := store.Get(room, "archive"); err != nil {
			t.Fatalf("no archive: %v", err)
		}
		input(t, rt, 1, 1, 0, arena.Move{1, 0})
		synctest.Wait()
		if a.last(codec.KindError) == nil {
			t.Fatal("input from a connection no longer in the room must be refused")
		}
		n := a.count(codec.KindSnapshot)
		time.Sleep(time.Second)
		synctest.Wait()
		if a.count(codec.KindSnapshot) != n {
			t.Fatal("a finished room still ticks")
		}
	})
}
