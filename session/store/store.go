package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/hearth-server/hearth/session"
)

// Store is the badger-backed session.Store.
type Store struct {
	db   *badger.DB
	opts Options
	stop chan struct{}
	done chan struct{}

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ session.Store = (*Store)(nil)

// Open opens (creating if needed) the store. A directory held by another
// process, or one that cannot be read or created, is a clear error.
func Open(o Options) (*Store, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if !o.InMemory {
		if err := checkDir(o.Dir); err != nil {
			return nil, err
		}
	}
	db, err := badger.Open(o.badgerOptions())
	if err != nil {
		return nil, explainOpen(o.Dir, err)
	}
	s := &Store{db: db, opts: o, stop: make(chan struct{}), done: make(chan struct{})}
	go s.gcLoop()
	return s, nil
}

// checkDir creates dir if needed and makes sure it is a usable directory.
func checkDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("store: cannot create data directory %q: %w", dir, err)
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

// explainOpen turns badger's open errors into a message for an operator.
func explainOpen(dir string, err error) error {
	if strings.Contains(err.Error(), "Cannot acquire directory lock") {
		return fmt.Errorf("store: data directory %q is in use by another process (another hearth?): %w", dir, err)
	}
	return fmt.Errorf("store: cannot open data directory %q: %w", dir, err)
}

// DB returns the badger database, for backups.
func (s *Store) DB() *badger.DB { return s.db }

// Close stops garbage collection and closes the database. It is safe to
// call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.stop)
		<-s.done
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// gcLoop garbage-collects the value log every GCInterval.
func (s *Store) gcLoop() {
	defer close(s.done)
	if s.opts.InMemory {
		return
	}
	t := time.NewTicker(s.opts.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.collect()
		}
	}
}

// collect rewrites value-log files until badger finds nothing worth it.
func (s *Store) collect() {
	defer func() {
		if p := recover(); p != nil {
			s.opts.Logger.Error("value-log GC panicked", "panic", p)
		}
	}()
	for range 16 {
		if err := s.db.RunValueLogGC(0.5); err != nil {
			if !errors.Is(err, badger.ErrNoRewrite) && !errors.Is(err, badger.ErrRejected) {
				s.opts.Logger.Warn("value-log GC", "err", err)
			}
			return
		}
	}
}

// check fails once the store is closed.
func (s *Store) check(op string) error {
	if s.closed.Load() {
		return fmt.Errorf("store: %s: %w", op, session.ErrClosed)
	}
	return nil
}

// wrap maps badger's errors onto session's.
func wrap(op string, err error) error {
	if errors.Is(err, badger.ErrDBClosed) {
		return fmt.Errorf("store: %s: %w", op, session.ErrClosed)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
