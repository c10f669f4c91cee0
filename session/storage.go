package session

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"
)

// MaxKeyLen is the longest storage key, in bytes.
const MaxKeyLen = 1024

// Storage is an object's private keyspace. Reads see the object's own
// writes at once; writes are buffered and committed, atomically with every
// other write made while handling the same message, after the message
// returns. Values are copied in and out, so callers may reuse buffers.
type Storage struct {
	in *instance
}

// Get returns the value of key, or an error wrapping ErrNotFound.
func (s Storage) Get(key string) ([]byte, error) {
	if err := validKey(key); err != nil {
		return nil, err
	}
	if w, ok := s.pending(key); ok {
		if w.Delete {
			return nil, fmt.Errorf("%w: %q", ErrNotFound, key)
		}
		return bytes.Clone(w.Value), nil
	}
	return s.in.rt.cfg.Store.Get(s.in.e.id, key)
}

// Put sets key to value. It keeps a copy: the caller may reuse value.
func (s Storage) Put(key string, value []byte) error { return s.PutTTL(key, value, 0) }

// PutTTL sets key to value, to expire ttl after the commit (never when ttl
// is zero). It keeps a copy: the caller may reuse value.
func (s Storage) PutTTL(key string, value []byte, ttl time.Duration) error {
	if err := validKey(key); err != nil {
		return err
	}
	if max := s.in.rt.cfg.MaxValueSize; len(value) > max {
		return fmt.Errorf("%w: %d bytes for %q, limit %d", ErrValueTooLarge, len(value), key, max)
	}
	if ttl < 0 {
		return fmt.Errorf("session: negative TTL %v for %q", ttl, key)
	}
	if err := s.in.charge(key, len(key)+len(value)); err != nil {
		return err
	}
	v := bytes.Clone(value)
	if v == nil {
		v = []byte{}
	}
	s.in.accum.write(Write{Key: key, Value: v, TTL: ttl})
	return nil
}

// Delete removes key; deleting a missing key is not an error.
func (s Storage) Delete(key string) error {
	if err := validKey(key); err != nil {
		return err
	}
	if err := s.in.charge(key, 0); err != nil {
		return err
	}
	s.in.accum.write(Write{Key: key, Delete: true})
	return nil
}

// List calls fn for every key starting with prefix, in ascending order,
// until fn returns false.
func (s Storage) List(prefix string, fn func(key string, value []byte) bool) error {
	merged := make(map[string][]byte)
	err := s.in.rt.cfg.Store.Scan(s.in.e.id, prefix, func(k string, v []byte) bool {
		merged[k] = bytes.Clone(v)
		return true
	})
	if err != nil {
		return err
	}
	s.overlay(merged, prefix)
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !fn(k, merged[k]) {
			break
		}
	}
	return nil
}

// overlay applies the pending writes under prefix to m, oldest first.
func (s Storage) overlay(m map[string][]byte, prefix string) {
	for _, p := range []*pending{s.in.inflight, s.in.accum} {
		if p == nil {
			continue
		}
		for i, w := range p.writes {
			if p.index[w.Key] != i || !strings.HasPrefix(w.Key, prefix) {
				continue
			}
			if w.Delete {
				delete(m, w.Key)
			} else {
				m[w.Key] = bytes.Clone(w.Value)
			}
		}
	}
}

// pending returns the newest uncommitted write of key.
func (s Storage) pending(key string) (Write, bool) {
	if w, ok := s.in.accum.lookup(key); ok {
		return w, true
	}
	if s.in.inflight != nil {
		return s.in.inflight.lookup(key)
	}
	return Write{}, false
}

func validKey(key string) error {
	if key == "" || len(key) > MaxKeyLen {
		return fmt.Errorf("%w: %d bytes (1 to %d)", ErrInvalidKey, len(key), MaxKeyLen)
	}
	return nil
}
