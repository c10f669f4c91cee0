// Package storetest is the conformance suite every session.Store
// implementation must pass: one suite, run against each implementation.
package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-server/hearth/session"
)

// TTLGranularity is how late a store may expire a key: a key written with
// TTL d must be readable for d after the commit and gone d+TTLGranularity
// after it. (Badger counts expiry in whole seconds.)
const TTLGranularity = time.Second

// Run checks the session.Store contract. Every subtest runs in parallel
// with the others on a fresh store from open, which must therefore be safe
// to call concurrently; the suite closes each store it opens.
func Run(t *testing.T, open func(t *testing.T) session.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, session.Store)
	}{
		{"GetPutDelete", testGetPutDelete},
		{"NotFound", testNotFound},
		{"ValuesAreCopied", testValuesAreCopied},
		{"LargeValue", testLargeValue},
		{"ScanPrefixOrder", testScan},
		{"ScanEarlyStop", testScanEarlyStop},
		{"ScanCallbackMayRead", testScanCallbackMayRead},
		{"Isolation", testIsolation},
		{"BatchAtomicity", testBatch},
		{"LaterWriteWins", testLaterWriteWins},
		{"TTL", testTTL},
		{"Epochs", testEpochs},
		{"StaleBatchLeavesNothing", testStaleBatchLeavesNothing},
		{"InvalidID", testInvalidID},
		{"Objects", testObjects},
		{"Alarms", testAlarms},
		{"Concurrent", testConcurrent},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, s)
		})
	}
}

var obj = session.ID{Kind: "k", Name: "n"}

func testGetPutDelete(t *testing.T, s session.Store) {
	mustMiss(t, s, obj, "a")
	apply(t, s, put(obj, "a", "1", "b", "2"))
	mustGet(t, s, obj, "a", "1")
	mustGet(t, s, obj, "b", "2")
	apply(t, s, put(obj, "a", "3"))
	mustGet(t, s, obj, "a", "3")
	apply(t, s, del(obj, "a", "never-written"))
	mustMiss(t, s, obj, "a")
	mustGet(t, s, obj, "b", "2")
	apply(t, s, put(obj, "empty", ""))
	mustGet(t, s, obj, "empty", "")
	bin := "\x00\xff\x01key"
	apply(t, s, put(obj, bin, "\x00\xff"))
	mustGet(t, s, obj, bin, "\x00\xff")
}

func testNotFound(t *testing.T, s session.Store) {
	mustMiss(t, s, session.ID{Kind: "never", Name: "seen"}, "k")
	apply(t, s, put(obj, "k", "v"))
	mustMiss(t, s, obj, "k2")
	mustMiss(t, s, obj, "")
	mustMiss(t, s, obj, "k\x00")
}

// testValuesAreCopied: the store neither keeps the caller's slice nor
// hands out its own.
func testValuesAreCopied(t *testing.T, s session.Store) {
	v := []byte("orig")
	apply(t, s, &session.Batch{ID: obj, Epoch: 1, Writes: []session.Write{{Key: "k", Value: v}}})
	copy(v, "XXXX")
	mustGet(t, s, obj, "k", "orig")
	got, err := s.Get(obj, "k")
	if err != nil {
		t.Fatal(err)
	}
	copy(got, "YYYY")
	mustGet(t, s, obj, "k", "orig")
}

// testLargeValue stores half of the runtime's default MaxValueSize.
func testLargeValue(t *testing.T, s session.Store) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 512<<10/16)
	apply(t, s, &session.Batch{ID: obj, Epoch: 1, Writes: []session.Write{{Key: "big", Value: big}}})
	got, err := s.Get(obj, "big")
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("Get(big) = %d bytes, %v; want %d bytes", len(got), err, len(big))
	}
}

