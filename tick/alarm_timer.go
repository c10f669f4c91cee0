package tick

import (
	"sync"
	"time"
)

// alarm wakes the Clock: set makes it go off at a time, replacing any
// earlier setting; wait blocks until it goes off, false once it is closed.
type alarm interface {
	set(at time.Time)
	wait() bool
	close()
}

// timerAlarm is an alarm on the runtime's timers, for where there is no
// timerfd: as precise as Go's timers, no more.
type timerAlarm struct {
	t      *time.Timer
	closed chan struct{}
	once   sync.Once
}

func newTimerAlarm() *timerAlarm {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &timerAlarm{t: t, closed: make(chan struct{})}
}

func (a *timerAlarm) set(at time.Time) { a.t.Reset(time.Until(at)) }

func (a *timerAlarm) wait() bool {
	select {
	case <-a.t.C:
		return true
	case <-a.closed:
		return false
	}
}

func (a *timerAlarm) close() { a.once.Do(func() { close(a.closed) }) }
