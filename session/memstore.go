package session

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// MemStore is a [Store] held in memory: complete (TTL, epochs, alarms) but
// not durable. It starts no goroutines and reads the clock only when asked,
// so it suits tests under testing/synctest and objects that need no
// durability.
type MemStore struct {
	mu     sync.Mutex
	closed bool
	data   map[ID]map[string]memValue
	epochs map[ID]uint64
	alarms map[ID]map[string]Alarm
}

type memValue struct {
	v       []byte
	expires time.Time // zero: never
}

var _ Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{
		data:   make(map[ID]map[string]memValue),
		epochs: make(map[ID]uint64),
		alarms: make(map[ID]map[string]Alarm),
	}
}

func (s *MemStore) checkLocked() error {
	if s.closed {
		return ErrClosed
	}
	return nil
}

// Get implements Store.
func (s *MemStore) Get(id ID, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkLocked(); err != nil {
		return nil, err
	}
	mv, ok := s.data[id][key]
	if !ok || mv.expired(time.Now()) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, key)
	}
	return bytes.Clone(mv.v), nil
}

func (mv memValue) expired(now time.Time) bool {
	return !mv.expires.IsZero() && !now.Before(mv.expires)
}

// Scan implements Store.
func (s *MemStore) Scan(id ID, prefix string, fn func(key string, value []byte) bool) error {
	s.mu.Lock()
	if err := s.checkLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	now := time.Now()
	var keys []string
	vals := make(map[string][]byte)
	for k, mv := range s.data[id] {
		if strings.HasPrefix(k, prefix) && !mv.expired(now) {
			keys = append(keys, k)
			vals[k] = bytes.Clone(mv.v)
		}
	}
	s.mu.Unlock()
	sort.Strings(keys)
	for _, k := range keys {
		if !fn(k, vals[k]) {
			break
		}
	}
	return nil
}

// Apply implements Store.
func (s *MemStore) Apply(batches []*Batch) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := make([]error, len(batches))
	now := time.Now()
	for i, b := range batches {
		if err := s.checkLocked(); err != nil {
			errs[i] = err
			continue
		}
		if stored := s.epochs[b.ID]; stored > b.Epoch {
			errs[i] = fmt.Errorf("%w: %s at epoch %d, stored %d", ErrStaleEpoch, b.ID, b.Epoch, stored)
			continue
		}
		s.applyLocked(b, now)
	}
	return errs
}

func (s *MemStore) applyLocked(b *Batch, now time.Time) {
	m := s.data[b.ID]
	if m == nil {
		m = make(map[string]memValue)
		s.data[b.ID] = m
	}
	for _, w := range b.Writes {
		if w.Delete {
			delete(m, w.Key)
			continue
		}
		mv := memValue{v: bytes.Clone(w.Value)}
		if w.TTL > 0 {
			mv.expires = now.Add(w.TTL)
		}
		m[w.Key] = mv
	}
	for _, a := range b.Alarms {
		s.setAlarmLocked(b.ID, a)
	}
}

func (s *MemStore) setAlarmLocked(id ID, a AlarmWrite) {
	m := s.alarms[id]
	if a.Delete {
		delete(m, a.Name)
		return
	}
	if m == nil {
		m = make(map[string]Alarm)
		s.alarms[id] = m
	}
	m[a.Name] = Alarm{ID: id, Name: a.Name, At: a.At, Attempt: a.Attempt}
}

// Claim implements Store.
func (s *MemStore) Claim(id ID, epoch uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkLocked(); err != nil {
		return err
	}
	if stored := s.epochs[id]; stored > epoch {
		return fmt.Errorf("%w: %s claimed at epoch %d, stored %d", ErrStaleEpoch, id, epoch, stored)
	}
	s.epochs[id] = epoch
	return nil
}

// Objects implements Store.
func (s *MemStore) Objects(kind string, fn func(name string) bool) error {
	s.mu.Lock()
	if err := s.checkLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	var names []string
	for id := range s.epochs {
		if id.Kind == kind {
			names = append(names, id.Name)
		}
	}
	s.mu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		if !fn(n) {
			break
		}
	}
	return nil
}

// Alarms implements Store.
func (s *MemStore) Alarms(fn func(a Alarm) bool) error {
	s.mu.Lock()
	if err := s.checkLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	var all []Alarm
	for _, m := range s.alarms {
		for _, a := range m {
			all = append(all, a)
		}
	}
	s.mu.Unlock()
	for _, a := range all {
		if !fn(a) {
			break
		}
	}
	return nil
}

// Close implements Store.
func (s *MemStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
