package loadtest

import (
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// inputWindow is how many inputs back a round trip can still be matched.
const inputWindow = 64

// resendInputs is how many inputs one frame carries at most: the newest
// and the unacknowledged ones before it (the protocol allows 8).
const resendInputs = 4

// move is one arena input: a steering direction.
type move [2]float64

// inputs numbers a client's inputs, remembers when each was sent and
// matches them to the acknowledgements snapshots carry.
type inputs struct {
	mu    sync.Mutex
	seq   uint32 // newest input sent
	acked uint32 // newest input the room said it applied
	sent  [inputWindow]time.Time
	moves [inputWindow]move
}

// next numbers a new input sent at now and returns its seq and the
// frame's payload: the unacknowledged inputs, oldest first.
func (in *inputs) next(now time.Time, r *rand.Rand) (uint32, []move) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.seq++
	a := r.Float64() * 2 * math.Pi
	in.sent[in.seq%inputWindow] = now
	in.moves[in.seq%inputWindow] = move{math.Round(math.Cos(a)*100) / 100, math.Round(math.Sin(a)*100) / 100}
	n := min(in.seq-in.acked, resendInputs)
	out := make([]move, 0, n)
	for s := in.seq - n + 1; s <= in.seq; s++ {
		out = append(out, in.moves[s%inputWindow])
	}
	return in.seq, out
}

// ack takes a snapshot's ack (newest input applied) received at now and
// returns the round trips of the inputs it acknowledges for the first
// time.
func (in *inputs) ack(ack uint32, now time.Time, rtts []time.Duration) []time.Duration {
	in.mu.Lock()
	defer in.mu.Unlock()
	if ack <= in.acked || ack > in.seq {
		return rtts
	}
	from := in.acked + 1
	if ack-from >= inputWindow {
		from = ack - inputWindow + 1
	}
	for s := from; s <= ack; s++ {
		rtts = append(rtts, now.Sub(in.sent[s%inputWindow]))
	}
	in.acked = ack
	return rtts
}
