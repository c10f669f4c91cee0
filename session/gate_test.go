package session_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/hearth-server/hearth/session"
)

// incAndBroadcast writes, then broadcasts the new value.
type incAndBroadcast struct{ counter }

func (o *incAndBroadcast) Receive(c *session.Context, m session.Message) (any, error) {
	v, err := o.counter.Receive(c, m)
	if m.Body == "inc" && err == nil {
		c.Broadcast(v, 0)
	}
	return v, err
}

func gateKind() session.Kind {
	return session.Kind{Name: "g", New: func(session.ID) session.Object { return &incAndBroadcast{} }}
}

// Semantic 4: replies and broadcasts wait for the commit of the writes
// made while producing them, and for every earlier commit.
func TestOutputGateHoldsUntilCommit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &gatedStore{Store: session.NewMemStore()}
		rt := newRuntime(t, store, session.Config{}, gateKind())
		id := session.ID{Kind: "g", Name: "x"}
		conn := &fakeConn{}
		if _, err := rt.Attach(context.Background(), id, 1, conn, nil); err != nil {
			t.Fatal(err)
		}

		gate := store.hold()
		incDone := make(chan any, 1)
		getDone := make(chan any, 1)
		go func() { v, _ := rt.Call(context.Background(), id, "inc"); incDone <- v }()
		synctest.Wait()
		go func() { v, _ := rt.Call(context.Background(), id, "get"); getDone <- v }()
		synctest.Wait()

		if len(incDone) != 0 || len(getDone) != 0 {
			t.Fatal("a reply left before the write it depends on was committed")
		}
		if msgs := conn.messages(); len(msgs) != 0 {
			t.Fatalf("broadcast %v left before the commit", msgs)
		}

		close(gate)
		synctest.Wait()
		if v := <-incDone; v != 1 {
			t.Fatalf("inc = %v", v)
		}
		if v := <-getDone; v != 1 {
			t.Fatalf("get = %v", v)
		}
		if msgs := conn.messages(); len(msgs) != 1 || msgs[0] != 1 {
			t.Fatalf("broadcast after commit = %v, want [1]", msgs)
		}
		_ = rt.Shutdown(context.Background())
	})
}

// A failed commit drops the held output, fails the reply and resets the
// object from storage.
func TestFailedCommitResetsAndDropsOutput(t *testing.T) {
	store := &gatedStore{Store: session.NewMemStore()}
	rt := newRuntime(t, store, session.Config{}, gateKind())
	id := session.ID{Kind: "g", Name: "x"}
	conn := &fakeConn{}
	if _, err := rt.Attach(context.Background(), id, 1, conn, nil); err != nil {
		t.Fatal(err)
	}
	call(t, rt, id, "inc")

	store.setFail(errors.New("disk on fire"))
	if _, err := rt.Call(context.Background(), id, "inc"); !errors.Is(err, session.ErrCommitFailed) {
		t.Fatalf("inc with failing store: %v, want ErrCommitFailed", err)
	}
	store.setFail(nil)
	if got := call(t, rt, id, "get"); got != 1 {
		t.Fatalf("after failed commit the object has %v, want 1 (reset from storage)", got)
	}
	if msgs := conn.messages(); len(msgs) != 1 {
		t.Fatalf("connection got %v; the failed message's broadcast must be dropped", msgs)
	}
}

// AfterCommit callbacks run only once the writes before them commit, and
// are dropped when the commit fails.
func TestAfterCommit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &gatedStore{Store: session.NewMemStore()}
		var ran []string
		k := session.Kind{Name: "ac", New: func(session.ID) session.Object {
			return &fnObject{recv: func(c *session.Context, m session.Message) (any, error) {
				name := m.Body.(string)
				if err := c.Storage().Put("k", []byte(name)); err != nil {
					return nil, err
				}
				c.AfterCommit(func() { ran = append(ran, name) })
				return nil, nil
			}}
		}}
		rt := newRuntime(t, store, session.Config{}, k)
		id := session.ID{Kind: "ac", Name: "x"}
		gate := store.hold()
		_ = rt.Send(id, "first")
		synctest.Wait()
		if len(ran) != 0 {
			t.Fatal("callback ran before the commit")
		}
		close(gate)
		synctest.Wait()
		store.setFail(errors.New("disk gone"))
		_ = rt.Send(id, "second")
		synctest.Wait()
		if len(ran) != 1 || ran[0] != "first" {
			t.Fatalf("ran %v, want [first] (second's commit failed)", ran)
		}
		_ = rt.Shutdown(context.Background())
	})
}

// An AfterCommit callback runs after the output queued before it has been
// handed to its connections, also when a commit held both: an object may
// reuse a message it sent once the callback after it runs.
func TestAfterCommitFollowsEarlierOutput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &gatedStore{Store: session.NewMemStore()}
		conn := &fakeConn{}
		var seen []int // messages the connection had when each callback ran
		k := session.Kind{Name: "ac", New: func(session.ID) session.Object {
			return &fnObject{recv: func(c *session.Context, m session.Message) (any, error) {
				switch m.Body {
				case "write":
					return nil, c.Storage().Put("k", []byte("v"))
				case "a", "b":
				default:
					return nil, nil // the attach
				}
				c.Send(1, m.Body)
				c.AfterCommit(func() { seen = append(seen, len(conn.messages())) })
				return nil, nil
			}}
		}}
		rt := newRuntime(t, store, session.Config{}, k)
		id := session.ID{Kind: "ac", Name: "x"}
		if _, err := rt.Attach(context.Background(), id, 1, conn, nil); err != nil {
			t.Fatal(err)
		}
		gate := store.hold()
		_ = rt.Send(id, "write") // its commit holds the output of the next two
		_ = rt.Send(id, "a")
		_ = rt.Send(id, "b")
		synctest.Wait()
		early := len(seen) != 0 || len(conn.messages()) != 0
		close(gate)
		if early {
			t.Fatal("output released before the commit")
		}
		synctest.Wait()
		if len(seen) != 2 || seen[0] != 1 || seen[1] != 2 {
			t.Fatalf("callbacks saw %v messages sent, want [1 2]", seen)
		}
		_ = rt.Shutdown(context.Background())
	})
}
