package session

import "time"

// run is the goroutine that owns an active object, from activation to
// hibernation or shutdown.
func (in *instance) run() {
	defer in.timer.Stop()
	if err := in.activate(); err != nil {
		in.rt.cfg.Logger.Warn("activation failed", "object", in.e.id.String(), "err", err)
		in.dead = err
	}
	in.lastWork = time.Now()
	for {
		if q := in.e.take(); len(q) > 0 {
			in.process(q)
			in.poll(false)
			in.flush()
			continue
		}
		in.flush()
		if in.dead != nil || in.rt.closed.Load() {
			if in.stop() {
				return
			}
			continue
		}
		now := time.Now()
		if in.idle(now) && in.hibernate() {
			return
		}
		in.arm(now)
		in.poll(true)
	}
}

// process handles a run of envelopes taken from the mailbox.
func (in *instance) process(q []envelope) {
	for i := range q {
		in.handle(&q[i])
	}
	in.e.recycle(q)
	in.lastWork = time.Now()
}

// poll handles a commit outcome and a timer expiry, if either is there;
// with block it first waits for a wake-up, which the mailbox, the
// committer and the timer all send. Waiting on two channels instead of one
// per source keeps the park and wake-up of a busy object cheap.
func (in *instance) poll(block bool) {
	if block {
		select {
		case <-in.e.wake:
		case <-in.rt.stop:
		}
	}
	select {
	case err := <-in.commitDone:
		in.committed(err)
	default:
	}
	if in.due.Swap(false) {
		in.fired(time.Now())
	}
}

// arm sets the object's one timer to its earliest deadline: the wake-up it
// asked for or, with none pending, the end of its idle time (once that has
// passed without a hibernation, the next check one idle period later). The
// idle deadline only moves later, so a timer already set earlier is left
// to fire and re-armed then.
func (in *instance) arm(now time.Time) {
	deadline := in.wakeAt
	if idle := in.e.kind.idleTimeout; deadline.IsZero() && idle > 0 {
		deadline = in.lastWork.Add(idle)
		if !deadline.After(now) {
			deadline = now.Add(idle)
		}
	}
	if deadline.IsZero() || (!in.armed.IsZero() && !deadline.Before(in.armed)) {
		return
	}
	in.armed = deadline
	in.timer.Reset(deadline.Sub(now))
}

// fired runs when the timer expires: deliver a due wake-up.
func (in *instance) fired(now time.Time) {
	in.armed = time.Time{}
	if in.wakeAt.IsZero() || now.Before(in.wakeAt) || in.dead != nil {
		return
	}
	in.wakeAt = time.Time{}
	in.handle(&envelope{msg: Message{Body: Wake{Now: now}}})
}

// idle reports whether the object may hibernate: idle long enough, nothing
// pending, no wake-up asked for, no alarm due within its idle timeout.
func (in *instance) idle(now time.Time) bool {
	idle := in.e.kind.idleTimeout
	if idle <= 0 || now.Sub(in.lastWork) < idle || !in.wakeAt.IsZero() ||
		in.inflight != nil || !in.accum.empty() {
		return false
	}
	if due, ok := in.rt.sched.nextDue(in.e.id); ok && due.Sub(now) < idle {
		return false
	}
	return true
}

// hibernate saves the object and evicts it if no message arrived
// meanwhile. It reports whether the goroutine must exit.
func (in *instance) hibernate() bool {
	in.save()
	if in.dead == nil && !in.e.tryEvict() {
		return false
	}
	in.rt.cfg.Observer.Hibernated(in.e.id.Kind)
	in.exit()
	return true
}

// stop drains and evicts the object for shutdown or after a failed reset.
// It reports whether the goroutine must exit.
func (in *instance) stop() bool {
	in.save()
	if !in.e.tryEvict() {
		return false
	}
	in.exit()
	return true
}

// save runs the object's Hibernate hook, if any, and commits everything.
func (in *instance) save() {
	if h, ok := in.obj.(Hibernator); ok && in.dead == nil {
		in.hibernateHook(h)
	}
	in.drain()
}

func (in *instance) hibernateHook(h Hibernator) {
	m := in.accum.mark()
	defer func() {
		if p := recover(); p != nil {
			in.accum.rollback(m)
			in.rt.cfg.Observer.Panicked(in.e.id.Kind)
			in.rt.cfg.Logger.Error("object panicked in Hibernate", "object", in.e.id.String(), "panic", p)
		}
	}()
	if err := h.Hibernate(&in.ctx); err != nil {
		in.rt.cfg.Logger.Warn("Hibernate failed", "object", in.e.id.String(), "err", err)
	}
}

// exit leaves the runtime's books straight when the goroutine ends.
func (in *instance) exit() {
	in.e.kind.active.Add(-1)
	in.rt.objectExited()
}
