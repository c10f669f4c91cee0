package session

import (
	"container/heap"
	"sync"
	"time"
)

// scheduler mirrors the persisted alarms of every object, hibernated or
// not, in one min-heap with one timer and one goroutine. When an alarm is
// due it is delivered into its object's mailbox and leased: it stays in
// the heap, pushed back by the lease, until the object commits the alarm's
// deletion or retry. If the delivery is lost (the object reset, the
// mailbox was full) the lease runs out and the alarm fires again: at least
// once.
type scheduler struct {
	deliver func(a Alarm) bool // false: could not queue, try again soon
	lease   time.Duration
	retry   time.Duration
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}

	mu   sync.Mutex
	heap alarmHeap
	objs map[ID]map[string]*alarmItem
}

type alarmItem struct {
	Alarm
	due   time.Time // when to deliver next: At, or the end of a lease
	index int
}

func newScheduler(deliver func(Alarm) bool, lease, retry time.Duration) *scheduler {
	s := &scheduler{
		deliver: deliver, lease: lease, retry: retry,
		wake: make(chan struct{}, 1),
		stop: make(chan struct{}),
		done: make(chan struct{}),
		objs: make(map[ID]map[string]*alarmItem),
	}
	go s.run()
	return s
}

// set adds or moves an alarm.
func (s *scheduler) set(a Alarm) {
	s.mu.Lock()
	m := s.objs[a.ID]
	if m == nil {
		m = make(map[string]*alarmItem)
		s.objs[a.ID] = m
	}
	if it, ok := m[a.Name]; ok {
		it.Alarm, it.due = a, a.At
		heap.Fix(&s.heap, it.index)
	} else {
		it := &alarmItem{Alarm: a, due: a.At}
		m[a.Name] = it
		heap.Push(&s.heap, it)
	}
	s.mu.Unlock()
	s.poke()
}

// remove forgets an alarm.
func (s *scheduler) remove(id ID, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.objs[id]
	it, ok := m[name]
	if !ok {
		return
	}
	heap.Remove(&s.heap, it.index)
	delete(m, name)
	if len(m) == 0 {
		delete(s.objs, id)
	}
}

// nextDue returns the earliest delivery time of object id's alarms.
func (s *scheduler) nextDue(id ID) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first time.Time
	for _, it := range s.objs[id] {
		if first.IsZero() || it.due.Before(first) {
			first = it.due
		}
	}
	return first, !first.IsZero()
}

func (s *scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *scheduler) run() {
	defer close(s.done)
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		next, ok := s.fireDue(time.Now())
		if ok {
			t.Reset(time.Until(next))
		} else {
			t.Stop()
		}
		select {
		case <-t.C:
		case <-s.wake:
		case <-s.stop:
			return
		}
	}
}

// fireDue delivers every alarm due by now and returns the next due time.
func (s *scheduler) fireDue(now time.Time) (time.Time, bool) {
	for {
		s.mu.Lock()
		if len(s.heap) == 0 {
			s.mu.Unlock()
			return time.Time{}, false
		}
		it := s.heap[0]
		if due := it.due; due.After(now) {
			s.mu.Unlock()
			return due, true
		}
		a := it.Alarm
		it.due = now.Add(s.lease)
		heap.Fix(&s.heap, it.index)
		s.mu.Unlock()
		if !s.deliver(a) {
			s.postpone(a, now.Add(s.retry))
		}
	}
}

// postpone moves the next delivery of a still-present alarm to at.
func (s *scheduler) postpone(a Alarm, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if it, ok := s.objs[a.ID][a.Name]; ok && it.Alarm == a {
		it.due = at
		heap.Fix(&s.heap, it.index)
	}
}

func (s *scheduler) close() {
	close(s.stop)
	<-s.done
}

// alarmHeap orders alarm items by due time.
type alarmHeap []*alarmItem

func (h alarmHeap) Len() int           { return len(h) }
func (h alarmHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h alarmHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *alarmHeap) Push(x any) {
	it := x.(*alarmItem)
	it.index = len(*h)
	*h = append(*h, it)
}
func (h *alarmHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return it
}
