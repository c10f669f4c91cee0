// Package storetest is the conformance suite every session.Store
// implementation must pass.
package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hearth-server/hearth/session"
)

// Run checks the session.Store contract against stores made by open.
func Run(t *testing.T, open func(t *testing.T) session.Store) {
	tests := map[string]func(*testing.T, session.Store){
		"GetPutDelete":    testGetPutDelete,
		"ScanPrefixOrder": testScan,
		"Isolation":       testIsolation,
		"BatchAtomicity":  testBatch,
		"LaterWriteWins":  testLaterWriteWins,
		"TTL":             testTTL,
		"Epochs":          testEpochs,
		"Objects":         testObjects,
		"Alarms":          testAlarms,
		"Closed":          testClosed,
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			fn(t, s)
		})
	}
}

var obj = session.ID{Kind: "k", Name: "n"}

func apply(t *testing.T, s session.Store, b ...*session.Batch) {
	t.Helper()
	for i, err := range s.Apply(b) {
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
}

func put(id session.ID, kv ...string) *session.Batch {
	b := &session.Batch{ID: id, Epoch: 1}
	for i := 0; i+1 < len(kv); i += 2 {
		b.Writes = append(b.Writes, session.Write{Key: kv[i], Value: []byte(kv[i+1])})
	}
	return b
}

func mustGet(t *testing.T, s session.Store, id session.ID, key, want string) {
	t.Helper()
	v, err := s.Get(id, key)
	if err != nil || string(v) != want {
		t.Fatalf("Get(%s, %q) = %q, %v; want %q", id, key, v, err, want)
	}
}

func mustMiss(t *testing.T, s session.Store, id session.ID, key string) {
	t.Helper()
	if _, err := s.Get(id, key); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Get(%s, %q) err = %v, want ErrNotFound", id, key, err)
	}
}

