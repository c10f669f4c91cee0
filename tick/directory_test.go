package tick_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/tick/arena"
)

func TestListingAndMatchmaking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := tick.NewDirectory("room")
		rt := roomRuntime(t, session.NewMemStore(), tick.Config{MaxPlayers: 2, Directory: dir,
			NewGame: func(string) tick.Game { return arena.New(0, 1) }})
		defer rt.Shutdown(context.Background())
		attach := func(name string, cid session.ConnID, player string, labels map[string]string) {
			t.Helper()
			id := session.ID{Kind: "room", Name: name}
			if _, err := rt.Attach(context.Background(), id, cid, &conn{}, joinInfo(t, player, tick.JoinData{Labels: labels})); err != nil {
				t.Fatal(err)
			}
		}
		attach("ctf-1", 1, "a", map[string]string{"mode": "ctf", "region": "eu"})
		attach("ctf-1", 2, "b", nil) // full now
		attach("dm-1", 3, "c", map[string]string{"mode": "dm"})

		if got := dir.List(map[string]string{"mode": "ctf"}, 0); len(got) != 1 || got[0].Players != 2 || got[0].Labels["region"] != "eu" {
			t.Fatalf("ctf rooms: %+v", got)
		}
		if got := dir.List(map[string]string{"mode": "ctf"}, 1); len(got) != 0 {
			t.Fatalf("ctf rooms with a free seat: %+v", got)
		}
		room, created := dir.JoinOrCreate(map[string]string{"mode": "dm"})
		if room != "room/dm-1" || created {
			t.Fatalf("match dm: %s created=%v, want room/dm-1", room, created)
		}
		room, created = dir.JoinOrCreate(map[string]string{"mode": "ctf"})
		if !created || !strings.HasPrefix(room, "room/") {
			t.Fatalf("match ctf with every ctf room full: %s %v", room, created)
		}
		attach(strings.TrimPrefix(room, "room/"), 4, "d", nil)
		if got := dir.List(map[string]string{"mode": "ctf"}, 1); len(got) != 1 || got[0].Room != room {
			t.Fatalf("the created room carries the reserved labels: %+v", got)
		}

		rec := httptest.NewRecorder()
		dir.ListHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/rooms?mode=ctf&free=1", nil))
		var body struct{ Rooms []tick.RoomInfo }
		if err := json.NewDecoder(rec.Body).Decode(&body); err != nil || len(body.Rooms) != 1 {
			t.Fatalf("GET /api/rooms: %v %+v", err, body)
		}
		rec = httptest.NewRecorder()
		dir.MatchHandler().ServeHTTP(rec, httptest.NewRequest("POST", "/api/rooms/match", strings.NewReader(`{"labels":{"mode":"dm"}}`)))
		if !strings.Contains(rec.Body.String(), `"room":"room/dm-1"`) {
			t.Fatalf("POST /api/rooms/match: %s", rec.Body.String())
		}
		time.Sleep(100 * time.Millisecond)
	})
}
