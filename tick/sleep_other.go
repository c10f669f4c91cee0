//go:build !linux

package tick

import "time"

// sleep falls back to the runtime's timers where clock_nanosleep is not
// available.
func sleep(d time.Duration) { time.Sleep(d) }
