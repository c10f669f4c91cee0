package session_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hearth-server/hearth/session"
)

// Semantic 9: writes carry the owner's epoch; once another owner claims a
// higher epoch, the stale owner's writes are refused and its output
// dropped.
func TestStaleEpochWritesAreRefused(t *testing.T) {
	store := session.NewMemStore()
	rt := newRuntime(t, store, session.Config{}, gateKind())
	id := session.ID{Kind: "g", Name: "x"}
	conn := &fakeConn{}
	if _, err := rt.Attach(context.Background(), id, 1, conn, nil); err != nil {
		t.Fatal(err)
	}
	call(t, rt, id, "inc")

	// Another node takes the object over.
	if err := store.Claim(id, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Call(context.Background(), id, "inc"); !errors.Is(err, session.ErrStaleEpoch) {
		t.Fatalf("write after takeover: %v, want ErrStaleEpoch", err)
	}
	if msgs := conn.messages(); len(msgs) != 1 {
		t.Fatalf("stale owner's broadcast leaked: %v", msgs)
	}
	v, _ := store.Get(id, "n")
	if v[1] != 1 {
		t.Fatalf("stored n = %d, want 1", v[1])
	}
	if _, err := rt.Call(context.Background(), id, "get"); !errors.Is(err, session.ErrStaleEpoch) {
		t.Fatalf("stale owner still serving: %v, want ErrStaleEpoch", err)
	}
	if err := store.Claim(id, 1); !errors.Is(err, session.ErrStaleEpoch) {
		t.Fatalf("claiming a lower epoch: %v, want ErrStaleEpoch", err)
	}
}
