package session_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hearth-server/hearth/session"
)

// Semantic 1: the first message activates an object, all messages for one
// ID reach one instance, one at a time, and listing includes hibernated
// objects.
func TestAddressingOneInstanceOneAtATime(t *testing.T) {
	var loads, active atomic.Int64
	k := session.Kind{Name: "counter", New: func(session.ID) session.Object {
		return &counter{loads: &loads, active: &active}
	}}
	rt := newRuntime(t, session.NewMemStore(), session.Config{}, k)
	id := session.ID{Kind: "counter", Name: "a"}

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if _, err := rt.Call(context.Background(), id, "inc"); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := call(t, rt, id, "get"); got != 400 {
		t.Fatalf("counter = %v, want 400 (lost or concurrent updates)", got)
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("object loaded %d times, want 1", n)
	}
	other := session.ID{Kind: "counter", Name: "b"}
	if got := call(t, rt, other, "get"); got != 0 {
		t.Fatalf("object b sees %v, want its own state 0", got)
	}
}

func TestListIncludesHibernated(t *testing.T) {
	store := session.NewMemStore()
	rt := newRuntime(t, store, session.Config{}, counterKind("counter"))
	for _, name := range []string{"c", "a", "b"} {
		call(t, rt, session.ID{Kind: "counter", Name: name}, "inc")
	}
	if err := rt.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A new runtime over the same store has nothing in memory.
	rt2 := newRuntime(t, store, session.Config{}, counterKind("counter"))
	names, err := rt2.List("counter")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Fatalf("List = %v, want [a b c]", names)
	}
	if _, err := rt2.List("nope"); !errors.Is(err, session.ErrUnknownKind) {
		t.Fatalf("List(unknown) err = %v, want ErrUnknownKind", err)
	}
}

func TestBadAddressesAreTypedErrors(t *testing.T) {
	rt := newRuntime(t, session.NewMemStore(), session.Config{}, counterKind("counter"))
	cases := []struct {
		id   session.ID
		want error
	}{
		{session.ID{Kind: "nope", Name: "x"}, session.ErrUnknownKind},
		{session.ID{Kind: "counter", Name: ""}, session.ErrInvalidID},
		{session.ID{Kind: "counter", Name: strings.Repeat("x", 257)}, session.ErrInvalidID},
		{session.ID{Kind: "counter", Name: "\xff\xfe"}, session.ErrInvalidID},
		{session.ID{Kind: "counter", Name: "a\x00b"}, session.ErrInvalidID},
	}
	for _, c := range cases {
		if err := rt.Send(c.id, "inc"); !errors.Is(err, c.want) {
			t.Errorf("Send(%q) = %v, want %v", c.id, err, c.want)
		}
	}
}
