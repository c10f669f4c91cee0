package tick_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/tick"
)

// Rooms started together save at their own phases of SaveEvery, not all
// at once: half a SaveEvery in, some have saved and some not; after one
// SaveEvery (and a tick), all have.
func TestRoomsStartedTogetherSaveApart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := session.NewMemStore()
		rt := roomRuntime(t, store, tick.Config{})
		defer rt.Shutdown(context.Background())
		const rooms = 20
		ids := make([]session.ID, rooms)
		for i := range ids {
			ids[i] = session.ID{Kind: "room", Name: fmt.Sprintf("spread-%d", i)}
			info := codec.JoinInfo{Player: "p", Role: "player"}
			if _, err := rt.Attach(context.Background(), ids[i], session.ConnID(i+1), &conn{}, info); err != nil {
				t.Fatal(err)
			}
		}
		saved := func() (n int) {
			for _, id := range ids {
				if _, err := store.Get(id, "room"); err == nil {
					n++
				}
			}
			return n
		}
		time.Sleep(500 * time.Millisecond)
		synctest.Wait()
		if n := saved(); n == 0 || n == rooms {
			t.Fatalf("%d of %d rooms saved half a second after starting together", n, rooms)
		}
		time.Sleep(600 * time.Millisecond)
		synctest.Wait()
		if n := saved(); n != rooms {
			t.Fatalf("%d of %d rooms saved after a SaveEvery", n, rooms)
		}
	})
}
