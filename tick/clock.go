package tick

import (
	"errors"
	"sync"
	"time"

	"github.com/hearth-server/hearth/session"
)

// Tick is the message a Clock delivers to a room when its next tick is due.
type Tick struct{ Due time.Time }

// Clock delivers ticks to rooms at their scheduled times. Go's timers can
// fire up to a millisecond late when the process is idle, because the
// runtime's poller sleeps in whole milliseconds. The Clock keeps every
// room's next deadline in one heap and one alarm set to the earliest of
// them; on Linux the alarm is a timerfd in the runtime's poller, which
// wakes the process at the deadline to the microsecond. No thread is held
// while waiting and nothing spins. Setting the alarm costs a system call
// (several microseconds in a virtual machine), so wake-ups are at least
// minGap apart: with many rooms, one wake-up delivers all that fell due
// since the last, at most minGap late.
type Clock struct {
	mu    sync.Mutex
	h     clockHeap
	armed time.Time // what the alarm is set for; zero when nothing is
	last  time.Time // when the alarm last went off
	alarm alarm     // a timerfd on Linux, the runtime's timers elsewhere
	done  chan struct{}
}

// minGap bounds the Clock's wake-ups to 2,000 a second and its added
// lateness to 500 µs.
const minGap = 500 * time.Microsecond

// NewClock starts a clock. Close it when done.
func NewClock() *Clock {
	c := &Clock{alarm: newAlarm(), done: make(chan struct{})}
	go c.run()
	return c
}

// At schedules one Tick for ref at at.
func (c *Clock) At(at time.Time, ref session.Ref) {
	c.mu.Lock()
	c.h.push(clockItem{at: at, ref: ref})
	c.arm(at)
	c.mu.Unlock()
}

// Close stops the clock; scheduled ticks are dropped.
func (c *Clock) Close() {
	c.alarm.close()
	<-c.done
}

func (c *Clock) run() {
	defer close(c.done)
	for c.alarm.wait() {
		now := time.Now()
		c.mu.Lock()
		c.last = now
		c.mu.Unlock()
		c.fire(now)
	}
}

// arm sets the alarm for at, no sooner than minGap after the last time it
// went off, unless it is already set for sooner. c.mu is held.
func (c *Clock) arm(at time.Time) {
	at = later(at, c.last.Add(minGap))
	if c.armed.IsZero() || at.Before(c.armed) {
		c.armed = at
		c.alarm.set(at)
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// fire delivers every tick due by now and sets the alarm for the next.
func (c *Clock) fire(now time.Time) {
	for {
		c.mu.Lock()
		if len(c.h) == 0 {
			c.armed = time.Time{}
			c.mu.Unlock()
			return
		}
		if at := c.h[0].at; at.After(now) {
			c.armed = time.Time{}
			c.arm(at)
			c.mu.Unlock()
			return
		}
		it := c.h.pop()
		c.mu.Unlock()
		c.deliver(it, now)
	}
}

// deliver sends a room its Tick. A room asks for its next tick only when
// it runs one, so a tick its full mailbox refused is tried again at the
// next wake-up rather than lost, which would stop the room.
func (c *Clock) deliver(it clockItem, now time.Time) {
	err := it.ref.Send(Tick{Due: it.at})
	if errors.Is(err, session.ErrMailboxFull) || errors.Is(err, session.ErrTooManyObjects) {
		c.At(now.Add(minGap), it.ref)
	}
}

type clockItem struct {
	at  time.Time
	ref session.Ref
}

// clockHeap is a binary min-heap on at, typed so that scheduling a tick
// does not box an item in an interface (container/heap would allocate).
type clockHeap []clockItem

func (h *clockHeap) push(it clockItem) {
	*h = append(*h, it)
	q := *h
	for i := len(q) - 1; i > 0; {
		up := (i - 1) / 2
		if !q[i].at.Before(q[up].at) {
			break
		}
		q[i], q[up] = q[up], q[i]
		i = up
	}
}

func (h *clockHeap) pop() clockItem {
	q := *h
	it := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q[last] = clockItem{}
	q = q[:last]
	*h = q
	for i := 0; ; {
		small, l, r := i, 2*i+1, 2*i+2
		if l < len(q) && q[l].at.Before(q[small].at) {
			small = l
		}
		if r < len(q) && q[r].at.Before(q[small].at) {
			small = r
		}
		if small == i {
			return it
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
}
