package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/hearth-server/hearth/session"
)

// Key layout. Kinds and names never contain NUL (session.ID.Validate), so
// NUL separates them unambiguously and keys sort by kind, then name, then
// the rest:
//
//	'd' kind 0x00 name 0x00 key        object data
//	'm' kind 0x00 name                 object record: epoch (8 bytes, big endian)
//	'a' kind 0x00 name 0x00 alarm      alarm: due (unix ns, 8 bytes) attempt (4 bytes)
const (
	spaceData  = 'd'
	spaceMeta  = 'm'
	spaceAlarm = 'a'
)

// objectPrefix is space kind NUL name NUL.
func objectPrefix(space byte, id session.ID) []byte {
	b := make([]byte, 0, 3+len(id.Kind)+len(id.Name))
	b = append(b, space)
	b = append(b, id.Kind...)
	b = append(b, 0)
	b = append(b, id.Name...)
	return append(b, 0)
}

func dataKey(id session.ID, key string) []byte {
	return append(objectPrefix(spaceData, id), key...)
}

func alarmKey(id session.ID, name string) []byte {
	return append(objectPrefix(spaceAlarm, id), name...)
}

func metaKey(id session.ID) []byte {
	p := objectPrefix(spaceMeta, id)
	return p[:len(p)-1]
}

// kindPrefix is space kind NUL: every object of kind.
func kindPrefix(space byte, kind string) []byte {
	b := append([]byte{space}, kind...)
	return append(b, 0)
}

// splitAlarmKey parses an alarm key.
func splitAlarmKey(k []byte) (session.ID, string, error) {
	parts := bytes.SplitN(k[1:], []byte{0}, 3)
	if len(parts) != 3 || k[0] != spaceAlarm {
		return session.ID{}, "", fmt.Errorf("store: malformed alarm key %q", k)
	}
	return session.ID{Kind: string(parts[0]), Name: string(parts[1])}, string(parts[2]), nil
}

func encodeEpoch(e uint64) []byte { return binary.BigEndian.AppendUint64(nil, e) }

func decodeEpoch(v []byte) (uint64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("store: malformed object record of %d bytes", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

func encodeAlarm(a session.AlarmWrite) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(a.At.UnixNano()))
	return binary.BigEndian.AppendUint32(b, uint32(a.Attempt))
}

func decodeAlarm(v []byte) (atNanos int64, attempt int, err error) {
	if len(v) != 12 {
		return 0, 0, fmt.Errorf("store: malformed alarm of %d bytes", len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), int(binary.BigEndian.Uint32(v[8:])), nil
}
