package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/hearth-server/hearth/session"
)

// txnLimit is badger's cap on one transaction: 15% of a memtable. Values
// stored in the value log count only as pointers.
const txnLimit = memTableSize * 15 / 100

// Apply implements session.Store: one badger transaction for the whole
// group, so one fsync in Sync mode serves every object in it. A batch with
// a stale epoch, an invalid ID, or a key or value badger cannot take is
// left out with its own error; the others commit. A group too big for one
// transaction is split in halves until the parts fit, each batch staying
// whole; a batch too big on its own fails alone.
func (s *Store) Apply(batches []*session.Batch) []error {
	errs := make([]error, len(batches))
	if err := s.enter("apply"); err != nil {
		return fill(errs, err)
	}
	defer s.leave()
	if len(batches) == 0 {
		return errs
	}
	if s.disk != nil {
		if err := s.disk.check(time.Now()); err != nil {
			return fill(errs, err)
		}
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.commitSplit(batches, errs, time.Now())
	return errs
}

// commitSplit commits batches in one transaction, or, if that is too big,
// each half in its own. The caller holds wmu.
func (s *Store) commitSplit(batches []*session.Batch, errs []error, now time.Time) {
	err := s.commit(batches, errs, now)
	switch {
	case err == nil:
		return
	case errors.Is(err, badger.ErrTxnTooBig) && len(batches) > 1:
		clear(errs)
		half := len(batches) / 2
		s.commitSplit(batches[:half], errs[:half], now)
		s.commitSplit(batches[half:], errs[half:], now)
		return
	case errors.Is(err, badger.ErrTxnTooBig):
		b := batches[0]
		err = fmt.Errorf("store: batch of %s is too big for one transaction (%d writes, %d alarm changes; badger takes about %d bytes per transaction): %w",
			b.ID, len(b.Writes), len(b.Alarms), txnLimit, err)
	}
	// The transaction failed as a whole: nothing in it committed.
	for i := range errs {
		if errs[i] == nil {
			errs[i] = err
		}
	}
}

// commit writes the admitted batches in one transaction and records the
// refused ones in errs. Its error fails every batch not refused. The
// caller holds wmu.
func (s *Store) commit(batches []*session.Batch, errs []error, now time.Time) error {
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	for i, b := range batches {
		if errs[i] = s.admit(txn, b); errs[i] != nil {
			continue
		}
		if err := stage(txn, b, now); err != nil {
			return s.txnError("apply", err)
		}
	}
	if err := txn.Commit(); err != nil {
		return s.txnError("commit", err)
	}
	return nil
}

// txnError wraps a transaction's error; ErrTxnTooBig stays matchable.
func (s *Store) txnError(op string, err error) error {
	if errors.Is(err, badger.ErrTxnTooBig) {
		return err
	}
	return wrap(op, err)
}

// admit checks one batch before it joins the transaction: its ID, the
// sizes of its keys and values, and its epoch against the stored one.
func (s *Store) admit(txn *badger.Txn, b *session.Batch) error {
	if err := b.ID.Validate(); err != nil {
		return fmt.Errorf("store: apply: %w", err)
	}
	if err := s.checkSizes(b); err != nil {
		return err
	}
	return checkEpoch(txn, b.ID, b.Epoch)
}

// checkSizes refuses keys and values that badger would refuse, with
// session's errors.
func (s *Store) checkSizes(b *session.Batch) error {
	prefix := prefixLen(b.ID)
	maxValue := s.opts.maxValueLen()
	for _, w := range b.Writes {
		if prefix+len(w.Key) > maxBadgerKey {
			return fmt.Errorf("store: %s: %w: %d bytes, limit %d", b.ID, session.ErrInvalidKey, len(w.Key), maxBadgerKey-prefix)
		}
		if len(w.Value) > maxValue {
			return fmt.Errorf("store: %s: %w: %d bytes for %q, limit %d", b.ID, session.ErrValueTooLarge, len(w.Value), w.Key, maxValue)
		}
	}
	for _, a := range b.Alarms {
		if prefix+len(a.Name) > maxBadgerKey {
			return fmt.Errorf("store: %s: alarm name of %d bytes, limit %d", b.ID, len(a.Name), maxBadgerKey-prefix)
		}
	}
	return nil
}

// checkEpoch refuses a write under an epoch older than the stored one.
func checkEpoch(txn *badger.Txn, id session.ID, epoch uint64) error {
	stored, _, err := storedEpoch(txn, id)
	if err != nil {
		return wrap("read epoch of "+id.String(), err)
	}
	if stored > epoch {
		return fmt.Errorf("store: %s writing at epoch %d, owned at %d: %w", id, epoch, stored, session.ErrStaleEpoch)
	}
	return nil
}

// storedEpoch reads the epoch of id's object record, if it has one. Its
// error is not prefixed: callers wrap it.
func storedEpoch(txn *badger.Txn, id session.ID) (epoch uint64, found bool, err error) {
	item, err := txn.Get(metaKey(id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	err = item.Value(func(v []byte) error {
		epoch, err = decodeEpoch(v)
		return err
	})
	return epoch, err == nil, err
}

// stage adds one batch's writes and alarm changes to txn.
func stage(txn *badger.Txn, b *session.Batch, now time.Time) error {
	for _, w := range b.Writes {
		k := dataKey(b.ID, w.Key)
		if w.Delete {
			if err := txn.Delete(k); err != nil {
				return err
			}
			continue
		}
		e := badger.NewEntry(k, w.Value)
		if w.TTL > 0 {
			e.ExpiresAt = expiresAt(now, w.TTL)
		}
		if err := txn.SetEntry(e); err != nil {
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

// expiresAt is the unix second at which a key written at now with ttl
// expires. Badger counts whole seconds and drops a key once its second
// has come (its own Entry.WithTTL rounds down, expiring keys up to a
// second early), so this rounds up: a key lives up to a second longer
// than asked, never shorter.
func expiresAt(now time.Time, ttl time.Duration) uint64 {
	t := now.Add(ttl)
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return uint64(sec)
}

func fill(errs []error, err error) []error {
	for i := range errs {
		errs[i] = err
	}
	return errs
}