func testScan(t *testing.T, s session.Store) {
	apply(t, s, put(obj, "u/2", "b", "u/1", "a", "u/10", "c", "v/1", "x", "u", "root", "u/\xff", "hi", "u/\x00", "lo"))
	want := []string{"u/\x00=lo", "u/1=a", "u/10=c", "u/2=b", "u/\xff=hi"}
	if got := scan(t, s, obj, "u/"); !slices.Equal(got, want) {
		t.Fatalf("scan u/ = %q, want %q", got, want)
	}
	if got := scan(t, s, obj, ""); !slices.Equal(got, append([]string{"u=root"}, append(want, "v/1=x")...)) {
		t.Fatalf("scan all = %q", got)
	}
	if got := scan(t, s, obj, "u/1"); !slices.Equal(got, []string{"u/1=a", "u/10=c"}) {
		t.Fatalf("scan u/1 = %q", got)
	}
	if got := scan(t, s, obj, "w"); len(got) != 0 {
		t.Fatalf("scan w = %q, want nothing", got)
	}
	if got := scan(t, s, session.ID{Kind: "k", Name: "empty"}, ""); len(got) != 0 {
		t.Fatalf("scan of an object without keys = %q", got)
	}
}

func testScanEarlyStop(t *testing.T, s session.Store) {
	apply(t, s, put(obj, "a", "1", "b", "2", "c", "3"))
	var seen []string
	err := s.Scan(obj, "", func(k string, _ []byte) bool {
		seen = append(seen, k)
		return len(seen) < 2
	})
	if err != nil || !slices.Equal(seen, []string{"a", "b"}) {
		t.Fatalf("scan told to stop after 2 saw %q, %v", seen, err)
	}
}

// testScanCallbackMayRead: a Scan callback may read the store.
func testScanCallbackMayRead(t *testing.T, s session.Store) {
	apply(t, s, put(obj, "a", "b", "b", "c"))
	var got []string
	err := s.Scan(obj, "a", func(_ string, v []byte) bool {
		w, err := s.Get(obj, string(v))
		got = append(got, string(w))
		return err == nil
	})
	if err != nil || !slices.Equal(got, []string{"c"}) {
		t.Fatalf("nested Get in Scan: %q, %v", got, err)
	}
}

// testIsolation uses IDs whose kind and name concatenate alike and whose
// prefixes cover each other.
func testIsolation(t *testing.T, s session.Store) {
	ids := []session.ID{
		{Kind: "a", Name: "bc"}, {Kind: "ab", Name: "c"}, {Kind: "a", Name: "b"},
		{Kind: "a", Name: "b/c"}, {Kind: "a/b", Name: "c"}, {Kind: "a", Name: "b\x01"},
	}
	var batches []*session.Batch
	for i, id := range ids {
		batches = append(batches, put(id, "k", fmt.Sprint(i)))
	}
	batches = append(batches, put(ids[2], "ck", "x", "\x01k", "y", "/ck", "z"))
	apply(t, s, batches...)
	for i, id := range ids {
		mustGet(t, s, id, "k", fmt.Sprint(i))
	}
	if got := scan(t, s, ids[2], ""); !slices.Equal(got, []string{"\x01k=y", "/ck=z", "ck=x", "k=2"}) {
		t.Fatalf("object %v sees %q", ids[2], got)
	}
	if got := scan(t, s, ids[0], ""); !slices.Equal(got, []string{"k=0"}) {
		t.Fatalf("object %v sees %q", ids[0], got)
	}
	apply(t, s, del(ids[2], "k"))
	mustGet(t, s, ids[0], "k", "0")
	mustGet(t, s, ids[5], "k", "5")
}

func testBatch(t *testing.T, s session.Store) {
	b := put(obj, "x", "1", "y", "2", "z", "3")
	b.Alarms = []session.AlarmWrite{{Name: "al", At: time.Unix(10, 0)}}
	other := session.ID{Kind: "k", Name: "other"}
	apply(t, s, b, put(other, "x", "o"))
	if got := scan(t, s, obj, ""); !slices.Equal(got, []string{"x=1", "y=2", "z=3"}) {
		t.Fatalf("after batch: %q", got)
	}
	mustGet(t, s, other, "x", "o")
	if got := alarms(t, s); len(got) != 1 || got[0].Name != "al" {
		t.Fatalf("alarm of the batch: %+v", got)
	}
	apply(t, s, &session.Batch{ID: obj, Epoch: 1}) // empty batch
	if errs := s.Apply(nil); len(errs) != 0 {
		t.Fatalf("Apply(nil) = %v", errs)
	}
}

