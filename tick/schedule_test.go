package tick

import (
	"testing"
	"testing/synctest"
	"time"
)

func TestScheduleHasNoDrift(t *testing.T) {
	start := time.Unix(1000, 0)
	s := Schedule{Start: start, Period: 50 * time.Millisecond, MaxCatchUp: 3}
	// Each tick is handled 7 ms late; the next is still due on the grid.
	for n := range uint64(100) {
		now := s.NextAt().Add(7 * time.Millisecond)
		run, skipped, late := s.Due(now)
		if run != 1 || skipped != 0 || late != 7*time.Millisecond {
			t.Fatalf("tick %d: run %d skipped %d late %v", n, run, skipped, late)
		}
		s.Next++
	}
	if got := s.NextAt(); !got.Equal(start.Add(100 * 50 * time.Millisecond)) {
		t.Fatalf("tick 100 due at %v: drifted", got.Sub(start))
	}
}

func TestScheduleCatchesUpThenSkips(t *testing.T) {
	s := Schedule{Start: time.Unix(0, 0), Period: 10 * time.Millisecond, MaxCatchUp: 3}
	run, skipped, _ := s.Due(time.Unix(0, 0).Add(25 * time.Millisecond)) // ticks 0,1,2 due
	if run != 3 || skipped != 0 {
		t.Fatalf("run %d skipped %d, want 3 0", run, skipped)
	}
	s.Next += uint64(run)
	run, skipped, _ = s.Due(time.Unix(0, 0).Add(105 * time.Millisecond)) // ticks 3..10 due
	if run != 3 || skipped != 5 {
		t.Fatalf("after an overrun: run %d skipped %d, want 3 and 5", run, skipped)
	}
	s.Next += uint64(run)
	if s.Next != 11 {
		t.Fatalf("next = %d, want 11", s.Next)
	}
}

func TestPhasesSpreadRooms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		period := 50 * time.Millisecond
		slots := map[time.Duration]int{}
		for i := range 1000 {
			s := newSchedule(time.Now(), period, "room-"+string(rune('a'+i%26))+string(rune(i)), 3)
			slots[s.Start.Sub(time.Now().Truncate(period))%period/time.Millisecond]++
		}
		for ms, n := range slots {
			if n > 60 {
				t.Fatalf("%d of 1000 rooms tick at phase %v ms", n, ms)
			}
		}
		if len(slots) < 40 {
			t.Fatalf("rooms use only %d of 50 one-millisecond phases", len(slots))
		}
	})
}
