package tick

import (
	"errors"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fdAlarm is a one-shot timerfd registered with the runtime's poller: a
// goroutine waiting on it is parked, not holding a thread, and the poller
// wakes when it fires, with the timer's resolution rather than the
// millisecond the poller's own timeout has.
type fdAlarm struct {
	f   *os.File
	raw syscall.RawConn
	buf [8]byte
}

// newAlarm makes a timerfd alarm, or one on the runtime's timers where no
// timerfd can be made.
func newAlarm() alarm {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return newTimerAlarm()
	}
	f := os.NewFile(uintptr(fd), "tick-clock")
	raw, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return newTimerAlarm()
	}
	return &fdAlarm{f: f, raw: raw}
}

func (a *fdAlarm) set(at time.Time) {
	d := max(time.Until(at), 1) // zero would disarm it
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	_ = a.raw.Control(func(fd uintptr) { _ = unix.TimerfdSettime(int(fd), 0, &spec, nil) })
}

func (a *fdAlarm) wait() bool {
	_, err := a.f.Read(a.buf[:])
	if errors.Is(err, os.ErrClosed) {
		return false
	}
	if err != nil {
		// Not expected from a timerfd; a pause keeps it from spinning,
		// and the caller checks what is due anyway.
		time.Sleep(time.Millisecond)
	}
	return true
}

func (a *fdAlarm) close() { _ = a.f.Close() }
