package session_test

import (
	"context"
	"sync"
	"testing"

	"github.com/hearth-server/hearth/session"
)

// Semantic 2: state is loaded before the first message, even when many
// messages race the activation.
func TestLoadBeforeFirstMessage(t *testing.T) {
	store := session.NewMemStore()
	rt := newRuntime(t, store, session.Config{}, counterKind("counter"))
	id := session.ID{Kind: "counter", Name: "x"}
	for range 5 {
		call(t, rt, id, "inc")
	}
	if err := rt.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	rt2 := newRuntime(t, store, session.Config{}, counterKind("counter"))
	var wg sync.WaitGroup
	results := make(chan any, 10)
	for range 10 {
		wg.Go(func() {
			v, err := rt2.Call(context.Background(), id, "get")
			if err != nil {
				t.Error(err)
			}
			results <- v
		})
	}
	wg.Wait()
	close(results)
	for v := range results {
		if v != 5 {
			t.Fatalf("a message saw %v before Load finished, want 5", v)
		}
	}
}
