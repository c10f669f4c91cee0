package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/transport/client"
)

// joinTimeout bounds one connect or join.
const joinTimeout = 10 * time.Second

// joined is the part of a room's join answer the harness reads.
type joined struct {
	Player     string `msgpack:"player" json:"player"`
	Resume     string `msgpack:"resume" json:"resume"`
	Resumed    bool   `msgpack:"resumed" json:"resumed"`
	TickHz     int    `msgpack:"tick_hz" json:"tick_hz"`
	SnapshotHz int    `msgpack:"snapshot_hz" json:"snapshot_hz"`
}

// player is one game client: it connects, joins its room, sends inputs
// at the input rate and reads snapshots until the run ends, dropping and
// resuming once if it is one of the churned.
type player struct {
	transport string
	room      string
	startAt   time.Time // when to connect
	churnAt   time.Time // zero: never drops
	period    time.Duration
	d         *dialer
	st        *gameStats
	rng       *rand.Rand

	c      *client.Client
	resume string
	in     inputs
	clock  *snapshotClock
}

func newPlayer(i int, cfg GameConfig, d *dialer, st *gameStats, start time.Time) *player {
	p := &player{
		transport: transportFor(cfg.Transport, i),
		room:      fmt.Sprintf("room/%s-%d", cfg.RoomPrefix, i%cfg.Rooms),
		startAt:   start.Add(cfg.RampUp * time.Duration(i) / time.Duration(cfg.Clients)),
		period:    time.Duration(float64(time.Second) / cfg.InputRate),
		d:         d, st: st,
		rng: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano()))),
	}
	if p.rng.Float64() < cfg.Churn {
		// Drop somewhere in the middle of the client's time, leaving a
		// second at the end to come back.
		end := start.Add(cfg.Duration - time.Second)
		if span := end.Sub(p.startAt); span > 0 {
			p.churnAt = p.startAt.Add(span/4 + time.Duration(p.rng.Int64N(int64(span/2)+1)))
		}
	}
	return p
}

// run plays until ctx ends.
func (p *player) run(ctx context.Context) {
	if !sleepUntil(ctx, p.startAt) {
		return
	}
	if !p.connect(ctx) {
		return
	}
	for {
		sessCtx, cancel := ctx, context.CancelFunc(func() {})
		if !p.churnAt.IsZero() {
			sessCtx, cancel = context.WithDeadline(ctx, p.churnAt)
		}
		err := p.session(sessCtx)
		cancel()
		p.hangUp()
		switch {
		case ctx.Err() != nil:
			return
		case sessCtx.Err() != nil: // time to churn
			p.churnAt = time.Time{}
			if !p.reconnect(ctx) {
				return
			}
		default:
			p.st.disconnects.Add(1)
			p.st.errors.AddErr(err, "disconnected")
			return
		}
	}
}

// connect dials and joins, timing both.
func (p *player) connect(ctx context.Context) bool {
	t0 := time.Now()
	if !p.dial(ctx) {
		return false
	}
	t1 := time.Now()
	p.st.connect.Record(t1.Sub(t0))
	j, ok := p.joinRoom(ctx, codec.JoinRequest{})
	if !ok {
		p.hangUp()
		return false
	}
	p.st.join.Record(time.Since(t1))
	p.st.joined.Add(1)
	p.resume = j.Resume
	p.clock = newSnapshotClock(j.TickHz, t0)
	return true
}

// reconnect comes back with the resume token, timing it.
func (p *player) reconnect(ctx context.Context) bool {
	t0 := time.Now()
	if !p.dial(ctx) {
		return false
	}
	j, ok := p.joinRoom(ctx, codec.JoinRequest{Data: map[string]any{"resume": p.resume}})
	if !ok {
		p.hangUp()
		return false
	}
	if !j.Resumed {
		p.st.errors.Add("not_resumed")
	}
	p.st.resume.Record(time.Since(t0))
	p.st.resumes.Add(1)
	p.clock.restart()
	return true
}

func (p *player) dial(ctx context.Context) bool {
	dctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	c, err := p.d.dial(dctx, p.transport)
	if err != nil {
		p.st.errors.AddErr(err, "dial")
		return false
	}
	p.c = c
	p.st.connected.Add(1)
	return true
}

func (p *player) joinRoom(ctx context.Context, req codec.JoinRequest) (joined, bool) {
	jctx, cancel := context.WithTimeout(ctx, joinTimeout)
	defer cancel()
	var j joined
	f, err := p.c.Join(jctx, p.room, req)
	if err == nil {
		err = f.Payload.Decode(&j)
	}
	if err != nil {
		p.st.errors.AddErr(err, "join")
		return j, false
	}
	return j, true
}

// hangUp closes the connection and books its traffic.
func (p *player) hangUp() {
	if p.c == nil {
		return
	}
	_ = p.c.Close()
	sent, recvd, _ := p.c.Stats()
	p.st.bytesOut.Add(sent)
	p.st.bytesIn.Add(recvd)
	p.st.connected.Add(-1)
	p.c = nil
}

// sleepUntil waits for t; false when ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
