package store

import (
	"bytes"
	"testing"
	"time"

	"github.com/hearth-server/hearth/session"
)

// FuzzDecodeRecords feeds arbitrary bytes to every decoder of stored keys
// and values: they must fail cleanly, never panic, and round-trip what the
// encoders produce.
func FuzzDecodeRecords(f *testing.F) {
	id := session.ID{Kind: "room", Name: "r1"}
	f.Add(alarmKey(id, "tick"), encodeAlarm(session.AlarmWrite{At: time.Unix(5, 6), Attempt: 2}))
	f.Add([]byte{spaceAlarm}, []byte{})
	f.Add([]byte{spaceAlarm, 0, 5, 'a'}, encodeEpoch(7))
	f.Add(alarmKey(id, ""), encodeAlarm(session.AlarmWrite{Attempt: -1}))
	f.Fuzz(func(t *testing.T, key, value []byte) {
		if gotID, name, err := splitAlarmKey(key); err == nil {
			if !bytes.Equal(alarmKey(gotID, name), key) {
				t.Fatalf("alarm key %q does not round-trip", key)
			}
		}
		if at, attempt, err := decodeAlarm(value); err == nil {
			again := encodeAlarm(session.AlarmWrite{At: at, Attempt: attempt})
			if !bytes.Equal(again, value) {
				t.Fatalf("alarm value %x does not round-trip: %x", value, again)
			}
		}
		if e, err := decodeEpoch(value); err == nil && !bytes.Equal(encodeEpoch(e), value) {
			t.Fatalf("epoch %x does not round-trip", value)
		}
	})
}

// FuzzKeysDistinct checks the layout's promise: keys of different objects
// never collide, and one object's prefix never covers another object's
// keys, whatever the kinds, names and user keys.
func FuzzKeysDistinct(f *testing.F) {
	f.Add("a", "bc", "k", "ab", "c", "k")
	f.Add("a", "b", "\x00\x01ck", "a", "b\x00\x01c", "k")
	f.Add("room", "r", "", "room", "r", "")
	f.Fuzz(func(t *testing.T, k1, n1, key1, k2, n2, key2 string) {
		a, b := session.ID{Kind: k1, Name: n1}, session.ID{Kind: k2, Name: n2}
		if a.Validate() != nil || b.Validate() != nil {
			return
		}
		same := a == b
		if bytes.Equal(dataKey(a, key1), dataKey(b, key2)) != (same && key1 == key2) {
			t.Fatalf("data keys %v %q and %v %q: collision mismatch", a, key1, b, key2)
		}
		if !same && bytes.HasPrefix(dataKey(b, key2), objectPrefix(spaceData, a, 0)) {
			t.Fatalf("prefix of %v covers a key of %v", a, b)
		}
		if bytes.Equal(metaKey(a), metaKey(b)) != same {
			t.Fatalf("object records of %v and %v: collision mismatch", a, b)
		}
		if a.Kind != b.Kind && bytes.HasPrefix(metaKey(b), kindPrefix(spaceMeta, a.Kind, 0)) {
			t.Fatalf("kind prefix %q covers the record of %v", a.Kind, b)
		}
		if got, name, err := splitAlarmKey(alarmKey(a, key1)); err != nil || got != a || name != key1 {
			t.Fatalf("alarm key of %v %q parses as %v %q, %v", a, key1, got, name, err)
		}
	})
}
