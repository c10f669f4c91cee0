package store

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/hearth-server/hearth/session"
)

// Key layout. Everything lives in one badger keyspace, split by a leading
// space byte. Kind and name are length-prefixed (2 bytes, big endian), so no
// kind, name or user key, whatever bytes it holds, can make one object's
// key equal or prefix another object's:
//
//	'v'                                  layout version: formatVersion (1 byte)
//	'm' len(kind) kind name              object record: epoch (8 bytes, big endian)
//	'd' len(kind) kind len(name) name key   object data: the user's value
//	'a' len(kind) kind len(name) name alarm alarm: due (unix s, 8 bytes; ns, 4 bytes), attempt (8 bytes)
//
// The object record ends with the bare name, so the records of one kind
// sit under 'm' len(kind) kind in ascending name order (Objects). Data keys
// of one object sit under its prefix in ascending key order (Scan).
const (
	spaceVersion = 'v'
	spaceMeta    = 'm'
	spaceData    = 'd'
	spaceAlarm   = 'a'

	formatVersion = 1

	// maxBadgerKey is badger's limit on a key's length.
	maxBadgerKey = 65000
)

// versionKey holds the layout version of the database.
var versionKey = []byte{spaceVersion}

// appendString appends s with its 2-byte length. Callers have validated s
// (session.ID.Validate: at most session.MaxNameLen bytes).
func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// kindPrefix is space len(kind) kind: the start of every object of kind.
func kindPrefix(space byte, kind string, extra int) []byte {
	b := make([]byte, 0, 3+len(kind)+extra)
	return appendString(append(b, space), kind)
}

// objectPrefix is space len(kind) kind len(name) name: the start of every
// key of one object in space. extra reserves room for what follows.
func objectPrefix(space byte, id session.ID, extra int) []byte {
	return appendString(kindPrefix(space, id.Kind, 2+len(id.Name)+extra), id.Name)
}

// prefixLen is len(objectPrefix(space, id, 0)), without building it.
func prefixLen(id session.ID) int { return 1 + 2 + len(id.Kind) + 2 + len(id.Name) }

func dataKey(id session.ID, key string) []byte {
	return append(objectPrefix(spaceData, id, len(key)), key...)
}

func alarmKey(id session.ID, name string) []byte {
	return append(objectPrefix(spaceAlarm, id, len(name)), name...)
}

func metaKey(id session.ID) []byte {
	return append(kindPrefix(spaceMeta, id.Kind, len(id.Name)), id.Name...)
}

// readString reads a length-prefixed string off the front of b.
func readString(b []byte) (s string, rest []byte, ok bool) {
	if len(b) < 2 {
		return "", nil, false
	}
	n := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+n {
		return "", nil, false
	}
	return string(b[2 : 2+n]), b[2+n:], true
}

// The decoders' errors are wrapped with the package prefix by their callers.

// splitAlarmKey parses an alarm key into its object and alarm name.
func splitAlarmKey(k []byte) (session.ID, string, error) {
	if len(k) == 0 || k[0] != spaceAlarm {
		return session.ID{}, "", fmt.Errorf("malformed alarm key %q", k)
	}
	kind, rest, ok := readString(k[1:])
	if !ok {
		return session.ID{}, "", fmt.Errorf("malformed alarm key %q", k)
	}
	name, rest, ok := readString(rest)
	if !ok {
		return session.ID{}, "", fmt.Errorf("malformed alarm key %q", k)
	}
	return session.ID{Kind: kind, Name: name}, string(rest), nil
}

func encodeEpoch(e uint64) []byte { return binary.BigEndian.AppendUint64(nil, e) }

func decodeEpoch(v []byte) (uint64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("malformed object record of %d bytes", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// alarmLen is the size of an encoded alarm. The due time is kept as
// seconds and nanoseconds, so any time.Time round-trips (the zero time
// included, which UnixNano cannot represent).
const alarmLen = 8 + 4 + 8

func encodeAlarm(a session.AlarmWrite) []byte {
	b := make([]byte, 0, alarmLen)
	b = binary.BigEndian.AppendUint64(b, uint64(a.At.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(a.At.Nanosecond()))
	return binary.BigEndian.AppendUint64(b, uint64(int64(a.Attempt)))
}

func decodeAlarm(v []byte) (at time.Time, attempt int, err error) {
	if len(v) != alarmLen {
		return time.Time{}, 0, fmt.Errorf("malformed alarm of %d bytes", len(v))
	}
	sec := int64(binary.BigEndian.Uint64(v))
	nsec := binary.BigEndian.Uint32(v[8:])
	if nsec >= 1e9 {
		return time.Time{}, 0, fmt.Errorf("malformed alarm: %d ns", nsec)
	}
	return time.Unix(sec, int64(nsec)), int(int64(binary.BigEndian.Uint64(v[12:]))), nil
}
