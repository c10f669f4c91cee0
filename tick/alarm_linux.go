package tick

import (
	"errors"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// alarm is a one-shot timerfd registered with the runtime's poller: a
// goroutine waiting on it is parked, not holding a thread, and the poller
// wakes when it fires, with the timer's resolution rather than the
// millisecond the poller's own timeout has. Where no timerfd can be
// made, the runtime's timers stand in.
type alarm struct {
	f    *os.File
	raw  syscall.RawConn
	buf  [8]byte
	fall *timerAlarm
}

func newAlarm() alarm {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return alarm{fall: newTimerAlarm()}
	}
	f := os.NewFile(uintptr(fd), "tick-clock")
	raw, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		return alarm{fall: newTimerAlarm()}
	}
	return alarm{f: f, raw: raw}
}

// set makes the alarm go off at at, replacing any earlier setting.
func (a *alarm) set(at time.Time) {
	if a.fall != nil {
		a.fall.set(at)
		return
	}
	d := max(time.Until(at), 1) // zero would disarm it
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	_ = a.raw.Control(func(fd uintptr) { _ = unix.TimerfdSettime(int(fd), 0, &spec, nil) })
}

// wait blocks until the alarm goes off; false once it is closed.
func (a *alarm) wait() bool {
	if a.fall != nil {
		return a.fall.wait()
	}
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

func (a *alarm) close() {
	if a.fall != nil {
		a.fall.close()
		return
	}
	_ = a.f.Close()
}
