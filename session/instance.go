package session

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// instance is an active object: the in-memory Object and everything its
// goroutine owns. It exists from activation to hibernation.
type instance struct {
	e   *entry
	rt  *Runtime
	obj Object
	ctx Context

	sets       [2]pending
	accum      *pending // produced since the last submit
	inflight   *pending // submitted, commit outcome not yet known; nil if none
	commitDone chan error

	timer    *time.Timer // runs onTimer: no channel, so waiting selects on one less
	due      atomic.Bool // the timer fired since the goroutine last looked
	armed    time.Time   // deadline the timer is set to; zero when idle
	wakeAt   time.Time   // requested with Context.WakeAt
	lastWork time.Time
	dead     error  // set when a reset failed: the object must be evicted
	conns    []Conn // scratch for broadcasts
	quota    quota  // bytes stored, with Config.MaxObjectBytes
}

func newInstance(e *entry) *instance {
	in := &instance{e: e, rt: e.rt, commitDone: make(chan error, 1)}
	in.accum = &in.sets[0]
	in.ctx.in = in
	in.timer = time.AfterFunc(time.Hour, in.onTimer)
	in.timer.Stop()
	return in
}

// onTimer runs on the runtime's timer goroutine when the timer expires: it
// leaves a note and wakes the object's goroutine, which acts on it.
func (in *instance) onTimer() {
	in.due.Store(true)
	in.e.signal()
}

// activate claims the object for this node's epoch and loads it.
func (in *instance) activate() error {
	if err := in.rt.cfg.Store.Claim(in.e.id, in.rt.cfg.Epoch); err != nil {
		return fmt.Errorf("session: activate %s: %w", in.e.id, err)
	}
	in.rt.cfg.Observer.Activated(in.e.id.Kind)
	return in.load()
}

// load builds a fresh object and runs its Load.
func (in *instance) load() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: in Load: %v", ErrObjectPanicked, p)
			in.rt.cfg.Logger.Error("object panicked in Load", "object", in.e.id.String(), "panic", p, "stack", string(debug.Stack()))
		}
	}()
	in.obj = in.e.kind.factory(in.e.id)
	if err := in.obj.Load(&in.ctx); err != nil {
		return fmt.Errorf("session: load %s: %w", in.e.id, err)
	}
	return nil
}

// reset replaces the object by a fresh one loaded from storage, as seen
// through the writes still pending. A failed reset marks the instance
// dead.
func (in *instance) reset() {
	in.wakeAt = time.Time{}
	in.quota = quota{}
	if err := in.load(); err != nil {
		in.dead = err
		in.rt.cfg.Logger.Error("object reset failed; evicting", "object", in.e.id.String(), "err", err)
	}
}

// invoke runs Receive, turning a panic into an error.
func (in *instance) invoke(m Message) (val any, err error, panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			panicked = true
			err = fmt.Errorf("%w: %v", ErrObjectPanicked, p)
			in.rt.cfg.Logger.Error("object panicked", "object", in.e.id.String(), "panic", p, "stack", string(debug.Stack()))
		}
	}()
	val, err = in.obj.Receive(&in.ctx, m)
	return val, err, false
}

// handle delivers one envelope to the object and holds its output.
func (in *instance) handle(env *envelope) {
	if in.dead != nil {
		in.refuse(env, in.dead)
		return
	}
	switch env.sys {
	case sysAttach:
		if limit := in.rt.cfg.MaxConnsPerObject; limit > 0 && !in.e.attached(env.msg.From) && in.e.connCount() >= limit {
			in.refuse(env, fmt.Errorf("%w (%d)", ErrObjectFull, limit))
			return
		}
		in.e.attach(env.msg.From, env.conn)
	case sysDetach:
		if _, ok := in.e.detach(env.msg.From); !ok {
			return
		}
	}
	m := in.accum.mark()
	val, err, panicked := in.invoke(env.msg)
	if panicked {
		in.accum.rollback(m)
		in.rt.cfg.Observer.Panicked(in.e.id.Kind)
	}
	if env.sys == sysAttach && err != nil {
		in.e.detach(env.msg.From)
	}
	if env.sys == sysAlarm {
		in.settleAlarm(env.msg.Body.(AlarmFired), m, err)
	}
	if env.reply != nil {
		in.accum.replies = append(in.accum.replies, heldReply{env.reply, result{val, err}})
	}
	if panicked {
		in.reset()
	}
	in.releaseIfClear()
}

