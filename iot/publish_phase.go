package iot

import (
	"hash/fnv"
	"time"
)

// nextPublication is the first publication instant after now. Groups
// publish (and checkpoint) every AggEvery at a phase of their own, taken
// from the group's name: groups that started together, as they do after
// a restart or under a load that reaches them all at once, would
// otherwise do that work at the same instant, and every reading arriving
// meanwhile would wait behind all of it.
func (g *Group) nextPublication(now time.Time) time.Time {
	every := g.cfg.AggEvery
	h := fnv.New64a()
	_, _ = h.Write([]byte(g.id.Name))
	t := now.Truncate(every).Add(time.Duration(h.Sum64() % uint64(every)))
	if !t.After(now) {
		t = t.Add(every)
	}
	return t
}
