package tick

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
)

// Errors a room answers joins with.
var (
	ErrRoomFull      = errors.New("tick: room full")
	ErrResumeExpired = errors.New("tick: resume token unknown or expired")
)

// Kind returns the session kind for rooms of this configuration.
func Kind(name string, cfg Config) (session.Kind, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return session.Kind{}, err
	}
	return session.Kind{Name: name, New: func(id session.ID) session.Object {
		return &Room{id: id, addr: id.String(), cfg: cfg}
	}}, nil
}

// Room is a game room: one object ticking one Game.
type Room struct {
	id      session.ID
	addr    string // id as clients address it, "kind/name"
	cfg     Config
	game    Game
	sched   Schedule
	ticking bool

	players map[string]*player // by player id
	byConn  map[session.ConnID]*player
	pending []Input // inputs since the last tick, in arrival order

	labels  map[string]string
	skipped uint64

	reck     *reckoner
	snapSeq  uint32
	lastSave time.Time
	ents     []Entity      // scratch
	spare    []*snapFrames // snapshot frame sets to reuse
	saved    []*player     // scratch: the players a save lists
	saveBuf  bytes.Buffer  // scratch: a save's room state
}

var _ session.Object = (*Room)(nil)

// Load restores the room from storage: game state and player slots. Slots
// come back disconnected, kept for the resume grace period, and a room
// with players resumes ticking.
func (r *Room) Load(c *session.Context) error {
	r.game = r.cfg.NewGame(r.id.Name)
	r.reck = newReckoner(r.cfg.TickHz, r.cfg.Tolerance)
	r.players = map[string]*player{}
	r.byConn = map[session.ConnID]*player{}
	found, err := r.restore(c)
	if err != nil {
		return err
	}
	if found && len(r.players) > 0 {
		now := time.Now()
		for _, p := range r.players {
			p.Expires = now.Add(r.cfg.ResumeGrace)
		}
		r.startTicking(c, now)
		r.report()
	}
	return nil
}

// Receive handles joins, leaves, inputs, events, ticks and alarms.
func (r *Room) Receive(c *session.Context, m session.Message) (any, error) {
	switch b := m.Body.(type) {
	case session.Connected:
		return r.join(c, m.From, b)
	case session.Disconnected:
		r.disconnected(c, m.From)
	case codec.Frame:
		r.frame(c, m.From, b)
	case session.Wake:
		r.tick(c, b.Now)
	case Tick:
		r.tick(c, time.Now())
	case ViewQuery:
		return r.view(), nil
	case session.AlarmFired:
		// "revive": the process restarted; Load has resumed the room.
		if r.ticking {
			return nil, c.SetAlarm("revive", time.Now().Add(3*r.cfg.SaveEvery))
		}
	}
	return nil, nil
}

func (r *Room) join(c *session.Context, from session.ConnID, b session.Connected) (any, error) {
	info, _ := b.Hello.(codec.JoinInfo)
	var data JoinData
	if err := info.Data.Decode(&data); err != nil {
		return nil, err
	}
	if data.Resume != "" {
		return r.resume(c, from, data.Resume)
	}
	r.adoptLabels(data.Labels)
	id := info.Player
	if id == "" {
		id = fmt.Sprintf("guest-%d", from)
	}
	spectator := data.Spectate || info.Role == "spectator" || info.Role == "viewer"
	if old, ok := r.players[id]; ok && old.Conn != 0 {
		c.Disconnect(old.Conn, errors.New("tick: joined again from another connection"))
		delete(r.byConn, old.Conn)
	}
	p, ok := r.players[id]
	if !ok {
		if !spectator && r.playerCount() >= r.cfg.MaxPlayers {
			return nil, fmt.Errorf("%w (%d players)", ErrRoomFull, r.cfg.MaxPlayers)
		}
		p = &player{ID: id, Resume: newResumeToken(), Spectator: spectator}
		if !spectator {
			if err := r.game.Join(id); err != nil {
				return nil, err
			}
		}
		r.players[id] = p
	}
	return r.attach(c, from, p, false), nil
}

// resume gives a returning client its slot back.
func (r *Room) resume(c *session.Context, from session.ConnID, token string) (any, error) {
	for _, p := range r.players {
		if p.Resume == token {
			if p.Conn != 0 {
				c.Disconnect(p.Conn, errors.New("tick: resumed from another connection"))
				delete(r.byConn, p.Conn)
			}
			r.cfg.Observer.Resumed()
			return r.attach(c, from, p, true), nil
		}
	}
	return nil, ErrResumeExpired
}