// refuse answers env with err without delivering it.
func (in *instance) refuse(env *envelope, err error) {
	if env.sys == sysDetach {
		in.e.detach(env.msg.From)
	}
	answer(env.reply, result{err: err})
}

// releaseIfClear releases the output at once when nothing it could depend
// on is waiting to be committed.
func (in *instance) releaseIfClear() {
	if in.inflight == nil && !in.accum.durable() && !in.accum.empty() {
		in.release(in.accum)
	}
}

// flush submits the accumulated writes if no commit is in flight.
func (in *instance) flush() {
	if in.inflight != nil {
		return
	}
	if !in.accum.durable() {
		in.releaseIfClear()
		return
	}
	p := in.accum
	in.inflight = p
	if p == &in.sets[0] {
		in.accum = &in.sets[1]
	} else {
		in.accum = &in.sets[0]
	}
	b := &Batch{ID: in.e.id, Epoch: in.rt.cfg.Epoch, Writes: p.compacted(), Alarms: p.alarms}
	in.rt.committer.submit(commitReq{batch: b, done: in.commitDone, wake: in.e.signal})
}

// committed settles the in-flight commit.
func (in *instance) committed(err error) {
	p := in.inflight
	in.inflight = nil
	if err == nil {
		in.release(p)
		return
	}
	in.rt.cfg.Logger.Error("commit failed; resetting object", "object", in.e.id.String(), "err", err)
	p.fail(fmt.Errorf("%w: %w", ErrCommitFailed, err))
	in.accum.fail(ErrObjectReset)
	if errors.Is(err, ErrStaleEpoch) {
		// Another node owns the object now: stop serving it.
		in.dead = err
		return
	}
	in.reset()
}

// drain waits until every pending write is committed and all output
// released.
func (in *instance) drain() {
	for in.inflight != nil || in.accum.durable() {
		in.flush()
		in.committed(<-in.commitDone)
	}
	in.releaseIfClear()
}

// release applies a committed set's alarm changes and lets its output go.
func (in *instance) release(p *pending) {
	for _, a := range p.alarms {
		if a.Delete {
			in.rt.sched.remove(in.e.id, a.Name)
		} else {
			in.rt.sched.set(Alarm{ID: in.e.id, Name: a.Name, At: a.At, Attempt: a.Attempt})
		}
	}
	for i := 0; i < len(p.outputs); {
		if n := directRun(p.outputs[i:]); n > 1 {
			in.sendDirect(p.outputs[i : i+n])
			i += n
			continue
		}
		in.emit(&p.outputs[i])
		i++
	}
	for _, r := range p.replies {
		answer(r.ch, r.res)
	}
	p.reset()
}

// directRun is how many outputs at the head of outs are plain sends to one
// connection each.
func directRun(outs []output) int {
	n := 0
	for n < len(outs) && outs[n].to != 0 && outs[n].close == nil && outs[n].after == nil {
		n++
	}
	return n
}

// sendDirect hands a run of plain sends to their connections, looked up
// together: a room's snapshot is one such run, a send per client.
func (in *instance) sendDirect(outs []output) {
	in.conns = in.e.connsOf(outs, in.conns[:0])
	for i, c := range in.conns {
		if c != nil {
			in.send(c, outs[i].msg)
		}
	}
	clear(in.conns)
}

// emit hands one output to its connection(s).
func (in *instance) emit(o *output) {
	if o.after != nil {
		in.runAfter(o.after)
		return
	}
	if o.close != nil {
		if c, ok := in.e.detach(o.to); ok {
			c.Close(o.close)
		}
		return
	}
	if o.to != 0 {
		if c := in.e.conn(o.to); c != nil {
			in.send(c, o.msg)
		}
		return
	}
	in.conns = in.e.connsExcept(in.conns[:0], o.except)
	for _, c := range in.conns {
		in.send(c, o.msg)
	}
	clear(in.conns)
}

func (in *instance) send(c Conn, msg any) {
	if err := c.Send(msg); err != nil {
		in.rt.cfg.Logger.Debug("send to connection failed", "object", in.e.id.String(), "err", err)
	}
}

// runAfter runs an AfterCommit callback, containing a panic.
func (in *instance) runAfter(fn func()) {
	defer func() {
		if p := recover(); p != nil {
			in.rt.cfg.Logger.Error("AfterCommit callback panicked", "object", in.e.id.String(), "panic", p)
		}
	}()
	fn()
}
