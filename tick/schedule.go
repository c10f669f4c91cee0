package tick

import "time"

// Schedule says when each tick runs: tick n at Start + n·Period, never
// "last + period", so lateness cannot accumulate into drift.
type Schedule struct {
	Start      time.Time
	Period     time.Duration
	Next       uint64 // the next tick to run
	MaxCatchUp int    // ticks run back to back when late; beyond that they are skipped
}

// At returns when tick n is due.
func (s *Schedule) At(n uint64) time.Time { return s.Start.Add(time.Duration(n) * s.Period) }

// NextAt returns when the next tick is due.
func (s *Schedule) NextAt() time.Time { return s.At(s.Next) }

// Due says what to do at now: how many ticks to run, how many to skip
// (dropped from the schedule after an overrun), and how late the next
// tick is. Due does not advance Next past the skipped ticks' caller-run
// ones: the caller runs `run` ticks, incrementing Next for each.
func (s *Schedule) Due(now time.Time) (run int, skipped uint64, lateness time.Duration) {
	if now.Before(s.NextAt()) {
		return 0, 0, 0
	}
	lateness = now.Sub(s.NextAt())
	behind := uint64(now.Sub(s.Start)/s.Period) + 1 - s.Next
	if limit := uint64(max(s.MaxCatchUp, 1)); behind > limit {
		skipped = behind - limit
		s.Next += skipped
		behind = limit
	}
	return int(behind), skipped, lateness
}

// phase spreads rooms over the period: a stable offset from the room's
// name, so thousands of rooms do not tick at the same instant.
func phase(name string, period time.Duration) time.Duration {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return time.Duration(h % uint64(period))
}

// newSchedule starts a schedule at the first phase-aligned instant after
// now.
func newSchedule(now time.Time, period time.Duration, name string, catchUp int) Schedule {
	start := now.Truncate(period).Add(phase(name, period))
	for start.Before(now) {
		start = start.Add(period)
	}
	return Schedule{Start: start, Period: period, MaxCatchUp: catchUp}
}
