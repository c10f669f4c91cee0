package session_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearth-server/hearth/session"
)

// Semantic 7: a panic resets that object from storage and leaves the
// others alone.
func TestPanicResetsOnlyThatObject(t *testing.T) {
	obs := &countingObserver{}
	rt := newRuntime(t, session.NewMemStore(), session.Config{Observer: obs}, counterKind("counter"))
	a := session.ID{Kind: "counter", Name: "a"}
	b := session.ID{Kind: "counter", Name: "b"}
	for range 3 {
		call(t, rt, a, "inc")
		call(t, rt, b, "inc")
	}
	if _, err := rt.Call(context.Background(), a, "panic"); !errors.Is(err, session.ErrObjectPanicked) {
		t.Fatalf("panic call: %v, want ErrObjectPanicked", err)
	}
	if got := call(t, rt, a, "get"); got != 3 {
		t.Fatalf("a after panic = %v, want 3 reloaded from storage", got)
	}
	if got := call(t, rt, a, "inc"); got != 4 {
		t.Fatalf("a keeps working: %v", got)
	}
	if got := call(t, rt, b, "get"); got != 3 {
		t.Fatalf("b = %v: another object's panic disturbed it", got)
	}
	if obs.panicked.Load() != 1 {
		t.Fatalf("panics counted %d", obs.panicked.Load())
	}
}

// A full mailbox is a counted error returned at once, never a blocked
// sender, and the object carries on.
func TestMailboxFullIsCountedNotBlocking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &countingObserver{}
		release := make(chan struct{})
		k := session.Kind{Name: "slow", MailboxSize: 4, New: func(session.ID) session.Object {
			return &fnObject{recv: func(c *session.Context, m session.Message) (any, error) {
				if m.Body == "block" {
					<-release
				}
				return nil, nil
			}}
		}}
		rt := newRuntime(t, session.NewMemStore(), session.Config{Observer: obs}, k)
		id := session.ID{Kind: "slow", Name: "s"}
		if err := rt.Send(id, "block"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the object is now stuck in "block"
		var full int
		for range 10 {
			if err := rt.Send(id, "x"); errors.Is(err, session.ErrMailboxFull) {
				full++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		if full != 6 || obs.mailboxFull.Load() != 6 {
			t.Fatalf("refused %d (counted %d), want 6 of 10 with a mailbox of 4", full, obs.mailboxFull.Load())
		}
		other := session.ID{Kind: "slow", Name: "other"}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := rt.Call(ctx, other, "x"); err != nil {
			t.Fatalf("another object of the kind: %v", err)
		}
		close(release)
		synctest.Wait()
		if _, err := rt.Call(context.Background(), id, "x"); err != nil {
			t.Fatalf("object after overload: %v", err)
		}
		_ = rt.Shutdown(context.Background())
	})
}
