package session_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hearth-server/hearth/session"
)

// Semantic 8: Shutdown stops intake, drains every mailbox, flushes writes
// and closes connections.
func TestShutdownDrainsAndFlushes(t *testing.T) {
	store := session.NewMemStore()
	rt := newRuntime(t, store, session.Config{}, counterKind("counter"))
	conn := &fakeConn{}
	ids := make([]session.ID, 20)
	for i := range ids {
		ids[i] = session.ID{Kind: "counter", Name: string(rune('a' + i))}
	}
	if _, err := rt.Attach(context.Background(), ids[0], 1, conn, nil); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		for _, id := range ids {
			if err := rt.Send(id, "inc"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := rt.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := rt.Send(ids[0], "inc"); !errors.Is(err, session.ErrClosed) {
		t.Fatalf("send after shutdown: %v, want ErrClosed", err)
	}
	if !errors.Is(conn.closeReason(), session.ErrClosed) {
		t.Fatalf("connection close reason %v, want ErrClosed", conn.closeReason())
	}
	for _, id := range ids {
		v, err := store.Get(id, "n")
		if err != nil || int(v[0])<<8|int(v[1]) != 50 {
			t.Fatalf("%s stored %v (%v), want 50: shutdown lost queued messages", id, v, err)
		}
	}
}
