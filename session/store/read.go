package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/hearth-server/hearth/session"
)

// Get implements session.Store.
func (s *Store) Get(id session.ID, key string) ([]byte, error) {
	if err := s.enter("get"); err != nil {
		return nil, err
	}
	defer s.leave()
	if err := id.Validate(); err != nil {
		return nil, fmt.Errorf("store: get: %w", err)
	}
	var v []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(dataKey(id, key))
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, fmt.Errorf("store: %s %q: %w", id, key, session.ErrNotFound)
	}
	return v, wrap("get", err)
}

// Scan implements session.Store. Values are not copied: each is valid only
// during its call of fn.
func (s *Store) Scan(id session.ID, prefix string, fn func(key string, value []byte) bool) error {
	if err := s.enter("scan"); err != nil {
		return err
	}
	defer s.leave()
	if err := id.Validate(); err != nil {
		return fmt.Errorf("store: scan: %w", err)
	}
	base := prefixLen(id)
	err := s.iterate(dataKey(id, prefix), func(item *badger.Item) (bool, error) {
		key := string(item.Key()[base:])
		more := false
		err := item.Value(func(v []byte) error {
			more = fn(key, v)
			return nil
		})
		return more, err
	})
	return wrap("scan", err)
}

// Objects implements session.Store.
func (s *Store) Objects(kind string, fn func(name string) bool) error {
	if err := s.enter("objects"); err != nil {
		return err
	}
	defer s.leave()
	if len(kind) > session.MaxNameLen {
		return nil // no valid ID has this kind
	}
	p := kindPrefix(spaceMeta, kind, 0)
	err := s.iterate(p, func(item *badger.Item) (bool, error) {
		return fn(string(item.Key()[len(p):])), nil
	})
	return wrap("objects", err)
}

// Alarms implements session.Store. Alarms come in order of object, then
// name.
func (s *Store) Alarms(fn func(a session.Alarm) bool) error {
	if err := s.enter("alarms"); err != nil {
		return err
	}
	defer s.leave()
	err := s.iterate([]byte{spaceAlarm}, func(item *badger.Item) (bool, error) {
		id, name, err := splitAlarmKey(item.Key())
		if err != nil {
			return false, err
		}
		a := session.Alarm{ID: id, Name: name}
		err = item.Value(func(v []byte) error {
			a.At, a.Attempt, err = decodeAlarm(v)
			return err
		})
		if err != nil {
			return false, fmt.Errorf("alarm %q of %s: %w", name, id, err)
		}
		return fn(a), nil
	})
	return wrap("alarms", err)
}

// iterate calls fn for every live key with prefix, in ascending order,
// until fn returns false or an error. Values are read lazily, in fn.
func (s *Store) iterate(prefix []byte, fn func(item *badger.Item) (bool, error)) error {
	return s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = prefix
		opts.PrefetchValues = false
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			more, err := fn(it.Item())
			if err != nil || !more {
				return err
			}
		}
		return nil
	})
}
