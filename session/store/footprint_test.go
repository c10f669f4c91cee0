package store

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/hearth-server/hearth/session"
)

// BenchmarkOpenFootprint measures the heap a database holds after opening
// and writing 10,000 objects of 100 bytes, with badger's default options
// and with this package's (Options.badgerOptions), on disk and in memory.
// The figures are quoted at badgerOptions.
func BenchmarkOpenFootprint(b *testing.B) {
	for _, mem := range []bool{false, true} {
		where := map[bool]string{false: "disk", true: "memory"}[mem]
		b.Run(where+"/badger-defaults", func(b *testing.B) {
			footprint(b, func(dir string) badger.Options {
				if mem {
					return badger.DefaultOptions("").WithInMemory(true).WithLogger(nil)
				}
				return badger.DefaultOptions(dir).WithLogger(nil)
			})
		})
		b.Run(where+"/hearth", func(b *testing.B) {
			footprint(b, func(dir string) badger.Options {
				if mem {
					dir = ""
				}
				return Options{Dir: dir, InMemory: mem}.badgerOptions().WithLogger(nil)
			})
		})
	}
}

func footprint(b *testing.B, options func(dir string) badger.Options) {
	value := make([]byte, 100)
	for range b.N {
		before := heapInUse()
		db, err := badger.Open(options(b.TempDir()))
		if err != nil {
			b.Fatal(err)
		}
		opened := heapInUse()
		wb := db.NewWriteBatch()
		for i := range 10_000 {
			id := session.ID{Kind: "room", Name: fmt.Sprintf("r%05d", i)}
			if err := wb.Set(dataKey(id, "state"), value); err != nil {
				b.Fatal(err)
			}
		}
		if err := wb.Flush(); err != nil {
			b.Fatal(err)
		}
		written := heapInUse()
		b.ReportMetric(float64(opened-before)/(1<<20), "open-heap-MiB")
		b.ReportMetric(float64(written-before)/(1<<20), "heap-MiB")
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
