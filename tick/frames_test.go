package tick_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/tick/arena"
)

// heldStore holds every Apply while its gate is closed.
type heldStore struct {
	session.Store
	mu   sync.Mutex
	gate chan struct{} // nil: open
}

func (s *heldStore) Apply(b []*session.Batch) []error {
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return s.Store.Apply(b)
}

// hold closes the gate; the function returned opens it.
func (s *heldStore) hold() (open func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gate := make(chan struct{})
	s.gate = gate
	return func() {
		s.mu.Lock()
		s.gate = nil
		s.mu.Unlock()
		close(gate)
	}
}

// snapLog checks snapshot frames as connections encode them: each
// client's snapshots come newer and newer, and a snapshot carries the
// same tick whoever gets it. A room that reused a frame or a body while
// the session still held it would send one snapshot twice, or a body
// under another snapshot's seq.
type snapLog struct {
	t      *testing.T
	mu     sync.Mutex
	tickOf map[uint32]uint64 // snapshot seq → its body's tick
	count  int
	deltas int
}

// snapConn is one client of a snapLog.
type snapConn struct {
	log  *snapLog
	last uint32 // newest snapshot seq
}

func (c *snapConn) Send(msg any) error {
	o := msg.(*codec.Out)
	if o.Kind != codec.KindSnapshot {
		return nil
	}
	raw, _, err := o.AppendBinary(nil) // as the transport encodes binary frames
	if err != nil {
		return err
	}
	f, err := codec.DecodeBinary(raw, 0)
	if err != nil {
		return err
	}
	var b tick.SnapshotBody
	if err := f.Payload.Decode(&b); err != nil {
		return err
	}
	c.log.check(c, f.Seq, b)
	return nil
}

func (c *snapConn) Close(error) {}

func (l *snapLog) check(c *snapConn, seq uint32, b tick.SnapshotBody) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq <= c.last {
		l.t.Errorf("snapshot %d after snapshot %d", seq, c.last)
	}
	c.last = seq
	if was, ok := l.tickOf[seq]; ok && was != b.Tick {
		l.t.Errorf("snapshot %d carries tick %d to one client, %d to another", seq, b.Tick, was)
	}
	l.tickOf[seq] = b.Tick
	l.count++
	if b.Base != 0 {
		l.deltas++
	}
}

// A room reuses a snapshot's frames and bodies only once the session has
// handed them to every connection: while a commit holds the room's output
// for many ticks, every tick's frames wait intact, with their own bodies
// (two bases: one client acknowledges, one does not).
func TestSnapshotFramesWaitForHeldOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &heldStore{Store: session.NewMemStore()}
		rt := roomRuntime(t, store, tick.Config{})
		defer rt.Shutdown(context.Background())
		log := &snapLog{t: t, tickOf: map[uint32]uint64{}}
		a, b := &snapConn{log: log}, &snapConn{log: log}
		for i, c := range []*snapConn{a, b} {
			info := joinInfo(t, []string{"ann", "bob"}[i], nil)
			if _, err := rt.Attach(context.Background(), room, session.ConnID(i+1), c, info); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(300 * time.Millisecond) // frames are reused from tick to tick
		synctest.Wait()
		input(t, rt, 1, 1, a.last, arena.Move{1, 0}) // ann's snapshots become deltas
		open := store.hold()
		time.Sleep(2 * time.Second) // the save at 1 s waits for the gate, and the output behind it
		synctest.Wait()
		held := log.count
		open()
		time.Sleep(500 * time.Millisecond)
		synctest.Wait()
		if got := log.count - held; got < 2*20 {
			t.Fatalf("%d snapshots released after the commit, want a second's worth for two clients", got)
		}
		if log.count < 2*55 || log.deltas < 20 {
			t.Fatalf("%d snapshots (%d deltas) in 2.8 s for two clients at 20 Hz", log.count, log.deltas)
		}
	})
}
