package tick

import (
	"time"

	"golang.org/x/sys/unix"
)

// sleep blocks the calling OS thread for d with nanosecond resolution.
func sleep(d time.Duration) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	for unix.ClockNanosleep(unix.CLOCK_MONOTONIC, 0, &ts, &ts) == unix.EINTR {
	}
}
