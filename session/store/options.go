package store

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Durability says when a commit counts as done.
type Durability int

const (
	// Sync fsyncs every group commit: acknowledged writes survive a power
	// cut. One fsync serves every object in the group.
	Sync Durability = iota
	// Async leaves flushing to the operating system: acknowledged writes
	// survive a crash of the process, not of the machine.
	Async
)

func (d Durability) String() string {
	if d == Async {
		return "async"
	}
	return "sync"
}

// ParseDurability reads "sync" or "async".
func ParseDurability(s string) (Durability, error) {
	switch s {
	case "sync", "":
		return Sync, nil
	case "async":
		return Async, nil
	}
	return Sync, fmt.Errorf("store: durability %q: want sync or async", s)
}

// Options configures Open. The zero value is not enough: set Dir, or
// InMemory.
type Options struct {
	Dir        string     // data directory, created if missing
	InMemory   bool       // keep everything in memory (tests)
	Durability Durability // Sync (default) or Async
	Logger     *slog.Logger
	// GCInterval is how often the value log is garbage collected.
	// Default 1 min.
	GCInterval time.Duration
}

// withDefaults validates o and fills in defaults.
func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" && !o.InMemory {
		return o, errors.New("store: Options.Dir is required unless InMemory")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.GCInterval <= 0 {
		o.GCInterval = time.Minute
	}
	return o, nil
}

// badgerOptions sizes badger for a small footprint. Badger's defaults
// (64 MiB memtables ×5, a 256 MiB block cache, 1 GiB value-log files)
// suit a database server, not an embedded store next to thousands of game
// rooms. Heap in use after opening and writing 10,000 objects of 256
// bytes (BenchmarkOpenFootprint): 86 MiB with badger's defaults, 11 MiB
// with these.
func (o Options) badgerOptions() badger.Options {
	b := badger.DefaultOptions(o.Dir).
		WithInMemory(o.InMemory).
		WithSyncWrites(o.Durability == Sync).
		WithLogger(badgerLogger{o.Logger}).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBaseTableSize(2 << 20).
		WithBlockCacheSize(8 << 20).
		WithIndexCacheSize(4 << 20).
		WithValueThreshold(4 << 10).
		WithValueLogFileSize(64 << 20).
		WithNumCompactors(2).
		WithDetectConflicts(false).
		WithMetricsEnabled(false)
	if o.InMemory {
		b.Dir, b.ValueDir = "", ""
	}
	return b
}