func (r *Room) attach(c *session.Context, from session.ConnID, p *player, resumed bool) Joined {
	p.Conn, p.Acked, p.Expires = from, 0, time.Time{}
	r.byConn[from] = p
	_ = c.SetAttachment(from, []byte(p.ID))
	r.startTicking(c, time.Now())
	r.report()
	r.snapshotTo(c, p)
	return Joined{Player: p.ID, Resume: p.Resume, Resumed: resumed, Spectator: p.Spectator,
		TickHz: r.cfg.TickHz, SnapshotHz: r.cfg.TickHz / r.cfg.SnapshotEvery}
}

func (r *Room) playerCount() int {
	n := 0
	for _, p := range r.players {
		if !p.Spectator {
			n++
		}
	}
	return n
}

// disconnected keeps the slot for the grace period.
func (r *Room) disconnected(c *session.Context, from session.ConnID) {
	p, ok := r.byConn[from]
	if !ok {
		return
	}
	delete(r.byConn, from)
	p.Conn = 0
	defer r.report()
	if p.Spectator {
		delete(r.players, p.ID)
		return
	}
	p.Expires = time.Now().Add(r.cfg.ResumeGrace)
}

// adoptLabels gives a room without labels those of its first join, or
// those matchmaking reserved for it.
func (r *Room) adoptLabels(labels map[string]string) {
	if r.labels != nil {
		return
	}
	if r.cfg.Directory != nil {
		if reserved := r.cfg.Directory.takeLabels(r.id.Name); reserved != nil {
			labels = reserved
		}
	}
	r.labels = labels
	if r.labels == nil {
		r.labels = map[string]string{}
	}
}

// report tells the directory how the room stands.
func (r *Room) report() {
	if r.cfg.Directory == nil {
		return
	}
	info := RoomInfo{Labels: r.labels, MaxPlayers: r.cfg.MaxPlayers, TickHz: r.cfg.TickHz, Ticking: r.ticking, Skipped: r.skipped}
	for _, p := range r.players {
		switch {
		case p.Spectator:
			info.Spectators++
		default:
			info.Players++
		}
	}
	r.cfg.Directory.update(r.id.Name, info)
}

// frame handles an input or event from a client.
func (r *Room) frame(c *session.Context, from session.ConnID, f codec.Frame) {
	p, ok := r.byConn[from]
	if !ok {
		r.cfg.Observer.InputRejected("not_in_room")
		c.Send(from, &codec.Out{Kind: codec.KindError, Object: r.addr,
			Body: codec.Error{Code: codec.CodeNotJoined, Message: "not a player in this room"}})
		return
	}
	if f.Ack > p.Acked && f.Ack <= r.snapSeq {
		p.Acked = f.Ack
	}
	switch f.Kind {
	case codec.KindInput:
		r.input(c, p, f)
	case codec.KindEvent:
		c.Broadcast(&codec.Out{Kind: codec.KindEvent, Object: r.addr, Body: f.Payload}, from)
	}
}

// input queues the inputs of a frame not seen before. A frame carries the
// newest input (seq f.Seq) and the few before it, oldest first.
func (r *Room) input(c *session.Context, p *player, f codec.Frame) {
	if p.Spectator {
		r.reject(c, p, "spectators send no input")
		return
	}
	if f.Seq == 0 && len(f.Payload.Raw) > 0 {
		r.reject(c, p, "input without a sequence number")
		return
	}
	if f.Seq <= p.LastInput {
		r.cfg.Observer.InputRejected("stale") // reordered or resent: normal on datagrams
		return
	}
	inputs, err := r.game.DecodeInputs(f.Payload)
	if err != nil {
		r.reject(c, p, err.Error())
		return
	}
	first := f.Seq - uint32(len(inputs)-1)
	for i, data := range inputs {
		if seq := first + uint32(i); seq > p.LastInput {
			r.pending = append(r.pending, Input{Player: p.ID, Seq: seq, Data: data})
		}
	}
	p.LastInput = f.Seq
}

// reject tells a client its input was refused, and counts it.
func (r *Room) reject(c *session.Context, p *player, why string) {
	r.cfg.Observer.InputRejected("invalid")
	c.Send(p.Conn, &codec.Out{Kind: codec.KindError, Object: r.addr,
		Body: codec.Error{Code: "bad_input", Message: why}})
}

func isNotFound(err error) bool { return errors.Is(err, session.ErrNotFound) }
