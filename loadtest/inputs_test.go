package loadtest

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestInputsResendAndAck(t *testing.T) {
	var in inputs
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Unix(100, 0)
	for i := range 6 {
		seq, moves := in.next(t0.Add(time.Duration(i)*10*time.Millisecond), rng)
		if seq != uint32(i+1) || len(moves) != min(i+1, resendInputs) {
			t.Fatalf("input %d: seq %d, %d moves", i, seq, len(moves))
		}
		for _, m := range moves {
			if m[0] < -1 || m[0] > 1 || m[1] < -1 || m[1] > 1 {
				t.Fatalf("move out of range: %v", m)
			}
		}
	}
	rtts := in.ack(3, t0.Add(100*time.Millisecond), nil)
	if len(rtts) != 3 || rtts[0] != 100*time.Millisecond || rtts[2] != 80*time.Millisecond {
		t.Fatalf("round trips %v", rtts)
	}
	if again := in.ack(3, t0.Add(time.Second), nil); len(again) != 0 {
		t.Fatalf("acknowledged twice: %v", again)
	}
	if future := in.ack(99, t0, nil); len(future) != 0 {
		t.Fatalf("ack of inputs never sent: %v", future)
	}
	if _, moves := in.next(t0, rng); len(moves) != resendInputs {
		t.Fatalf("after ack 3 of 7, %d moves resent", len(moves))
	}
}

func TestInputsAckBeyondWindow(t *testing.T) {
	var in inputs
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3 * inputWindow {
		in.next(time.Unix(0, 0), rng)
	}
	if rtts := in.ack(3*inputWindow, time.Unix(1, 0), nil); len(rtts) != inputWindow {
		t.Fatalf("%d round trips, want the last %d", len(rtts), inputWindow)
	}
}
