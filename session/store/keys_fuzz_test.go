package store

import (
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
	f.Add([]byte("a\x00\x00"), encodeEpoch(7))
	f.Fuzz(func(t *testing.T, key, value []byte) {
		if len(key) > 0 {
			if gotID, name, err := splitAlarmKey(key); err == nil {
				if string(alarmKey(gotID, name)) != string(key) {
					t.Fatalf("alarm key %q does not round-trip", key)
				}
			}
		}
		if at, attempt, err := decodeAlarm(value); err == nil {
			again := encodeAlarm(session.AlarmWrite{At: time.Unix(0, at), Attempt: attempt})
			if string(again) != string(value) {
				t.Fatalf("alarm value %x does not round-trip", value)
			}
		}
		if e, err := decodeEpoch(value); err == nil && string(encodeEpoch(e)) != string(value) {
			t.Fatalf("epoch %x does not round-trip", value)
		}
	})
}
