package store_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/goleak"

	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/session/store"
	"github.com/hearth-server/hearth/session/storetest"
)

// holdEnv makes the test binary a child that holds a store open (see
// holdInChild).
const holdEnv = "HEARTH_STORE_TEST_HOLD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(holdEnv); dir != "" {
		os.Exit(hold(dir))
	}
	goleak.VerifyTestMain(m)
}

// hold opens dir, says "open" on stdout and keeps the store open until
// stdin closes.
func hold(dir string) int {
	s, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("open")
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := s.Close(); err != nil {
		return 1
	}
	return 0
}

func open(t testing.TB, o store.Options) *store.Store {
	t.Helper()
	s, err := store.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformanceDir(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) session.Store {
		return open(t, store.Options{Dir: t.TempDir()})
	})
}

func TestConformanceAsync(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) session.Store {
		return open(t, store.Options{Dir: t.TempDir(), Durability: store.Async})
	})
}

func TestConformanceInMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) session.Store {
		return open(t, store.Options{InMemory: true})
	})
}

func TestReopenKeepsDataAndAlarms(t *testing.T) {
	dir := t.TempDir()
	id := session.ID{Kind: "k", Name: "n"}
	at := time.Unix(1_800_000_000, 42)
	s := open(t, store.Options{Dir: dir})
	if err := s.Claim(id, 3); err != nil {
		t.Fatal(err)
	}
	errs := s.Apply([]*session.Batch{{ID: id, Epoch: 3,
		Writes: []session.Write{{Key: "a", Value: []byte("1")}},
		Alarms: []session.AlarmWrite{{Name: "al", At: at, Attempt: 2}}}})
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, store.Options{Dir: dir})
	defer s.Close()
	if v, err := s.Get(id, "a"); err != nil || string(v) != "1" {
		t.Fatalf("after reopen: %q %v", v, err)
	}
	var got []session.Alarm
	_ = s.Alarms(func(a session.Alarm) bool { got = append(got, a); return true })
	if len(got) != 1 || got[0].ID != id || got[0].Name != "al" || !got[0].At.Equal(at) || got[0].Attempt != 2 {
		t.Fatalf("alarms after reopen: %+v", got)
	}
	if err := s.Claim(id, 2); !errors.Is(err, session.ErrStaleEpoch) {
		t.Fatalf("epoch after reopen: claim at 2 = %v, want ErrStaleEpoch", err)
	}
	var names []string
	_ = s.Objects("k", func(n string) bool { names = append(names, n); return true })
	if len(names) != 1 || names[0] != "n" {
		t.Fatalf("objects after reopen: %q", names)
	}
}

func TestOpenLockedInProcess(t *testing.T) {
	dir := t.TempDir()
	s := open(t, store.Options{Dir: dir})
	defer s.Close()
	_, err := store.Open(store.Options{Dir: dir})
	wantInUse(t, err, dir)
}

// TestOpenLockedByChild holds the directory in a child process (this test
// binary, re-executed) and opens it here.
func TestOpenLockedByChild(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "open" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("child: %q", line)
	}
	_, err = store.Open(store.Options{Dir: dir})
	_ = stdin.Close()
	if werr := cmd.Wait(); werr != nil {
		t.Errorf("child: %v", werr)
	}
	wantInUse(t, err, dir)

	s := open(t, store.Options{Dir: dir}) // free again once the child is gone
	_ = s.Close()
}

func wantInUse(t *testing.T, err error, dir string) {
	t.Helper()
	want := fmt.Sprintf("store: data directory %q is in use by another process", dir)
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("open of a locked dir: %v; want %q", err, want)
	}
}

func TestOpenOnRegularFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(store.Options{Dir: file})
	want := fmt.Sprintf("store: data directory %q is not a directory", file)
	if err == nil || err.Error() != want {
		t.Fatalf("open on a regular file: %v; want %q", err, want)
	}
	_, err = store.Open(store.Options{Dir: filepath.Join(file, "sub")})
	if err == nil || !strings.HasPrefix(err.Error(), "store: ") {
		t.Fatalf("open under a regular file: %v", err)
	}
}

func TestOpenUnreadableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any directory")
	}
	dir := filepath.Join(t.TempDir(), "locked")
	if err := os.Mkdir(dir, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	_, err := store.Open(store.Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "cannot read data directory") {
		t.Fatalf("open of an unreadable dir: %v", err)
	}
}

