package session_test

import (
	"context"
	"errors"
	"strings"
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

// putter stores the message body, "key=value" (an empty value deletes).
func putter() session.Kind {
	return session.Kind{Name: "kv", New: func(session.ID) session.Object {
		return &fnObject{recv: func(c *session.Context, m session.Message) (any, error) {
			k, v, _ := strings.Cut(m.Body.(string), "=")
			if v == "" {
				return nil, c.Storage().Delete(k)
			}
			return nil, c.Storage().Put(k, []byte(v))
		}}
	}}
}

// An object stores at most MaxObjectBytes (keys plus values): a Put over
// it fails with ErrObjectStorageFull; shrinking and deleting make room;
// the count survives a restart.
func TestMaxObjectBytes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := session.NewMemStore()
		id := session.ID{Kind: "kv", Name: "x"}
		v40 := strings.Repeat("v", 39)
		put := func(rt *session.Runtime, kv string) error {
			_, err := rt.Call(context.Background(), id, kv)
			return err
		}
		rt := newRuntime(t, store, session.Config{MaxObjectBytes: 100}, putter())
		for _, kv := range []string{"a=" + v40, "b=" + v40} {
			if err := put(rt, kv); err != nil {
				t.Fatal(err)
			}
		}
		if err := put(rt, "c="+v40); !errors.Is(err, session.ErrObjectStorageFull) {
			t.Fatalf("third 40-byte key in 100 bytes: %v", err)
		}
		if err := put(rt, "a=short"); err != nil {
			t.Fatalf("shrinking: %v", err)
		}
		if err := put(rt, "b="); err != nil {
			t.Fatalf("deleting: %v", err)
		}
		if err := put(rt, "c="+v40); err != nil {
			t.Fatalf("after making room: %v", err)
		}
		_ = rt.Shutdown(context.Background())

		rt = newRuntime(t, store, session.Config{MaxObjectBytes: 100}, putter())
		if err := put(rt, "d="+v40+v40); !errors.Is(err, session.ErrObjectStorageFull) {
			t.Fatalf("after a restart, 80 more bytes on 48 stored: %v", err)
		}
		if err := put(rt, "d=x"); err != nil {
			t.Fatal(err)
		}
	})
}
