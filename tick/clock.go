package tick

import (
	"container/heap"
	"runtime"
	"sync"
	"time"

	"github.com/hearth-server/hearth/session"
)

// Tick is the message a Clock delivers to a room when its next tick is due.
type Tick struct{ Due time.Time }

// Clock delivers ticks to rooms at their scheduled times. Go's timers can
// fire a millisecond late when the process is idle (the poller sleeps in
// whole milliseconds) and later under load; the Clock instead sleeps on a
// dedicated OS thread with nanosecond sleeps (clock_nanosleep on Linux),
// never longer than 1 ms at a time, and sends each due room a Tick. Its
// cost is one thread waking at most 1,000 times a second, a few percent
// of one core, and no spinning; with nothing scheduled it sleeps until
// something is.
type Clock struct {
	mu   sync.Mutex
	h    clockHeap
	wake chan struct{} // capacity 1: something was scheduled
	stop chan struct{}
	done chan struct{}
}

// maxNap bounds one sleep, so that a newly scheduled earlier deadline is
// noticed within it.
const maxNap = time.Millisecond

// NewClock starts a clock. Close it when done.
func NewClock() *Clock {
	c := &Clock{wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// At schedules one Tick for ref at at.
func (c *Clock) At(at time.Time, ref session.Ref) {
	c.mu.Lock()
	heap.Push(&c.h, clockItem{at: at, ref: ref})
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Close stops the clock; scheduled ticks are dropped.
func (c *Clock) Close() {
	close(c.stop)
	<-c.done
}

func (c *Clock) run() {
	runtime.LockOSThread()
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		next := c.fire(time.Now())
		if next.IsZero() { // nothing scheduled: sleep until something is
			select {
			case <-c.wake:
			case <-c.stop:
			}
			continue
		}
		if nap := min(time.Until(next), maxNap); nap > 0 {
			sleep(nap)
		}
	}
}

// fire delivers every tick due by now and returns the next deadline.
func (c *Clock) fire(now time.Time) time.Time {
	for {
		c.mu.Lock()
		if len(c.h) == 0 {
			c.mu.Unlock()
			return time.Time{}
		}
		if at := c.h[0].at; at.After(now) {
			c.mu.Unlock()
			return at
		}
		it := heap.Pop(&c.h).(clockItem)
		c.mu.Unlock()
		_ = it.ref.Send(Tick{Due: it.at}) // a full mailbox: the room is overloaded; its next tick catches up
	}
}

type clockItem struct {
	at  time.Time
	ref session.Ref
}

type clockHeap []clockItem

func (h clockHeap) Len() int           { return len(h) }
func (h clockHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h clockHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *clockHeap) Push(x any)        { *h = append(*h, x.(clockItem)) }
func (h *clockHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	*h = old[:len(old)-1]
	return it
}
