//go:build !linux

package tick

// newAlarm uses the runtime's timers where there is no timerfd.
func newAlarm() alarm { return newTimerAlarm() }
