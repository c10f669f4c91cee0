package iot

import "testing"

func TestSeqWindow(t *testing.T) {
	var w seqWindow
	steps := []struct {
		seq   uint64
		fresh bool
		want  bool
	}{
		{5, true, true},
		{5, false, false}, // re-sent
		{7, true, true},
		{6, false, true}, // out of order, not a duplicate
		{6, false, false},
		{5, false, false},
		{7 + 63, true, true},
		{7, false, false},  // 63 below: still tracked, seen
		{8, false, true},   // 62 below: tracked, never seen
		{6, false, false},  // 64 below: too old, and not fresh
		{1, true, true},    // sensor restarted its counter
		{1, false, false},  // after the restart
		{70, false, true},  // new high after reset
		{200, false, true}, // jump past the whole window
		{70, false, false},
	}
	for i, s := range steps {
		if got := w.admit(s.seq, s.fresh); got != s.want {
			t.Fatalf("step %d: admit(%d, %v) = %v, want %v", i, s.seq, s.fresh, got, s.want)
		}
	}
}
