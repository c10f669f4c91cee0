package session

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// MemStore is a [Store] held in memory: complete (TTL, epochs, alarms) but
// not durable. It starts no goroutines and no timers and reads the clock
// only when called (time.Now), so it runs under testing/synctest's fake
// time. Keys are sorted when scanned: it favours being obviously correct
// over speed.
type MemStore struct {
	mu     sync.Mutex
	closed bool
	data   map[ID]map[string]memValue
	epochs map[ID]uint64 // the claimed objects
	alarms map[ID]map[string]Alarm
}

// memValue is a stored value and when it expires (zero: never).
type memValue struct {
	v       []byte
	expires time.Time
}

func (mv memValue) expired(now time.Time) bool {
	return !mv.expires.IsZero() && !now.Before(mv.expires)
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

// openLocked fails once the store is closed.
func (s *MemStore) openLocked(op string) error {
	if s.closed {
		return fmt.Errorf("session: memstore: %s: %w", op, ErrClosed)
	}
	return nil
}

// Get implements Store.
func (s *MemStore) Get(id ID, key string) ([]byte, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.openLocked("get"); err != nil {
		return nil, err
	}
	mv, ok := s.data[id][key]
	if ok && mv.expired(time.Now()) {
		s.deleteLocked(id, key)
		ok = false
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s %q", ErrNotFound, id, key)
	}
	return bytes.Clone(mv.v), nil
}

// Scan implements Store. It copies the matching entries, then calls fn
// without holding the lock, so fn may use the store.
func (s *MemStore) Scan(id ID, prefix string, fn func(key string, value []byte) bool) error {
	if err := id.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	if err := s.openLocked("scan"); err != nil {
		s.mu.Unlock()
		return err
	}
	now := time.Now()
	type kv struct {
		k string
		v []byte
	}
	var found []kv
	for k, mv := range s.data[id] {
		switch {
		case mv.expired(now):
			s.deleteLocked(id, k)
		case strings.HasPrefix(k, prefix):
			found = append(found, kv{k, bytes.Clone(mv.v)})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(found, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	for _, e := range found {
		if !fn(e.k, e.v) {
			break
		}
	}
	return nil
}

// Apply implements Store.
func (s *MemStore) Apply(batches []*Batch) []error {
	errs := make([]error, len(batches))
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for i, b := range batches {
		if errs[i] = s.admitLocked(b); errs[i] == nil {
			s.applyLocked(b, now)
		}
	}
	return errs
}

// admitLocked checks a batch's ID and epoch.
func (s *MemStore) admitLocked(b *Batch) error {
	if err := s.openLocked("apply"); err != nil {
		return err
	}
	if err := b.ID.Validate(); err != nil {
		return err
	}
	if stored := s.epochs[b.ID]; stored > b.Epoch {
		return fmt.Errorf("%w: %s writing at epoch %d, owned at %d", ErrStaleEpoch, b.ID, b.Epoch, stored)
	}
	return nil
}

func (s *MemStore) applyLocked(b *Batch, now time.Time) {
	for _, w := range b.Writes {
		if w.Delete {
			s.deleteLocked(b.ID, w.Key)
			continue
		}
		mv := memValue{v: bytes.Clone(w.Value)}
		if w.TTL > 0 {
			mv.expires = now.Add(w.TTL)
		}
		m := s.data[b.ID]
		if m == nil {
			m = make(map[string]memValue)
			s.data[b.ID] = m
		}
		m[w.Key] = mv
	}
	for _, a := range b.Alarms {
		s.setAlarmLocked(b.ID, a)
	}
}

// deleteLocked removes key, and the object's map once it is empty.
func (s *MemStore) deleteLocked(id ID, key string) {
	m := s.data[id]
	delete(m, key)
	if len(m) == 0 {
		delete(s.data, id)
	}
}

func (s *MemStore) setAlarmLocked(id ID, a AlarmWrite) {
	m := s.alarms[id]
	if a.Delete {
		delete(m, a.Name)
		if len(m) == 0 {
			delete(s.alarms, id)
		}
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
	if err := id.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.openLocked("claim"); err != nil {
		return err
	}
	if stored := s.epochs[id]; stored > epoch {
		return fmt.Errorf("%w: %s claimed at epoch %d, owned at %d", ErrStaleEpoch, id, epoch, stored)
	}
	s.epochs[id] = epoch
	return nil
}

// Objects implements Store.
func (s *MemStore) Objects(kind string, fn func(name string) bool) error {
	s.mu.Lock()
	if err := s.openLocked("objects"); err != nil {
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
	slices.Sort(names)
	for _, n := range names {
		if !fn(n) {
			break
		}
	}
	return nil
}

// Alarms implements Store, in order of kind, name and alarm name.
func (s *MemStore) Alarms(fn func(a Alarm) bool) error {
	s.mu.Lock()
	if err := s.openLocked("alarms"); err != nil {
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
	slices.SortFunc(all, func(a, b Alarm) int {
		return cmp.Or(strings.Compare(a.ID.Kind, b.ID.Kind), strings.Compare(a.ID.Name, b.ID.Name), strings.Compare(a.Name, b.Name))
	})
	for _, a := range all {
		if !fn(a) {
			break
		}
	}
	return nil
}

// Close implements Store. It is idempotent.
func (s *MemStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
