package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// checkFormat stamps an empty database with the key layout of keys.go and
// refuses a database written in another layout.
func checkFormat(db *badger.DB, where string) error {
	v, err := readFormat(db)
	switch {
	case err != nil:
		return fmt.Errorf("store: read storage format of %s: %w", where, err)
	case v == nil && !isEmpty(db):
		return fmt.Errorf("store: %s holds data in an unknown storage format", where)
	case v == nil:
		err := db.Update(func(txn *badger.Txn) error {
			return txn.Set(versionKey, []byte{formatVersion})
		})
		if err != nil {
			return fmt.Errorf("store: stamp storage format of %s: %w", where, err)
		}
	case len(v) != 1 || v[0] != formatVersion:
		return fmt.Errorf("store: %s holds storage format %x; this build reads format %d", where, v, formatVersion)
	}
	return nil
}

// readFormat returns the stored layout version, nil if there is none.
func readFormat(db *badger.DB) ([]byte, error) {
	var v []byte
	err := db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(versionKey)
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	return v, err
}

// isEmpty reports whether the database holds no live key.
func isEmpty(db *badger.DB) bool {
	empty := true
	_ = db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		it := txn.NewIterator(opts)
		defer it.Close()
		it.Rewind()
		empty = !it.Valid()
		return nil
	})
	return empty
}