func testLaterWriteWins(t *testing.T, s session.Store) {
	apply(t, s, put(obj, "k", "old", "k", "new"))
	mustGet(t, s, obj, "k", "new")
	apply(t, s, &session.Batch{ID: obj, Epoch: 1, Writes: []session.Write{
		{Key: "k", Delete: true}, {Key: "k", Value: []byte("back")},
		{Key: "gone", Value: []byte("x")}, {Key: "gone", Delete: true},
	}})
	mustGet(t, s, obj, "k", "back")
	mustMiss(t, s, obj, "gone")
	// Two batches of one object in one group commit apply in order.
	apply(t, s, put(obj, "g", "first"), put(obj, "g", "second"))
	mustGet(t, s, obj, "g", "second")
	apply(t, s, &session.Batch{ID: obj, Epoch: 1, Alarms: []session.AlarmWrite{
		{Name: "a", At: time.Unix(1, 0)}, {Name: "a", At: time.Unix(2, 0)},
	}})
	if got := alarms(t, s); len(got) != 1 || !got[0].At.Equal(time.Unix(2, 0)) {
		t.Fatalf("alarm set twice in a batch: %+v", got)
	}
}

// testTTL: a key with a TTL is readable for the TTL after its commit and
// gone at most TTLGranularity later; writing the key again without a TTL,
// even in the same batch, keeps it.
func testTTL(t *testing.T, s session.Store) {
	const ttl = time.Second
	start := time.Now() // before the commit, so start+ttl is early enough
	apply(t, s, &session.Batch{ID: obj, Epoch: 1, Writes: []session.Write{
		{Key: "tmp", Value: []byte("x"), TTL: ttl},
		{Key: "keep", Value: []byte("y")},
		{Key: "renewed", Value: []byte("z"), TTL: ttl},
		{Key: "renewed", Value: []byte("z2")},
	}})
	apply(t, s, &session.Batch{ID: obj, Epoch: 1, Writes: []session.Write{{Key: "renewed2", Value: []byte("w"), TTL: ttl}}})
	apply(t, s, put(obj, "renewed2", "w2"))
	time.Sleep(time.Until(start.Add(ttl * 8 / 10)))
	v, err := s.Get(obj, "tmp")
	if time.Since(start) < ttl && (err != nil || string(v) != "x") {
		t.Fatalf("key expired early: %q, %v", v, err)
	}
	deadline := start.Add(ttl + TTLGranularity + 500*time.Millisecond)
	for {
		_, err := s.Get(obj, "tmp")
		if errors.Is(err, session.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("key with TTL %v still there after %v: %v", ttl, time.Since(start), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mustGet(t, s, obj, "keep", "y")
	mustGet(t, s, obj, "renewed", "z2")
	mustGet(t, s, obj, "renewed2", "w2")
	if got := scan(t, s, obj, ""); !slices.Equal(got, []string{"keep=y", "renewed=z2", "renewed2=w2"}) {
		t.Fatalf("scan shows expired key: %q", got)
	}
}

func testEpochs(t *testing.T, s session.Store) {
	other := session.ID{Kind: "k", Name: "other"}
	// An object never claimed takes writes at any epoch.
	apply(t, s, put(other, "k", "before"))
	mustClaim(t, s, obj, 1)
	mustClaim(t, s, obj, 1)
	mustClaim(t, s, obj, 3)
	if err := s.Claim(obj, 2); !errors.Is(err, session.ErrStaleEpoch) {
		t.Fatalf("claim at a lower epoch: %v, want ErrStaleEpoch", err)
	}
	stale := put(obj, "k", "stale")
	stale.Epoch = 2
	fresh := put(other, "k", "fresh")
	errs := s.Apply([]*session.Batch{stale, fresh})
	if len(errs) != 2 || !errors.Is(errs[0], session.ErrStaleEpoch) || errs[1] != nil {
		t.Fatalf("Apply errs = %v, want [ErrStaleEpoch nil]", errs)
	}
	mustMiss(t, s, obj, "k")
	mustGet(t, s, other, "k", "fresh")
	current := put(obj, "k", "current")
	current.Epoch = 3
	apply(t, s, current)
	mustGet(t, s, obj, "k", "current")
	newer := put(obj, "k", "newer")
	newer.Epoch = 4 // above the stored epoch: allowed
	apply(t, s, newer)
	mustGet(t, s, obj, "k", "newer")
}

// testStaleBatchLeavesNothing: a refused batch commits neither writes nor
// alarm changes, and its neighbours in the group commit in full.
func testStaleBatchLeavesNothing(t *testing.T, s session.Store) {
	mustClaim(t, s, obj, 5)
	apply(t, s, &session.Batch{ID: obj, Epoch: 5,
		Writes: []session.Write{{Key: "keep", Value: []byte("1")}},
		Alarms: []session.AlarmWrite{{Name: "keep", At: time.Unix(1, 0)}}})
	stale := &session.Batch{ID: obj, Epoch: 4,
		Writes: []session.Write{{Key: "new", Value: []byte("x")}, {Key: "keep", Delete: true}},
		Alarms: []session.AlarmWrite{{Name: "new", At: time.Unix(2, 0)}, {Name: "keep", Delete: true}}}
	a, b := session.ID{Kind: "k", Name: "a"}, session.ID{Kind: "k", Name: "b"}
	errs := s.Apply([]*session.Batch{put(a, "k", "a"), stale, put(b, "k", "b")})
	if errs[0] != nil || !errors.Is(errs[1], session.ErrStaleEpoch) || errs[2] != nil {
		t.Fatalf("Apply errs = %v", errs)
	}
	mustGet(t, s, a, "k", "a")
	mustGet(t, s, b, "k", "b")
	if got := scan(t, s, obj, ""); !slices.Equal(got, []string{"keep=1"}) {
		t.Fatalf("stale batch changed data: %q", got)
	}
	if got := alarms(t, s); len(got) != 1 || got[0].Name != "keep" {
		t.Fatalf("stale batch changed alarms: %+v", got)
	}
}

// testInvalidID: an ID that fails session.ID.Validate is refused, for its
// batch only.
func testInvalidID(t *testing.T, s session.Store) {
	bad := session.ID{Kind: "k", Name: "nul\x00"}
	errs := s.Apply([]*session.Batch{put(bad, "k", "v"), put(obj, "k", "v")})
	if !errors.Is(errs[0], session.ErrInvalidID) || errs[1] != nil {
		t.Fatalf("Apply errs = %v, want [ErrInvalidID nil]", errs)
	}
	mustGet(t, s, obj, "k", "v")
	if err := s.Claim(session.ID{Kind: "", Name: "n"}, 1); !errors.Is(err, session.ErrInvalidID) {
		t.Fatalf("Claim with an empty kind: %v, want ErrInvalidID", err)
	}
	if _, err := s.Get(bad, "k"); !errors.Is(err, session.ErrInvalidID) {
		t.Fatalf("Get with a NUL in the name: %v, want ErrInvalidID", err)
	}
}

func testObjects(t *testing.T, s session.Store) {
	for _, id := range []session.ID{
		{Kind: "room", Name: "b"}, {Kind: "room", Name: "a"}, {Kind: "room", Name: "a/b"},
		{Kind: "roomx", Name: "z"}, {Kind: "roo", Name: "mz"}, {Kind: "dev", Name: "c"},
	} {
		mustClaim(t, s, id, 1)
	}
	mustClaim(t, s, session.ID{Kind: "room", Name: "a"}, 2)
	apply(t, s, put(session.ID{Kind: "room", Name: "unclaimed"}, "k", "v"))
	if got := objects(t, s, "room", -1); !slices.Equal(got, []string{"a", "a/b", "b"}) {
		t.Fatalf("Objects(room) = %q, want [a a/b b]", got)
	}
	if got := objects(t, s, "roo", -1); !slices.Equal(got, []string{"mz"}) {
		t.Fatalf("Objects(roo) = %q, want [mz]", got)
	}
	if got := objects(t, s, "nothing", -1); len(got) != 0 {
		t.Fatalf("Objects(nothing) = %q", got)
	}
	if got := objects(t, s, "room", 2); !slices.Equal(got, []string{"a", "a/b"}) {
		t.Fatalf("Objects(room) told to stop after 2: %q", got)
	}
}

func testAlarms(t *testing.T, s session.Store) {
	at := time.Unix(1_700_000_000, 123456789)
	other := session.ID{Kind: "k2", Name: "n"}
	apply(t, s,
		&session.Batch{ID: obj, Epoch: 1, Alarms: []session.AlarmWrite{
			{Name: "x", At: at}, {Name: "y", At: at.Add(time.Second), Attempt: 2}, {Name: "zero"},
		}},
		&session.Batch{ID: other, Epoch: 1, Alarms: []session.AlarmWrite{{Name: "x", At: at, Attempt: 7}}},
	)
	if got := alarms(t, s); len(got) != 4 {
		t.Fatalf("alarms = %+v, want 4", got)
	}
	apply(t, s, &session.Batch{ID: obj, Epoch: 1, Alarms: []session.AlarmWrite{
		{Name: "x", At: at.Add(time.Hour), Attempt: 1}, {Name: "y", Delete: true}, {Name: "never", Delete: true},
	}})
	got := alarms(t, s)
	slices.SortFunc(got, func(a, b session.Alarm) int {
		return strings.Compare(a.ID.String()+"\x00"+a.Name, b.ID.String()+"\x00"+b.Name)
	})
	want := []session.Alarm{
		{ID: obj, Name: "x", At: at.Add(time.Hour), Attempt: 1},
		{ID: obj, Name: "zero"},
		{ID: other, Name: "x", At: at, Attempt: 7},
	}
	if !slices.EqualFunc(got, want, sameAlarm) {
		t.Fatalf("alarms = %+v, want %+v", got, want)
	}
	n := 0
	if err := s.Alarms(func(session.Alarm) bool { n++; return false }); err != nil || n != 1 {
		t.Fatalf("Alarms told to stop at once called fn %d times, %v", n, err)
	}
}

// testConcurrent runs readers and writers together (for the race
// detector) and checks every write landed.
func testConcurrent(t *testing.T, s session.Store) {
	const workers, rounds = 4, 25
	var wg sync.WaitGroup
	for w := range workers {
		id := session.ID{Kind: "c", Name: fmt.Sprint(w)}
		wg.Go(func() {
			for i := range rounds {
				b := put(id, fmt.Sprintf("k%02d", i), "v")
				b.Epoch = uint64(i + 1)
				for _, err := range s.Apply([]*session.Batch{b}) {
					if err != nil {
						t.Error(err)
						return
					}
				}
				if err := s.Claim(id, b.Epoch); err != nil {
					t.Error(err)
					return
				}
				_ = s.Scan(id, "", func(string, []byte) bool { return true })
				_ = s.Objects("c", func(string) bool { return true })
			}
		})
	}
	wg.Wait()
	for w := range workers {
		if got := scan(t, s, session.ID{Kind: "c", Name: fmt.Sprint(w)}, ""); len(got) != rounds {
			t.Fatalf("worker %d: %d keys, want %d", w, len(got), rounds)
		}
	}
}

func testClosed(t *testing.T, s session.Store) {
	apply(t, s, put(obj, "k", "v"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil && !errors.Is(err, session.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	checks := map[string]error{}
	_, checks["Get"] = s.Get(obj, "k")
	checks["Scan"] = s.Scan(obj, "", func(string, []byte) bool { return true })
	checks["Claim"] = s.Claim(obj, 1)
	checks["Objects"] = s.Objects("k", func(string) bool { return true })
	checks["Alarms"] = s.Alarms(func(session.Alarm) bool { return true })
	errs := s.Apply([]*session.Batch{put(obj, "k", "v"), put(obj, "k2", "v")})
	checks["Apply[0]"], checks["Apply[1]"] = errs[0], errs[1]
	for op, err := range checks {
		if !errors.Is(err, session.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", op, err)
		}
	}
}
