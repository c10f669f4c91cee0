package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/hearth-server/hearth/session"
)

// Store is the badger-backed session.Store. It is safe for concurrent use.
type Store struct {
	db   *badger.DB
	opts Options
	gc   *gcLoop    // nil in memory
	disk *diskGuard // nil in memory

	// wmu serializes write transactions, so the epoch a batch is checked
	// against is still the stored one when the batch commits.
	wmu sync.Mutex

	mu       sync.RWMutex
	closed   bool           // guarded by mu
	inflight sync.WaitGroup // calls in progress; Add only under mu while open

	closeOnce sync.Once
	closeErr  error
}

var _ session.Store = (*Store)(nil)

// Open opens the store, creating its directory and database if needed. A
// directory held by another process, or one that is not a usable
// directory, is a clear error.
func Open(o Options) (*Store, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if !o.InMemory {
		if err := prepareDir(o.Dir); err != nil {
			return nil, err
		}
	}
	db, err := openBadger(o)
	if err != nil {
		return nil, err
	}
	if err := checkFormat(db, o.where()); err != nil {
		_ = db.Close()
		return nil, err
	}
	s := &Store{db: db, opts: o}
	if !o.InMemory {
		s.gc = startGC(db, o.GCInterval, o.Logger)
		s.disk = newDiskGuard(o.Dir)
	}
	return s, nil
}

// where names the store in messages.
func (o Options) where() string {
	if o.InMemory {
		return "in-memory store"
	}
	return fmt.Sprintf("data directory %q", o.Dir)
}

// prepareDir creates dir if it is missing and makes sure it is a readable
// directory.
func prepareDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("store: cannot create data directory %q: %w", dir, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("store: cannot access data directory %q: %w", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("store: data directory %q is not a directory", dir)
	}
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: cannot read data directory %q: %w", dir, err)
	}
	defer f.Close()
	if _, err := f.Readdirnames(1); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("store: cannot read data directory %q: %w", dir, err)
	}
	return nil
}

// openBadger opens the database, turning a panic in badger into an error.
func openBadger(o Options) (db *badger.DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("store: cannot open %s: badger panicked: %v", o.where(), p)
		}
	}()
	db, err = badger.Open(o.badgerOptions())
	if err != nil {
		return nil, explainOpen(o, err)
	}
	return db, nil
}

// explainOpen turns badger's open errors into a message for an operator.
// Badger flattens the errors it wraps, so its lock failure is known only
// by its text.
func explainOpen(o Options, err error) error {
	if strings.Contains(err.Error(), "Cannot acquire directory lock") {
		return fmt.Errorf("store: %s is in use by another process (another hearth?): %w", o.where(), err)
	}
	return fmt.Errorf("store: cannot open %s: %w", o.where(), err)
}

// DB returns the badger database, for backups. It must not be used after
// Close.
func (s *Store) DB() *badger.DB { return s.db }

// Close stops garbage collection, waits for calls in progress and closes
// the database. Later calls, and calls to other methods, fail with
// session.ErrClosed; Close itself is idempotent. It must not be called
// from a Scan, Objects or Alarms callback.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		if s.gc != nil {
			s.gc.stop()
		}
		s.inflight.Wait()
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("store: close: %w", err)
		}
	})
	return s.closeErr
}

// enter admits a call unless the store is closed; the caller must leave.
func (s *Store) enter(op string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return fmt.Errorf("store: %s: %w", op, session.ErrClosed)
	}
	s.inflight.Add(1)
	return nil
}

func (s *Store) leave() { s.inflight.Done() }
