package session

import (
	"fmt"
	"sync"
	"time"
)

// commitReq asks the committer to make one object's batch durable and to
// report the outcome on done (capacity 1, one request in flight per
// object, so the send never blocks), then to call wake, which tells the
// object's goroutine to look at done.
type commitReq struct {
	batch *Batch
	done  chan error
	wake  func()
}

// report hands the request its outcome.
func (r commitReq) report(err error) {
	r.done <- err
	if r.wake != nil {
		r.wake()
	}
}

// committer groups the batches of many objects into one Store.Apply, so
// that one fsync serves every object that committed in the meantime. It
// owns one goroutine; submit never blocks.
type committer struct {
	store Store
	max   int
	obs   Observer
	wake  chan struct{}
	stop  chan struct{}
	done  chan struct{}

	mu      sync.Mutex
	queue   []commitReq
	stopped bool
}

func newCommitter(s Store, max int, obs Observer) *committer {
	c := &committer{
		store: s, max: max, obs: obs,
		wake: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go c.run()
	return c
}

// submit queues a request. After the committer stopped it fails the
// request at once with ErrClosed.
func (c *committer) submit(r commitReq) {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		r.report(ErrClosed)
		return
	}
	c.queue = append(c.queue, r)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *committer) run() {
	defer close(c.done)
	var batches []*Batch
	for {
		select {
		case <-c.wake:
		case <-c.stop:
			c.drain(&batches)
			return
		}
		c.drain(&batches)
	}
}

// drain commits everything queued, in groups of at most max batches.
func (c *committer) drain(scratch *[]*Batch) {
	for {
		group := c.takeGroup()
		if len(group) == 0 {
			return
		}
		c.commit(group, scratch)
	}
}

func (c *committer) takeGroup() []commitReq {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := min(len(c.queue), c.max)
	group := make([]commitReq, n)
	copy(group, c.queue)
	rest := copy(c.queue, c.queue[n:])
	clear(c.queue[rest:])
	c.queue = c.queue[:rest]
	return group
}

func (c *committer) commit(group []commitReq, scratch *[]*Batch) {
	batches := (*scratch)[:0]
	for _, r := range group {
		batches = append(batches, r.batch)
	}
	start := time.Now()
	errs := c.applySafely(batches)
	c.obs.Committed(len(batches), time.Since(start))
	for i, r := range group {
		r.report(errs[i])
	}
	clear(batches)
	*scratch = batches
}

// applySafely calls Store.Apply and turns a panic or a malformed answer
// into an error for every batch: the committer must outlive a broken store.
func (c *committer) applySafely(batches []*Batch) (errs []error) {
	defer func() {
		if p := recover(); p != nil {
			errs = fillErr(len(batches), fmt.Errorf("%w: store panicked: %v", ErrCommitFailed, p))
		}
	}()
	errs = c.store.Apply(batches)
	if len(errs) != len(batches) {
		return fillErr(len(batches), fmt.Errorf("%w: store answered %d results for %d batches", ErrCommitFailed, len(errs), len(batches)))
	}
	return errs
}

func fillErr(n int, err error) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}

// close commits what is queued, then refuses further requests.
func (c *committer) close() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	close(c.stop)
	<-c.done
}
