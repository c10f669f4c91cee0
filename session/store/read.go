package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/hearth-server/hearth/session"
)

// Get implements session.Store.
func (s *Store) Get(id session.ID, key string) ([]byte, error) {
	if err := s.check("get"); err != nil {
		return nil, err
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
		return nil, fmt.Errorf("%w: %s %q", session.ErrNotFound, id, key)
	}
	if err != nil {
		return nil, wrap("get", err)
	}
	return v, nil
}

// Scan implements session.Store.
func (s *Store) Scan(id session.ID, prefix string, fn func(key string, value []byte) bool) error {
	if err := s.check("scan"); err != nil {
		return err
	}
	base := len(objectPrefix(spaceData, id))
	err := s.iterate(dataKey(id, prefix), true, func(k, v []byte) bool {
		return fn(string(k[base:]), v)
	})
	return wrap2("scan", err)
}

// Objects implements session.Store.
func (s *Store) Objects(kind string, fn func(name string) bool) error {
	if err := s.check("objects"); err != nil {
		return err
	}
	p := kindPrefix(spaceMeta, kind)
	err := s.iterate(p, false, func(k, _ []byte) bool {
		return fn(string(k[len(p):]))
	})
	return wrap2("objects", err)
}

// Alarms implements session.Store.
func (s *Store) Alarms(fn func(a session.Alarm) bool) error {
	if err := s.check("alarms"); err != nil {
		return err
	}
	var bad error
	err := s.iterate([]byte{spaceAlarm}, true, func(k, v []byte) bool {
		id, name, err := splitAlarmKey(k)
		if err != nil {
			bad = err
			return false
		}
		at, attempt, err := decodeAlarm(v)
		if err != nil {
			bad = err
			return false
		}
		return fn(session.Alarm{ID: id, Name: name, At: time.Unix(0, at), Attempt: attempt})
	})
	return wrap2("alarms", errors.Join(err, bad))
}

// iterate calls fn for every live key with prefix, in order, until it
// returns false. The slices are valid only during the call.
func (s *Store) iterate(prefix []byte, values bool, fn func(k, v []byte) bool) error {
	return s.db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = prefix
		opts.PrefetchValues = values
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			item := it.Item()
			var v []byte
			if values {
				var err error
				if v, err = item.ValueCopy(nil); err != nil {
					return err
				}
			}
			if !fn(item.Key(), v) {
				return nil
			}
		}
		return nil
	})
}

func wrap2(op string, err error) error {
	if err == nil {
		return nil
	}
	return wrap(op, err)
}
