package session_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearth-server/hearth/session"
)

func kindStats(rt *session.Runtime, kind string) session.KindStats {
	for _, s := range rt.Stats() {
		if s.Kind == kind {
			return s
		}
	}
	return session.KindStats{}
}

// Semantic 6: an idle object is evicted (no goroutine, no timer), its
// connections stay attached with their attachments, and a message from one
// of them wakes it with its state.
func TestHibernationKeepsConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &countingObserver{}
		cfg := session.Config{IdleTimeout: 10 * time.Second, Observer: obs}
		rt := newRuntime(t, session.NewMemStore(), cfg, gateKind())
		id := session.ID{Kind: "g", Name: "room"}
		conn := &fakeConn{}
		if _, err := rt.Attach(context.Background(), id, 7, conn, nil); err != nil {
			t.Fatal(err)
		}
		call(t, rt, id, "inc")
		synctest.Wait()
		before := runtime.NumGoroutine()

		time.Sleep(9 * time.Second)
		if s := kindStats(rt, "g"); s.Active != 1 {
			t.Fatalf("before the idle timeout: %+v, want active", s)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if s := kindStats(rt, "g"); s.Active != 0 || s.Hibernated != 1 {
			t.Fatalf("after the idle timeout: %+v, want hibernated", s)
		}
		if obs.hibernated.Load() != 1 {
			t.Fatalf("hibernations counted: %d", obs.hibernated.Load())
		}
		if got := runtime.NumGoroutine(); got != before-1 {
			t.Fatalf("goroutines %d → %d: a hibernated object must have none", before, got)
		}
		if conn.closeReason() != nil {
			t.Fatal("hibernation closed the connection")
		}

		// The connection's next message wakes the object with its state.
		if err := rt.Deliver(id, 7, "bcast"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if msgs := conn.messages(); len(msgs) != 2 || msgs[1] != 1 {
			t.Fatalf("after wake the connection got %v, want the broadcast of 1", msgs)
		}
		if s := kindStats(rt, "g"); s.Active != 1 || obs.activated.Load() != 2 {
			t.Fatalf("after wake: %+v, activations %d", s, obs.activated.Load())
		}
		_ = rt.Shutdown(context.Background())
	})
}

// attachObj stores the hello as the connection's attachment and echoes the
// attachments it sees.
type attachObj struct{}

func (attachObj) Load(*session.Context) error { return nil }

func (attachObj) Receive(c *session.Context, m session.Message) (any, error) {
	switch b := m.Body.(type) {
	case session.Connected:
		if b.Hello == "reject" {
			return nil, errors.New("go away")
		}
		return nil, c.SetAttachment(m.From, []byte(b.Hello.(string)))
	case session.Disconnected:
		return nil, nil
	}
	var names []string
	for _, ci := range c.Conns() {
		names = append(names, string(ci.Attachment))
	}
	return names, nil
}

func TestAttachmentsSurviveHibernation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := session.Kind{Name: "att", New: func(session.ID) session.Object { return attachObj{} }, IdleTimeout: time.Second}
		rt := newRuntime(t, session.NewMemStore(), session.Config{}, k)
		id := session.ID{Kind: "att", Name: "x"}
		if _, err := rt.Attach(context.Background(), id, 1, &fakeConn{}, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := rt.Attach(context.Background(), id, 2, &fakeConn{}, "reject"); err == nil {
			t.Fatal("a refused connection must get the object's error")
		}
		if err := rt.Deliver(id, 2, "who"); !errors.Is(err, session.ErrNotAttached) {
			t.Fatalf("deliver from refused connection: %v, want ErrNotAttached", err)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if s := kindStats(rt, "att"); s.Active != 0 {
			t.Fatalf("%+v: want hibernated", s)
		}
		got := call(t, rt, id, "who").([]string)
		if len(got) != 1 || got[0] != "alice" {
			t.Fatalf("attachments after hibernation = %v, want [alice]", got)
		}
		rt.Detach(id, 1)
		synctest.Wait()
		if got := call(t, rt, id, "who").([]string); len(got) != 0 {
			t.Fatalf("after detach: %v", got)
		}
		_ = rt.Shutdown(context.Background())
	})
}

// A pending wake-up or an alarm due soon keeps an object awake.
func TestNoHibernationWithWakeUpPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ticks := 0
		k := session.Kind{Name: "ticker", IdleTimeout: time.Second, New: func(session.ID) session.Object {
			return &fnObject{recv: func(c *session.Context, m session.Message) (any, error) {
				switch m.Body.(type) {
				case session.Wake:
					ticks++
					if ticks < 100 {
						c.WakeAt(time.Now().Add(100 * time.Millisecond))
					}
				default:
					c.WakeAt(time.Now().Add(100 * time.Millisecond))
				}
				return nil, nil
			}}
		}}
		rt := newRuntime(t, session.NewMemStore(), session.Config{}, k)
		id := session.ID{Kind: "ticker", Name: "t"}
		call(t, rt, id, "start")
		time.Sleep(5 * time.Second)
		if s := kindStats(rt, "ticker"); s.Active != 1 {
			t.Fatalf("%+v: an object with a wake-up pending hibernated", s)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if s := kindStats(rt, "ticker"); s.Active != 0 || ticks != 100 {
			t.Fatalf("%+v after %d ticks: want hibernated after the last tick", s, ticks)
		}
		_ = rt.Shutdown(context.Background())
	})
}
