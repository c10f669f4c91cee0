package session

import "testing"

// A run's buffer comes back for the next one even when the owner looked at
// an empty mailbox in between, so a busy object allocates nothing per
// message however its runs and idle polls interleave.
func TestMailboxKeepsBuffersAcrossEmptyTakes(t *testing.T) {
	var m mailbox
	cycle := func() {
		for range 8 {
			m.putLocked(envelope{}, 100, false)
		}
		q := m.takeLocked()
		if len(m.takeLocked()) != 0 {
			t.Fatal("a second take found envelopes")
		}
		m.recycleLocked(q)
	}
	cycle()
	cycle()
	if n := testing.AllocsPerRun(100, cycle); n != 0 {
		t.Fatalf("%.1f allocations per run", n)
	}
}
