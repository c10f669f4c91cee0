package storetest

import (
	"errors"
	"testing"

	"github.com/hearth-server/hearth/session"
)

// apply commits batches and fails the test on any refusal.
func apply(t *testing.T, s session.Store, b ...*session.Batch) {
	t.Helper()
	errs := s.Apply(b)
	if len(errs) != len(b) {
		t.Fatalf("Apply of %d batches returned %d errors", len(b), len(errs))
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
}

// put is a batch at epoch 1 setting key-value pairs.
func put(id session.ID, kv ...string) *session.Batch {
	b := &session.Batch{ID: id, Epoch: 1}
	for i := 0; i+1 < len(kv); i += 2 {
		b.Writes = append(b.Writes, session.Write{Key: kv[i], Value: []byte(kv[i+1])})
	}
	return b
}

// del is a batch at epoch 1 deleting keys.
func del(id session.ID, keys ...string) *session.Batch {
	b := &session.Batch{ID: id, Epoch: 1}
	for _, k := range keys {
		b.Writes = append(b.Writes, session.Write{Key: k, Delete: true})
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
	if v, err := s.Get(id, key); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Get(%s, %q) = %q, %v; want ErrNotFound", id, key, v, err)
	}
}

func mustClaim(t *testing.T, s session.Store, id session.ID, epoch uint64) {
	t.Helper()
	if err := s.Claim(id, epoch); err != nil {
		t.Fatalf("Claim(%s, %d): %v", id, epoch, err)
	}
}

// scan lists "key=value" for every key of id under prefix.
func scan(t *testing.T, s session.Store, id session.ID, prefix string) []string {
	t.Helper()
	var out []string
	if err := s.Scan(id, prefix, func(k string, v []byte) bool {
		out = append(out, k+"="+string(v))
		return true
	}); err != nil {
		t.Fatalf("Scan(%s, %q): %v", id, prefix, err)
	}
	return out
}

// objects lists the claimed objects of kind, stopping after limit names
// (no limit if negative).
func objects(t *testing.T, s session.Store, kind string, limit int) []string {
	t.Helper()
	var out []string
	if err := s.Objects(kind, func(n string) bool {
		out = append(out, n)
		return len(out) != limit
	}); err != nil {
		t.Fatalf("Objects(%q): %v", kind, err)
	}
	return out
}

func alarms(t *testing.T, s session.Store) []session.Alarm {
	t.Helper()
	var out []session.Alarm
	if err := s.Alarms(func(a session.Alarm) bool { out = append(out, a); return true }); err != nil {
		t.Fatalf("Alarms: %v", err)
	}
	return out
}

// sameAlarm compares alarms by instant, not by time.Time representation.
func sameAlarm(a, b session.Alarm) bool {
	return a.ID == b.ID && a.Name == b.Name && a.At.Equal(b.At) && a.Attempt == b.Attempt
}
