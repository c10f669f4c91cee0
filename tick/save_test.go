package tick

import (
	"bytes"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// A room encodes its saved state as msgpack.Marshal does, in a buffer it
// reuses from save to save, and keeps no player alive through it.
func TestEncodeStateIsMarshal(t *testing.T) {
	r := &Room{players: map[string]*player{}, labels: map[string]string{"mode": "dm"}}
	for i, id := range []string{"ann", "bob", "eve"} {
		r.players[id] = &player{ID: id, Resume: "tok-" + id, Spectator: i == 2, LastInput: uint32(7 * i)}
		r.snapSeq, r.sched.Next = uint32(100*i), uint64(1000*i)
		got, err := r.encodeState()
		if err != nil {
			t.Fatal(err)
		}
		// The players come in map order: Marshal the state in the order got has them.
		var st roomState
		if err := msgpack.Unmarshal(got, &st); err != nil || len(st.Players) != i+1 {
			t.Fatalf("%d players: decoded %+v (%v)", i+1, st, err)
		}
		for _, p := range st.Players {
			if *p != *r.players[p.ID] {
				t.Fatalf("saved %+v, room has %+v", *p, *r.players[p.ID])
			}
		}
		want, _ := msgpack.Marshal(roomState{SnapSeq: r.snapSeq, Tick: r.sched.Next, Labels: r.labels, Players: st.Players})
		if !bytes.Equal(got, want) {
			t.Fatalf("%d players: %x, want %x", i+1, got, want)
		}
	}
	for _, p := range r.saved[:cap(r.saved)] {
		if p != nil {
			t.Fatal("the save's scratch list keeps a player")
		}
	}
}
