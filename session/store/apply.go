package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/hearth-server/hearth/session"
)

// Apply implements session.Store: one badger transaction for the whole
// group, so one fsync in Sync mode serves every object in it. A batch with
// a stale epoch is left out with ErrStaleEpoch. If the group is too big
// for one transaction, each batch gets its own.
func (s *Store) Apply(batches []*session.Batch) []error {
	errs := make([]error, len(batches))
	if err := s.check("apply"); err != nil {
		return fill(errs, err)
	}
	err := s.applyGroup(batches, errs)
	if errors.Is(err, badger.ErrTxnTooBig) && len(batches) > 1 {
		clear(errs)
		for i, b := range batches {
			one := []error{nil}
			if err := s.applyGroup([]*session.Batch{b}, one); err != nil {
				one[0] = err
			}
			errs[i] = one[0]
		}
		return errs
	}
	if err != nil {
		// The transaction failed as a whole: nothing in it committed.
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	return errs
}

// applyGroup writes the batches in one transaction, recording per-batch
// refusals in errs; its error fails every batch not already refused.
func (s *Store) applyGroup(batches []*session.Batch, errs []error) error {
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	for i, b := range batches {
		if err := checkEpoch(txn, b.ID, b.Epoch); err != nil {
			errs[i] = err
			continue
		}
		if err := setBatch(txn, b); err != nil {
			return wrap("apply", err)
		}
	}
	if err := txn.Commit(); err != nil {
		return wrap("commit", err)
	}
	return nil
}

// checkEpoch refuses a write under an epoch older than the stored one.
func checkEpoch(txn *badger.Txn, id session.ID, epoch uint64) error {
	stored, err := storedEpoch(txn, id)
	if err != nil {
		return err
	}
	if stored > epoch {
		return fmt.Errorf("store: %s writing at epoch %d, owned at %d: %w", id, epoch, stored, session.ErrStaleEpoch)
	}
	return nil
}

func storedEpoch(txn *badger.Txn, id session.ID) (uint64, error) {
	item, err := txn.Get(metaKey(id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, wrap("read epoch", err)
	}
	var e uint64
	err = item.Value(func(v []byte) error {
		var err error
		e, err = decodeEpoch(v)
		return err
	})
	return e, err
}

// setBatch adds one batch's writes and alarm changes to txn.
func setBatch(txn *badger.Txn, b *session.Batch) error {
	for _, w := range b.Writes {
		k := dataKey(b.ID, w.Key)
		var err error
		switch {
		case w.Delete:
			err = txn.Delete(k)
		case w.TTL > 0:
			err = txn.SetEntry(badger.NewEntry(k, w.Value).WithTTL(w.TTL))
		default:
			err = txn.Set(k, w.Value)
		}
		if err != nil {
			return err
		}
	}
	for _, a := range b.Alarms {
		k := alarmKey(b.ID, a.Name)
		var err error
		if a.Delete {
			err = txn.Delete(k)
		} else {
			err = txn.Set(k, encodeAlarm(a))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Claim implements session.Store. Claiming at the stored epoch is a read.
func (s *Store) Claim(id session.ID, epoch uint64) error {
	if err := s.check("claim"); err != nil {
		return err
	}
	var stored uint64
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		stored, err = storedEpoch(txn, id)
		return err
	})
	if err == nil && stored == epoch {
		return nil
	}
	if err == nil && stored > epoch {
		return fmt.Errorf("store: claim %s at epoch %d, owned at %d: %w", id, epoch, stored, session.ErrStaleEpoch)
	}
	if err != nil {
		return wrap("claim", err)
	}
	return s.db.Update(func(txn *badger.Txn) error {
		if err := checkEpoch(txn, id, epoch); err != nil {
			return err
		}
		return txn.Set(metaKey(id), encodeEpoch(epoch))
	})
}

func fill(errs []error, err error) []error {
	for i := range errs {
		errs[i] = err
	}
	return errs
}
