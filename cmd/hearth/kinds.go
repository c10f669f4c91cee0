package main

import (
	"hash/fnv"

	"github.com/hearth-server/hearth/iot"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/tick/arena"
)

// arenaOrbs is how many moving non-player entities a demo arena has.
const arenaOrbs = 16

// observer is what both kinds report their measurements to.
type observer interface {
	tick.Observer
	iot.Observer
}

// registerKinds hands the runtime the object kinds hearth hosts: game
// rooms ("room", running the arena demo game, listed in dir) and device
// groups ("group", publishing through pub). Rooms take their ticks from
// clock, or from the runtime's timers when it is nil.
func registerKinds(rt *session.Runtime, obs observer, dir *tick.Directory, clock *tick.Clock, pub iot.Publisher) error {
	room, err := tick.Kind("room", tick.Config{
		NewGame:   func(name string) tick.Game { return arena.New(arenaOrbs, seed(name)) },
		Observer:  obs,
		Directory: dir,
		Tolerance: arena.Tolerance,
		Clock:     clock,
	})
	if err != nil {
		return err
	}
	if err := rt.Register(room); err != nil {
		return err
	}
	return rt.Register(iot.Kind("group", iot.Config{Publisher: pub, Observer: obs}))
}

// seed derives a room's arena layout from its name.
func seed(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}
