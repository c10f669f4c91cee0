package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/session/store"
	"github.com/hearth-server/hearth/session/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestConformanceDir(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) session.Store {
		s, err := store.Open(store.Options{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestConformanceInMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) session.Store {
		s, err := store.Open(store.Options{InMemory: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	id := session.ID{Kind: "k", Name: "n"}
	s, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	errs := s.Apply([]*session.Batch{{ID: id, Epoch: 1,
		Writes: []session.Write{{Key: "a", Value: []byte("1")}},
		Alarms: []session.AlarmWrite{{Name: "al"}}}})
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.Get(id, "a"); err != nil || string(v) != "1" {
		t.Fatalf("after reopen: %q %v", v, err)
	}
	n := 0
	_ = s.Alarms(func(session.Alarm) bool { n++; return true })
	if n != 1 {
		t.Fatalf("after reopen %d alarms, want 1", n)
	}
}

func TestOpenErrorsAreClear(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = store.Open(store.Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second open of a locked dir: %v", err)
	}

	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(store.Options{Dir: file}); err == nil || !strings.Contains(err.Error(), "data directory") {
		t.Fatalf("open on a regular file: %v", err)
	}
	if _, err := store.Open(store.Options{}); err == nil {
		t.Fatal("open without a directory must fail")
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
