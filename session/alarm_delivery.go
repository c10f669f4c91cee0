package session

import (
	"fmt"
	"time"
)

// deliverAlarm queues a due alarm into its object's mailbox. It reports
// false when the mailbox is full, so the scheduler tries again shortly.
func (r *Runtime) deliverAlarm(a Alarm) bool {
	e, err := r.entry(a.ID)
	if err != nil {
		// The kind is no longer registered; keep the alarm stored but stop
		// delivering it in this process.
		r.cfg.Logger.Warn("dropping alarm of unknown kind", "object", a.ID.String(), "alarm", a.Name)
		r.sched.remove(a.ID, a.Name)
		return true
	}
	r.cfg.Observer.AlarmFired(a.ID.Kind, time.Since(a.At))
	env := envelope{sys: sysAlarm, msg: Message{Body: AlarmFired{Name: a.Name, Due: a.At, Attempt: a.Attempt}}}
	return e.push(env, false) == nil
}

// settleAlarm records, in the same batch as the handler's writes, what
// becomes of an alarm after its delivery: deleted when handled, re-set
// with backoff when the handler failed, left alone when the handler set
// or deleted it itself.
func (in *instance) settleAlarm(f AlarmFired, m mark, err error) {
	for _, a := range in.accum.alarms[m.alarms:] {
		if a.Name == f.Name {
			return
		}
	}
	if err == nil {
		in.accum.alarms = append(in.accum.alarms, AlarmWrite{Name: f.Name, Delete: true})
		return
	}
	attempt := f.Attempt + 1
	at := time.Now().Add(in.rt.backoff(attempt))
	in.rt.cfg.Logger.Warn("alarm failed; will retry", "object", in.e.id.String(), "alarm", f.Name, "attempt", attempt, "at", at, "err", err)
	in.accum.alarms = append(in.accum.alarms, AlarmWrite{Name: f.Name, At: at, Attempt: attempt})
}

// backoff returns the delay before retry number attempt (1-based):
// doubling from AlarmRetryMin up to AlarmRetryMax.
func (r *Runtime) backoff(attempt int) time.Duration {
	d := r.cfg.AlarmRetryMin
	for i := 1; i < attempt && d < r.cfg.AlarmRetryMax; i++ {
		d *= 2
	}
	return min(d, r.cfg.AlarmRetryMax)
}

// validAlarmName checks an alarm name like a storage key.
func validAlarmName(name string) error {
	if name == "" || len(name) > MaxKeyLen {
		return fmt.Errorf("%w: alarm name of %d bytes", ErrInvalidKey, len(name))
	}
	return nil
}
