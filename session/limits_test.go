package session_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearth-server/hearth/session"
)

// An object takes at most MaxConnsPerObject connections; the next is
// refused with ErrObjectFull, and a place freed by a detach is taken again.
func TestMaxConnsPerObject(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := session.Kind{Name: "att", New: func(session.ID) session.Object { return attachObj{} }}
		rt := newRuntime(t, session.NewMemStore(), session.Config{MaxConnsPerObject: 2}, k)
		id := session.ID{Kind: "att", Name: "x"}
		attach := func(cid session.ConnID) error {
			_, err := rt.Attach(context.Background(), id, cid, &fakeConn{}, "alice")
			return err
		}
		for cid := range session.ConnID(2) {
			if err := attach(cid + 1); err != nil {
				t.Fatal(err)
			}
		}
		if err := attach(1); err != nil {
			t.Fatalf("an attached connection attaching again: %v", err)
		}
		if err := attach(3); !errors.Is(err, session.ErrObjectFull) {
			t.Fatalf("third connection: %v, want ErrObjectFull", err)
		}
		rt.Detach(id, 1)
		synctest.Wait()
		if err := attach(3); err != nil {
			t.Fatalf("after a detach: %v", err)
		}
	})
}

// At most MaxActive objects run at once: a message that would wake one
// more is refused with ErrTooManyObjects; once one hibernates, another
// may run.
func TestMaxActive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := counterKind("c")
		k.IdleTimeout = time.Second
		rt := newRuntime(t, session.NewMemStore(), session.Config{MaxActive: 2}, k)
		id := func(n string) session.ID { return session.ID{Kind: "c", Name: n} }
		call(t, rt, id("a"), "inc")
		call(t, rt, id("b"), "inc")
		if _, err := rt.Call(context.Background(), id("c"), "inc"); !errors.Is(err, session.ErrTooManyObjects) {
			t.Fatalf("a third object: %v, want ErrTooManyObjects", err)
		}
		call(t, rt, id("a"), "inc") // running ones still take messages
		time.Sleep(2 * time.Second) // a and b hibernate
		synctest.Wait()
		call(t, rt, id("c"), "inc")
	})
}
