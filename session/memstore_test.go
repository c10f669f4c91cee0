package session_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/session/storetest"
)

func TestMemStoreConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) session.Store { return session.NewMemStore() })
}

// TestMemStoreTTLFakeTime: under synctest a key expires exactly its TTL
// after the commit, and the store needs no goroutine or timer for it.
func TestMemStoreTTLFakeTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := session.NewMemStore()
		id := session.ID{Kind: "k", Name: "n"}
		errs := s.Apply([]*session.Batch{{ID: id, Epoch: 1, Writes: []session.Write{
			{Key: "tmp", Value: []byte("x"), TTL: time.Hour},
		}}})
		if errs[0] != nil {
			t.Fatal(errs[0])
		}
		time.Sleep(time.Hour - time.Nanosecond)
		if _, err := s.Get(id, "tmp"); err != nil {
			t.Fatalf("a nanosecond before expiry: %v", err)
		}
		time.Sleep(time.Nanosecond)
		if _, err := s.Get(id, "tmp"); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("at expiry: %v, want ErrNotFound", err)
		}
	})
}
