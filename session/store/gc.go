package store

import (
	"errors"
	"log/slog"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// gcDiscardRatio is the share of a value-log file that must be garbage
// before badger rewrites it.
const gcDiscardRatio = 0.5

// gcLoop garbage-collects the value log in the background: every
// interval, it rewrites files until badger finds none worth it.
type gcLoop struct {
	db   *badger.DB
	log  *slog.Logger
	quit chan struct{}
	done chan struct{}
}

func startGC(db *badger.DB, every time.Duration, log *slog.Logger) *gcLoop {
	g := &gcLoop{db: db, log: log, quit: make(chan struct{}), done: make(chan struct{})}
	go g.run(every)
	return g
}

// stop ends the loop and waits for it, including a collection under way.
func (g *gcLoop) stop() {
	close(g.quit)
	<-g.done
}

func (g *gcLoop) run(every time.Duration) {
	defer close(g.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-g.quit:
			return
		case <-t.C:
			g.collect()
		}
	}
}

// collect runs value-log GC until there is nothing to rewrite or the loop
// is stopped. A panic in badger is logged, and the next round tries again.
func (g *gcLoop) collect() {
	defer func() {
		if p := recover(); p != nil {
			g.log.Error("store: value-log GC panicked", "panic", p)
		}
	}()
	for {
		select {
		case <-g.quit:
			return
		default:
		}
		err := g.db.RunValueLogGC(gcDiscardRatio)
		switch {
		case err == nil:
			continue
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected):
			return
		default:
			g.log.Warn("store: value-log GC", "err", err)
			return
		}
	}
}
