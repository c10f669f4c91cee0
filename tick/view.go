package tick

import (
	"math"
	"slices"
	"strings"
)

// ViewQuery asks a room (with session.Runtime.Call) for its View: what a
// dashboard shows of it.
type ViewQuery struct{}

// View is a room as a dashboard sees it: who plays, how the tick keeps
// time, and where every entity is.
type View struct {
	Room       string       `json:"room" msgpack:"room"`
	TickHz     int          `json:"tick_hz" msgpack:"tick_hz"`
	Tick       uint64       `json:"tick" msgpack:"tick"` // the next tick to run
	Ticking    bool         `json:"ticking" msgpack:"ticking"`
	Skipped    uint64       `json:"ticks_skipped" msgpack:"ticks_skipped"`
	Players    []PlayerView `json:"players" msgpack:"players"`
	Spectators int          `json:"spectators" msgpack:"spectators"`
	Entities   []EntityView `json:"entities" msgpack:"entities"`
}

// PlayerView is one player slot.
type PlayerView struct {
	ID        string `json:"id" msgpack:"id"`
	Connected bool   `json:"connected" msgpack:"connected"`
}

// EntityView is an entity rounded for display: world units to 0.01.
type EntityView struct {
	ID    uint32  `json:"id" msgpack:"id"`
	Kind  uint8   `json:"kind" msgpack:"kind"`
	X     float64 `json:"x" msgpack:"x"`
	Y     float64 `json:"y" msgpack:"y"`
	Angle float64 `json:"a" msgpack:"a"`
}

func (r *Room) view() View {
	v := View{Room: r.addr, TickHz: r.cfg.TickHz, Tick: r.sched.Next, Ticking: r.ticking, Skipped: r.skipped,
		Players: []PlayerView{}, Entities: []EntityView{}}
	for _, p := range r.players {
		if p.Spectator {
			v.Spectators++
			continue
		}
		v.Players = append(v.Players, PlayerView{ID: p.ID, Connected: p.Conn != 0})
	}
	slices.SortFunc(v.Players, func(a, b PlayerView) int { return strings.Compare(a.ID, b.ID) })
	r.ents = r.game.Entities(r.ents[:0])
	for _, e := range r.ents {
		v.Entities = append(v.Entities, EntityView{ID: e.ID, Kind: e.Kind, X: round2(e.X), Y: round2(e.Y), Angle: round2(e.Angle)})
	}
	return v
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
