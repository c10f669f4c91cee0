package store

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/hearth-server/hearth/session"
)

// BenchmarkOpenFootprint measures the heap a store holds after opening and
// writing 10,000 objects of 256 bytes, with badger's default options and
// with hearth's (Options.badgerOptions).
func BenchmarkOpenFootprint(b *testing.B) {
	b.Run("badger-defaults", func(b *testing.B) {
		footprint(b, func(dir string) (*badger.DB, error) {
			return badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
		})
	})
	b.Run("hearth", func(b *testing.B) {
		footprint(b, func(dir string) (*badger.DB, error) {
			s, err := Open(Options{Dir: dir})
			if err != nil {
				return nil, err
			}
			return s.db, nil
		})
	})
}

func footprint(b *testing.B, open func(dir string) (*badger.DB, error)) {
	for range b.N {
		before := heapInUse()
		db, err := open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		wb := db.NewWriteBatch()
		for i := range 10_000 {
			id := session.ID{Kind: "room", Name: fmt.Sprintf("r%05d", i)}
			if err := wb.Set(dataKey(id, "state"), make([]byte, 256)); err != nil {
				b.Fatal(err)
			}
		}
		if err := wb.Flush(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(heapInUse()-before)/(1<<20), "heap-MiB")
		_ = db.Close()
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
