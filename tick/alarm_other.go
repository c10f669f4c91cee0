//go:build !linux

package tick

import "time"

// alarm is the runtime's timers where there is no timerfd.
type alarm struct{ *timerAlarm }

func newAlarm() alarm { return alarm{newTimerAlarm()} }

func (a *alarm) set(at time.Time) { a.timerAlarm.set(at) }
func (a *alarm) wait() bool       { return a.timerAlarm.wait() }
func (a *alarm) close()           { a.timerAlarm.close() }