func scan(t *testing.T, s session.Store, id session.ID, prefix string) []string {
	t.Helper()
	var out []string
	if err := s.Scan(id, prefix, func(k string, v []byte) bool {
		out = append(out, k+"="+string(v))
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func testGetPutDelete(t *testing.T, s session.Store) {
	mustMiss(t, s, obj, "a")
	apply(t, s, put(obj, "a", "1", "b", "2"))
	mustGet(t, s, obj, "a", "1")
	apply(t, s, &session.Batch{ID: obj, Epoch: 1, Writes: []session.Write{{Key: "a", Delete: true}}})
	mustMiss(t, s, obj, "a")
	mustGet(t, s, obj, "b", "2")
	apply(t, s, put(obj, "empty", ""))
	mustGet(t, s, obj, "empty", "")
}

func testScan(t *testing.T, s session.Store) {
	apply(t, s, put(obj, "u/2", "b", "u/1", "a", "u/10", "c", "v/1", "x", "u", "root"))
	if got := scan(t, s, obj, "u/"); !slices.Equal(got, []string{"u/1=a", "u/10=c", "u/2=b"}) {
		t.Fatalf("scan u/ = %v", got)
	}
	if got := scan(t, s, obj, ""); len(got) != 5 {
		t.Fatalf("scan all = %v", got)
	}
	n := 0
	_ = s.Scan(obj, "", func(string, []byte) bool { n++; return n < 2 })
	if n != 2 {
		t.Fatalf("scan did not stop when told: %d calls", n)
	}
}

func testIsolation(t *testing.T, s session.Store) {
	a := session.ID{Kind: "a", Name: "bc"}
	b := session.ID{Kind: "ab", Name: "c"}
	c := session.ID{Kind: "a", Name: "b"}
	apply(t, s, put(a, "k", "A"), put(b, "k", "B"), put(c, "ck", "C"))
	mustGet(t, s, a, "k", "A")
	mustGet(t, s, b, "k", "B")
	mustMiss(t, s, c, "k")
	if got := scan(t, s, c, ""); !slices.Equal(got, []string{"ck=C"}) {
		t.Fatalf("object a/b sees %v", got)
	}
}

func testBatch(t *testing.T, s session.Store) {
	apply(t, s, put(obj, "x", "1", "y", "2", "z", "3"))
	if got := scan(t, s, obj, ""); len(got) != 3 {
		t.Fatalf("batch partly applied: %v", got)
	}
}

func testLaterWriteWins(t *testing.T, s session.Store) {
	b := put(obj, "k", "old", "k", "new")
	apply(t, s, b)
	mustGet(t, s, obj, "k", "new")
}

func testTTL(t *testing.T, s session.Store) {
	apply(t, s, &session.Batch{ID: obj, Epoch: 1, Writes: []session.Write{
		{Key: "tmp", Value: []byte("x"), TTL: time.Second},
		{Key: "keep", Value: []byte("y")},
	}})
	mustGet(t, s, obj, "tmp", "x")
	time.Sleep(2100 * time.Millisecond)
	mustMiss(t, s, obj, "tmp")
	mustGet(t, s, obj, "keep", "y")
	if got := scan(t, s, obj, ""); !slices.Equal(got, []string{"keep=y"}) {
		t.Fatalf("scan shows expired key: %v", got)
	}
}

func testEpochs(t *testing.T, s session.Store) {
	other := session.ID{Kind: "k", Name: "other"}
	if err := s.Claim(obj, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Claim(obj, 3); err != nil {
		t.Fatal(err)
	}
	if err := s.Claim(obj, 2); !errors.Is(err, session.ErrStaleEpoch) {
		t.Fatalf("claim at lower epoch: %v, want ErrStaleEpoch", err)
	}
	stale := put(obj, "k", "stale")
	stale.Epoch = 2
	fresh := put(other, "k", "fresh")
	errs := s.Apply([]*session.Batch{stale, fresh})
	if !errors.Is(errs[0], session.ErrStaleEpoch) || errs[1] != nil {
		t.Fatalf("Apply errs = %v, want [ErrStaleEpoch nil]", errs)
	}
	mustMiss(t, s, obj, "k")
	mustGet(t, s, other, "k", "fresh")
	current := put(obj, "k", "current")
	current.Epoch = 3
	apply(t, s, current)
	mustGet(t, s, obj, "k", "current")
}

func testObjects(t *testing.T, s session.Store) {
	for _, id := range []session.ID{{Kind: "room", Name: "b"}, {Kind: "room", Name: "a"}, {Kind: "roomx", Name: "z"}, {Kind: "dev", Name: "c"}} {
		if err := s.Claim(id, 1); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	if err := s.Objects("room", func(n string) bool { names = append(names, n); return true }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"a", "b"}) {
		t.Fatalf("Objects(room) = %v, want [a b]", names)
	}
}

func testAlarms(t *testing.T, s session.Store) {
	at := time.Unix(1_700_000_000, 123456789)
	b := &session.Batch{ID: obj, Epoch: 1, Alarms: []session.AlarmWrite{
		{Name: "x", At: at}, {Name: "y", At: at.Add(time.Second), Attempt: 2},
	}}
	apply(t, s, b)
	apply(t, s, &session.Batch{ID: obj, Epoch: 1, Alarms: []session.AlarmWrite{
		{Name: "x", At: at.Add(time.Hour), Attempt: 1}, {Name: "y", Delete: true},
	}})
	var got []session.Alarm
	if err := s.Alarms(func(a session.Alarm) bool { got = append(got, a); return true }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "x" || got[0].ID != obj || !got[0].At.Equal(at.Add(time.Hour)) || got[0].Attempt != 1 {
		t.Fatalf("alarms = %+v", got)
	}
}

func testClosed(t *testing.T, s session.Store) {
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(obj, "k"); !errors.Is(err, session.ErrClosed) {
		t.Fatalf("Get after Close: %v, want ErrClosed", err)
	}
	if errs := s.Apply([]*session.Batch{put(obj, "k", "v")}); !errors.Is(errs[0], session.ErrClosed) {
		t.Fatalf("Apply after Close: %v, want ErrClosed", errs)
	}
}