func TestOpenRefusesUnknownFormat(t *testing.T) {
	dir := t.TempDir()
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(txn *badger.Txn) error { return txn.Set([]byte("foreign"), []byte("x")) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(store.Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "unknown storage format") {
		t.Fatalf("open of a foreign database: %v", err)
	}
}

func TestOptionsValidation(t *testing.T) {
	for name, o := range map[string]store.Options{
		"no dir":          {},
		"dir and memory":  {Dir: t.TempDir(), InMemory: true},
		"bad durability":  {InMemory: true, Durability: 7},
		"negative GC gap": {InMemory: true, GCInterval: -time.Second},
	} {
		if s, err := store.Open(o); err == nil || !strings.HasPrefix(err.Error(), "store: ") {
			if s != nil {
				_ = s.Close()
			}
			t.Errorf("%s: Open = %v, want a store: error", name, err)
		}
	}
}

func TestParseDurability(t *testing.T) {
	for in, want := range map[string]store.Durability{"sync": store.Sync, "async": store.Async, "": store.Sync} {
		if got, err := store.ParseDurability(in); err != nil || got != want {
			t.Errorf("ParseDurability(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := store.ParseDurability("maybe"); err == nil {
		t.Error("ParseDurability(maybe) must fail")
	}
}

// TestGroupTooBigFallsBack: a group too big for one transaction commits
// batch by batch, each atomically; a batch too big on its own fails alone.
// In memory values stay in the LSM tree and count fully.
func TestGroupTooBigFallsBack(t *testing.T) {
	s := open(t, store.Options{InMemory: true})
	defer s.Close()
	big := make([]byte, 700<<10)
	batch := func(name string, values int) *session.Batch {
		b := &session.Batch{ID: session.ID{Kind: "k", Name: name}, Epoch: 1}
		for i := range values {
			b.Writes = append(b.Writes, session.Write{Key: fmt.Sprint(i), Value: big})
		}
		return b
	}
	if err := s.Claim(session.ID{Kind: "k", Name: "stale"}, 9); err != nil {
		t.Fatal(err)
	}
	errs := s.Apply([]*session.Batch{batch("a", 1), batch("huge", 2), batch("stale", 1), batch("b", 1)})
	if errs[0] != nil || errs[3] != nil {
		t.Fatalf("batches that fit alone: %v", errs)
	}
	if !errors.Is(errs[1], badger.ErrTxnTooBig) || !strings.Contains(errs[1].Error(), "store: batch of k/huge is too big") {
		t.Fatalf("batch too big alone: %v", errs[1])
	}
	if !errors.Is(errs[2], session.ErrStaleEpoch) {
		t.Fatalf("stale batch: %v", errs[2])
	}
	for _, name := range []string{"a", "b"} {
		if v, err := s.Get(session.ID{Kind: "k", Name: name}, "0"); err != nil || len(v) != len(big) {
			t.Fatalf("%s: %d bytes, %v", name, len(v), err)
		}
	}
	if _, err := s.Get(session.ID{Kind: "k", Name: "huge"}, "0"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("part of the too-big batch committed: %v", err)
	}
}

// TestValueTooLarge: in memory, badger keeps values only up to its value
// threshold (1 MiB); one of exactly 1 MiB would crash badger, so the store
// refuses it cleanly.
func TestValueTooLarge(t *testing.T) {
	s := open(t, store.Options{InMemory: true})
	defer s.Close()
	id := session.ID{Kind: "k", Name: "n"}
	errs := s.Apply([]*session.Batch{
		{ID: id, Epoch: 1, Writes: []session.Write{{Key: "v", Value: make([]byte, 1<<20)}}},
		{ID: id, Epoch: 1, Writes: []session.Write{{Key: "w", Value: make([]byte, 1<<20-1)}}},
	})
	if !errors.Is(errs[0], session.ErrValueTooLarge) || errs[1] != nil {
		t.Fatalf("Apply errs = %v, want [ErrValueTooLarge nil]", errs)
	}
}

// TestCloseWaitsForCalls closes the store while writers run: every call
// either succeeds or fails with ErrClosed, and nothing panics.
func TestCloseWaitsForCalls(t *testing.T) {
	s := open(t, store.Options{Dir: t.TempDir(), Durability: store.Async})
	id := session.ID{Kind: "k", Name: "n"}
	done := make(chan error)
	for w := range 4 {
		go func() {
			var last error
			for i := 0; ; i++ {
				errs := s.Apply([]*session.Batch{{ID: id, Epoch: 1, Writes: []session.Write{{Key: fmt.Sprint(w, i), Value: []byte("v")}}}})
				_, gerr := s.Get(id, "x")
				if errors.Is(errs[0], session.ErrClosed) && errors.Is(gerr, session.ErrClosed) {
					done <- last
					return
				}
				if errs[0] != nil {
					last = errs[0]
				}
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if err := <-done; err != nil && !errors.Is(err, session.ErrClosed) {
			t.Errorf("a write around Close failed with %v", err)
		}
	}
}

// TestGCLoopRuns lets the value-log GC tick a few times; goleak in
// TestMain checks Close stopped it.
func TestGCLoopRuns(t *testing.T) {
	s := open(t, store.Options{Dir: t.TempDir(), GCInterval: 5 * time.Millisecond})
	id := session.ID{Kind: "k", Name: "n"}
	for i := range 20 {
		errs := s.Apply([]*session.Batch{{ID: id, Epoch: 1, Writes: []session.Write{{Key: "k", Value: make([]byte, 8<<10+i)}}}})
		if errs[0] != nil {
			t.Fatal(errs[0])
		}
	}
	time.Sleep(30 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestLargeGroupSplits: a group of many small batches over badger's
// transaction limit (1.2 MiB here) still commits every batch.
func TestLargeGroupSplits(t *testing.T) {
	s := open(t, store.Options{Dir: t.TempDir(), Durability: store.Async})
	defer s.Close()
	var batches []*session.Batch
	for i := range 1024 {
		batches = append(batches, &session.Batch{ID: session.ID{Kind: "k", Name: fmt.Sprint(i)}, Epoch: 1,
			Writes: []session.Write{{Key: "v", Value: make([]byte, 2<<10)}}})
	}
	for i, err := range s.Apply(batches) {
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	for i := range 1024 {
		if v, err := s.Get(session.ID{Kind: "k", Name: fmt.Sprint(i)}, "v"); err != nil || len(v) != 2<<10 {
			t.Fatalf("object %d: %d bytes, %v", i, len(v), err)
		}
	}
}
