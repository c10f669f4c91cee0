package tick

import (
	"sync"
	"time"
)

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
