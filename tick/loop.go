package tick

import (
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
)

// startTicking (re)starts the schedule if the room is not ticking.
func (r *Room) startTicking(c *session.Context, now time.Time) {
	if r.ticking {
		return
	}
	r.ticking = true
	r.sched = newSchedule(now, r.cfg.period(), r.id.Name, r.cfg.MaxCatchUp)
	// Saves are spread over SaveEvery as ticks are over the period, so
	// rooms started together (a restart, a load test) do not all save at
	// once: the first save comes at the room's phase, within SaveEvery.
	r.lastSave = now.Add(-phase(r.id.Name, r.cfg.SaveEvery))
	_ = c.SetAlarm("revive", now.Add(3*r.cfg.SaveEvery))
	r.wakeAt(c, r.sched.NextAt())
}

// wakeAt asks for the next tick at t, from the Clock or the runtime.
func (r *Room) wakeAt(c *session.Context, t time.Time) {
	if r.cfg.Clock != nil {
		r.cfg.Clock.At(t, c.Self())
		return
	}
	c.WakeAt(t)
}

// tick runs the ticks due at now, then sets the wake-up for the next.
// With a Clock, a tick can arrive for a room that stopped and started
// again; one not due yet is ignored.
func (r *Room) tick(c *session.Context, now time.Time) {
	if !r.ticking || now.Before(r.sched.NextAt()) {
		return
	}
	run, skipped, late := r.sched.Due(now)
	if run > 0 {
		r.cfg.Observer.TickLateness(late)
	}
	if skipped > 0 {
		r.skipped += skipped
		r.cfg.Observer.TicksSkipped(skipped)
	}
	for range run {
		r.step(c)
	}
	if f, ok := r.game.(Finisher); ok && f.Finished() {
		r.finish(c, now)
		return
	}
	r.expireSlots(c, now)
	if now.Sub(r.lastSave) >= r.cfg.SaveEvery || !r.ticking {
		r.save(c, now)
	}
	if r.ticking {
		r.wakeAt(c, r.sched.NextAt())
	}
}

// step advances the game one tick and sends a snapshot when one is due.
func (r *Room) step(c *session.Context) {
	r.game.Step(r.cfg.period(), r.pending)
	clear(r.pending)
	r.pending = r.pending[:0]
	r.sched.Next++
	if r.sched.Next%uint64(r.cfg.SnapshotEvery) == 0 {
		r.snapshot(c)
	}
}

// snapshot updates the dead-reckoning records and sends every connected
// client what changed since the snapshot it last acknowledged.
func (r *Room) snapshot(c *session.Context) {
	r.snapSeq++
	r.ents = r.game.Entities(r.ents[:0])
	r.reck.observe(r.snapSeq, r.sched.Next, r.ents)
	// Clients with the same base get the same body, encoded once. A
	// client whose newest input has not been acknowledged yet gets even an
	// empty delta, so that the ack does not wait for the world to change.
	f := r.takeFrames(len(r.byConn))
	for _, p := range r.byConn {
		key := p.Acked
		if !r.reck.remembers(key) {
			key = 0
		}
		b := f.bodyFor(r.reck, r.sched.Next, key, r.snapSeq)
		if !b.worth && p.LastInput == p.AckSent {
			continue
		}
		p.AckSent = p.LastInput
		out := f.frame()
		*out = codec.Out{Kind: codec.KindSnapshot, Object: r.addr, Seq: r.snapSeq, Ack: p.LastInput, Body: &b.shared}
		c.Send(p.Conn, out)
		if n, err := out.BinaryLen(); err == nil { // counted, not encoded: the connection encodes in its format
			r.cfg.Observer.SnapshotSent(n)
		}
	}
	if len(f.outs) == 0 {
		r.putFrames(f)
		return
	}
	c.AfterCommit(f.done) // the frames are the room's again once handed to the connections
}

