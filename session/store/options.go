package store

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Durability says when a commit counts as done.
type Durability int

const (
	// Sync fsyncs every group commit before Apply returns: acknowledged
	// writes survive a power cut. One fsync serves every object in the
	// group.
	Sync Durability = iota
	// Async leaves flushing to the operating system: acknowledged writes
	// survive a crash of the process, not of the machine.
	Async
)

func (d Durability) String() string {
	switch d {
	case Sync:
		return "sync"
	case Async:
		return "async"
	}
	return fmt.Sprintf("Durability(%d)", int(d))
}

// ParseDurability reads "sync" or "async"; the empty string is the
// default, Sync.
func ParseDurability(s string) (Durability, error) {
	switch s {
	case "sync", "":
		return Sync, nil
	case "async":
		return Async, nil
	}
	return Sync, fmt.Errorf("store: durability %q: want sync or async", s)
}

// Options configures Open. Set Dir, or InMemory; every other field's zero
// value takes the default named in its comment.
type Options struct {
	// Dir is the data directory, created if missing.
	Dir string
	// InMemory keeps everything in memory and nothing on disk (tests,
	// throwaway runs). Dir must be empty.
	InMemory bool
	// Durability is Sync (the default) or Async.
	Durability Durability
	// Logger receives the store's and badger's logs; badger's info lines
	// at debug level. Default slog.Default().
	Logger *slog.Logger
	// GCInterval is how often the value log is garbage collected.
	// Default 1 min.
	GCInterval time.Duration
}

// withDefaults validates o and fills in defaults.
func (o Options) withDefaults() (Options, error) {
	switch {
	case o.Dir == "" && !o.InMemory:
		return o, errors.New("store: Options.Dir is required unless InMemory is set")
	case o.Dir != "" && o.InMemory:
		return o, fmt.Errorf("store: Options.Dir %q and InMemory are exclusive", o.Dir)
	case o.Durability != Sync && o.Durability != Async:
		return o, fmt.Errorf("store: unknown %v", o.Durability)
	case o.GCInterval < 0:
		return o, fmt.Errorf("store: negative GCInterval %v", o.GCInterval)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.GCInterval == 0 {
		o.GCInterval = time.Minute
	}
	return o, nil
}

// Sizes of the badger options below.
const (
	memTableSize = 8 << 20
	// diskValueThreshold sends values above 4 KiB to the value log, so a
	// group commit of many large values still fits one transaction
	// (badger caps a transaction at 15% of a memtable, counting only
	// pointers for such values).
	diskValueThreshold = 4 << 10
	// memValueThreshold is badger's largest: in memory, longer values are
	// refused, and the runtime allows 1 MiB by default.
	memValueThreshold = 1 << 20
	valueLogFileSize  = 64 << 20
)

// badgerOptions sizes badger for a small footprint. Badger's defaults
// (5 memtables of 64 MiB, a 256 MiB block cache, 1 GiB value-log files)
// suit a database server, not an embedded store next to thousands of game
// rooms. Heap in use after opening and writing 10,000 keys of 100 bytes
// (BenchmarkOpenFootprint, linux/amd64, badger v4.9.6):
//
//	            badger defaults   these options
//	on disk          84.0 MiB         11.2 MiB
//	in memory        83.9 MiB         10.5 MiB
//
// Nearly all of it is the mutable memtable's arena, allocated at open:
// MemTableSize plus room for one full transaction (2 × 15%). A smaller
// memtable would shrink the largest transaction (15% of it) below the
// 1 MiB values the runtime allows in memory.
//
// Up to three full memtables may wait for their flush (NumMemtables 4):
// with one, a write arriving while the previous memtable was still being
// flushed stalled for the whole flush, up to 60 ms, and every commit
// queued behind it waited as long (sync commits at 20k/s: p99 12.5 ms
// with 2, 5.6–6.6 ms with 4). The waiting memtables exist only under
// sustained writes; the footprint after open is unchanged.
func (o Options) badgerOptions() badger.Options {
	b := badger.DefaultOptions(o.Dir).
		WithInMemory(o.InMemory).
		WithSyncWrites(o.Durability == Sync).
		WithLogger(badgerLogger{o.Logger}).
		WithMemTableSize(memTableSize).
		WithNumMemtables(4).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBaseTableSize(2 << 20).
		WithBlockCacheSize(8 << 20).
		WithIndexCacheSize(4 << 20).
		WithValueThreshold(o.valueThreshold()).
		WithValueLogFileSize(valueLogFileSize).
		WithNumCompactors(2).
		// Writers are serialized by Store.wmu, so badger need not track
		// conflicts.
		WithDetectConflicts(false).
		WithMetricsEnabled(false)
	if o.InMemory {
		b = b.WithDir("").WithValueDir("").
			WithCompression(options.None).
			WithBlockCacheSize(0).
			WithIndexCacheSize(0)
	}
	return b
}

// valueThreshold is the length from which values go to the value log
// (on disk) or are refused (in memory).
func (o Options) valueThreshold() int64 {
	if o.InMemory {
		return memValueThreshold
	}
	return diskValueThreshold
}

// maxValueLen is the longest value badger takes with these options. In
// memory, a value of exactly the threshold passes badger's check and then
// panics in its write goroutine (v4.9.6), killing the process: hence -1.
func (o Options) maxValueLen() int {
	if o.InMemory {
		return memValueThreshold - 1
	}
	return valueLogFileSize
}
