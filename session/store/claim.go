package store

import (
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/hearth-server/hearth/session"
)

// Claim implements session.Store. Claiming at the stored epoch only reads;
// otherwise the object record is written, fsynced in Sync mode.
func (s *Store) Claim(id session.ID, epoch uint64) error {
	if err := s.enter("claim"); err != nil {
		return err
	}
	defer s.leave()
	if err := id.Validate(); err != nil {
		return fmt.Errorf("store: claim: %w", err)
	}
	var stored uint64
	var found bool
	err := s.db.View(func(txn *badger.Txn) (err error) {
		stored, found, err = storedEpoch(txn, id)
		return err
	})
	switch {
	case err != nil:
		return wrap("claim", err)
	case found && stored == epoch:
		return nil
	case stored > epoch:
		return staleClaim(id, epoch, stored)
	}
	if s.disk != nil {
		if err := s.disk.check(time.Now()); err != nil {
			return err
		}
	}
	return s.claimLocked(id, epoch)
}

// claimLocked writes the object record under wmu, checking the epoch
// again: another claim may have raised it since the read.
func (s *Store) claimLocked(id session.ID, epoch uint64) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var stale error
	err := s.db.Update(func(txn *badger.Txn) error {
		stored, _, err := storedEpoch(txn, id)
		if err != nil {
			return err
		}
		if stored > epoch {
			stale = staleClaim(id, epoch, stored)
			return nil
		}
		return txn.Set(metaKey(id), encodeEpoch(epoch))
	})
	if err != nil {
		return wrap("claim", err)
	}
	return stale
}

func staleClaim(id session.ID, epoch, stored uint64) error {
	return fmt.Errorf("store: claim %s at epoch %d, owned at %d: %w", id, epoch, stored, session.ErrStaleEpoch)
}