// snapshotTo sends one client a full snapshot at once, so that a joining
// or resuming player sees the world without waiting for the next tick.
func (r *Room) snapshotTo(c *session.Context, p *player) {
	r.snapSeq++
	r.ents = r.game.Entities(r.ents[:0])
	r.reck.observe(r.snapSeq, r.sched.Next, r.ents)
	c.Send(p.Conn, &codec.Out{Kind: codec.KindSnapshot, Object: r.addr, Seq: r.snapSeq, Ack: p.LastInput,
		Body: codec.NewShared(r.reck.body(r.sched.Next, 0, nil, nil))})
}

// expireSlots frees the slots of players gone longer than the grace
// period; a room with nobody left stops ticking.
func (r *Room) expireSlots(c *session.Context, now time.Time) {
	if len(r.byConn) < len(r.players) { // some slot is disconnected
		r.freeExpired(now)
	}
	if len(r.players) == 0 {
		r.ticking = false
		c.WakeAt(time.Time{})
		c.DeleteAlarm("revive")
		r.report()
	}
}

// freeExpired frees the slots of players gone longer than the grace period.
func (r *Room) freeExpired(now time.Time) {
	for id, p := range r.players {
		if p.Conn == 0 && !p.Expires.IsZero() && now.After(p.Expires) {
			r.game.Leave(id)
			delete(r.players, id)
		}
	}
}

// finish archives a finished game and closes the room.
func (r *Room) finish(c *session.Context, now time.Time) {
	if game, err := r.game.Save(); err == nil {
		_ = c.Storage().Put("archive", game)
	}
	for _, p := range r.byConn {
		c.Send(p.Conn, &codec.Out{Kind: codec.KindLeft, Object: r.addr, Body: map[string]string{"reason": "game over"}})
	}
	r.byConn = map[session.ConnID]*player{}
	for id := range r.players {
		r.game.Leave(id)
	}
	r.players = map[string]*player{}
	r.expireSlots(c, now) // nobody left: stops ticking, drops the revive alarm
	r.save(c, now)
}

// roomState is what a room saves besides the game.
type roomState struct {
	Players []*player         `msgpack:"players"`
	SnapSeq uint32            `msgpack:"snap_seq"`
	Tick    uint64            `msgpack:"tick"`
	Labels  map[string]string `msgpack:"labels"`
}

// save stores the game and the slots, and pushes the revive alarm out.
func (r *Room) save(c *session.Context, now time.Time) {
	r.lastSave = now
	r.report()
	game, err := r.game.Save()
	if err != nil {
		return
	}
	meta, err := r.encodeState()
	if err != nil {
		return
	}
	s := c.Storage()
	_ = s.Put("game", game)
	_ = s.Put("room", meta)
	if r.ticking {
		_ = c.SetAlarm("revive", now.Add(3*r.cfg.SaveEvery))
	}
}

// encodeState returns the msgpack encoding of the room's roomState, as
// msgpack.Marshal writes it, in a buffer reused from save to save:
// Storage.Put copies what it is given.
func (r *Room) encodeState() ([]byte, error) {
	st := &roomState{SnapSeq: r.snapSeq, Tick: r.sched.Next, Labels: r.labels, Players: r.saved[:0]}
	for _, p := range r.players {
		st.Players = append(st.Players, p)
	}
	r.saved = st.Players
	defer clear(r.saved) // keep no player alive
	r.saveBuf.Reset()
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(&r.saveBuf)
	if err := enc.Encode(st); err != nil {
		return nil, err
	}
	return r.saveBuf.Bytes(), nil
}

// restore reads what save stored; found is false for a new room.
func (r *Room) restore(c *session.Context) (found bool, err error) {
	s := c.Storage()
	game, err := s.Get("game")
	if err != nil {
		if isNotFound(err) {
			return false, nil
		}
		return false, err
	}
	if err := r.game.Restore(game); err != nil {
		return false, err
	}
	meta, err := s.Get("room")
	if err != nil {
		return false, err
	}
	var st roomState
	if err := msgpack.Unmarshal(meta, &st); err != nil {
		return false, err
	}
	r.snapSeq = st.SnapSeq
	r.labels = st.Labels
	for _, p := range st.Players {
		r.players[p.ID] = p
	}
	return true, nil
}
