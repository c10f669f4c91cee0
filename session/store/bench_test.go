package store

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-server/hearth/session"
)

// Group-commit benchmarks: benchObjects goroutines (objects) each commit
// one batch of one 100-byte key, wait for it, and repeat; one committer
// collects up to benchMaxGroup waiting batches and commits them together,
// as the runtime's committer does. BenchmarkApplySync commits with
// Store.Apply in Sync mode; BenchmarkBareWriteBatch writes the same keys
// with a bare badger WriteBatch on a database with the same options: the
// ratio of their commits/s is the cost of Apply (epoch checks, alarms,
// validation) over badger.
const (
	benchObjects  = 1000
	benchMaxGroup = 1024
	benchValueLen = 100
)

func BenchmarkApplySync(b *testing.B) {
	s := benchStore(b)
	runGroupCommit(b, s.Apply)
}

func BenchmarkBareWriteBatch(b *testing.B) {
	s := benchStore(b)
	db := s.DB()
	runGroupCommit(b, func(batches []*session.Batch) []error {
		wb := db.NewWriteBatch()
		defer wb.Cancel()
		for _, bt := range batches {
			for _, w := range bt.Writes {
				if err := wb.Set(dataKey(bt.ID, w.Key), w.Value); err != nil {
					return fill(make([]error, len(batches)), err)
				}
			}
		}
		return fill(make([]error, len(batches)), wb.Flush())
	})
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(Options{Dir: b.TempDir(), Durability: Sync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	for o := range benchObjects {
		if err := s.Claim(benchID(o), 1); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func benchID(o int) session.ID { return session.ID{Kind: "bench", Name: fmt.Sprintf("obj-%04d", o)} }

type benchReq struct {
	batch *session.Batch
	done  chan error
}

// runGroupCommit makes b.N commits through commit and reports commits/s,
// batches per call and the 99th percentile of a call's latency.
func runGroupCommit(b *testing.B, commit func([]*session.Batch) []error) {
	b.ReportAllocs()
	reqs := make(chan benchReq, benchObjects)
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for o := range benchObjects {
		wg.Go(func() { benchObject(b, o, &left, reqs) })
	}
	go func() { wg.Wait(); close(reqs) }()
	calls := committerLoop(reqs, commit)
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(calls)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "commits/s")
	b.ReportMetric(float64(b.N)/float64(len(calls)), "batches/apply")
	b.ReportMetric(float64(calls[len(calls)*99/100].Microseconds())/1000, "p99-apply-ms")
}

// benchObject commits batches until b.N commits are taken.
func benchObject(b *testing.B, o int, left *atomic.Int64, reqs chan<- benchReq) {
	id := benchID(o)
	value := make([]byte, benchValueLen)
	done := make(chan error, 1)
	for left.Add(-1) >= 0 {
		reqs <- benchReq{&session.Batch{ID: id, Epoch: 1, Writes: []session.Write{{Key: "state", Value: value}}}, done}
		if err := <-done; err != nil {
			b.Error(err)
			return
		}
	}
}

// committerLoop groups waiting requests until reqs closes and returns the
// duration of every commit call.
func committerLoop(reqs <-chan benchReq, commit func([]*session.Batch) []error) []time.Duration {
	var calls []time.Duration
	group := make([]benchReq, 0, benchMaxGroup)
	batches := make([]*session.Batch, 0, benchMaxGroup)
	for r := range reqs {
		group = append(group[:0], r)
	collect:
		for len(group) < benchMaxGroup {
			select {
			case r, ok := <-reqs:
				if !ok {
					break collect
				}
				group = append(group, r)
			default:
				break collect
			}
		}
		batches = batches[:0]
		for _, r := range group {
			batches = append(batches, r.batch)
		}
		t0 := time.Now()
		errs := commit(batches)
		calls = append(calls, time.Since(t0))
		for i, r := range group {
			r.done <- errs[i]
		}
	}
	return calls
}
