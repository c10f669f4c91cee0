package tick

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearth-server/hearth/codec"
)

// encodeWithEncoder is how snapshot bodies were encoded before
// AppendMsgpack, through the msgpack encoder: the reference the appender
// must match byte for byte.
func encodeWithEncoder(t testing.TB, b SnapshotBody) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	n := 3
	if len(b.Gone) > 0 {
		n = 4
	}
	errs := []error{enc.EncodeMapLen(n), enc.EncodeString("t"), enc.EncodeUint(b.Tick),
		enc.EncodeString("b"), enc.EncodeUint(uint64(b.Base)), enc.EncodeString("e"), enc.EncodeArrayLen(len(b.Ents))}
	for _, r := range b.Ents {
		errs = append(errs, enc.EncodeArrayLen(len(r)))
		for _, v := range r {
			errs = append(errs, enc.EncodeInt(v))
		}
	}
	if len(b.Gone) > 0 {
		errs = append(errs, enc.EncodeString("r"), enc.EncodeArrayLen(len(b.Gone)))
		for _, id := range b.Gone {
			errs = append(errs, enc.EncodeInt(int64(id)))
		}
	}
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// checkAppend fails unless every way a body gets encoded writes the
// reference bytes.
func checkAppend(t testing.TB, b SnapshotBody) {
	t.Helper()
	want := encodeWithEncoder(t, b)
	got, err := b.AppendMsgpack([]byte{0xff})
	if err != nil || !bytes.Equal(got[1:], want) || got[0] != 0xff {
		t.Fatalf("AppendMsgpack(%+v) = %x (%v), want %x", b, got, err, want)
	}
	if n := b.msgpackLen(); n != len(want) {
		t.Fatalf("msgpackLen(%+v) = %d, want %d", b, n, len(want))
	}
	shared, err := codec.NewShared(b).Encoded(codec.Binary)
	if err != nil || !bytes.Equal(shared, want) {
		t.Fatalf("Shared(%+v) = %x (%v), want %x", b, shared, err, want)
	}
	direct, err := marshalCompactForTest(b)
	if err != nil || !bytes.Equal(direct, want) {
		t.Fatalf("msgpack encoder(%+v) = %x (%v), want %x", b, direct, err, want)
	}
}

// The appender writes what the msgpack encoder wrote, at every integer
// and length boundary.
func TestSnapshotBodyAppendMatchesEncoder(t *testing.T) {
	edges := []int64{0, 1, 127, 128, 255, 256, 65535, 65536, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt64,
		-1, -32, -33, -128, -129, -32768, -32769, math.MinInt32, math.MinInt32 - 1, math.MinInt64}
	for _, tick := range []uint64{0, 127, 128, 1 << 40, math.MaxUint64} {
		for _, base := range []uint32{0, 31, 300, math.MaxUint32} {
			checkAppend(t, SnapshotBody{Tick: tick, Base: base})
			checkAppend(t, SnapshotBody{Tick: tick, Base: base, Ents: [][8]int64{}, Gone: []int32{}})
		}
	}
	for _, v := range edges {
		checkAppend(t, SnapshotBody{Tick: 9, Base: 3, Ents: [][8]int64{{v, v, v, v, v, v, v, v}}, Gone: []int32{int32(v), int32(v >> 32)}})
	}
	for _, n := range []int{15, 16, 65535, 65536} {
		ents := make([][8]int64, n)
		gone := make([]int32, n)
		for i := range ents {
			ents[i] = [8]int64{int64(i), 1, int64(-i), 4, 5, 6, 7, 8}
			gone[i] = int32(-i)
		}
		checkAppend(t, SnapshotBody{Tick: 1, Ents: ents, Gone: gone})
	}
}

func FuzzSnapshotBodyAppend(f *testing.F) {
	f.Add(uint64(7), uint32(0), []byte{1, 2, 3, 200, 0, 0, 0, 0}, []byte{4, 0, 0, 0})
	f.Add(uint64(1<<40), uint32(9), []byte{}, []byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, tick uint64, base uint32, ents, gone []byte) {
		b := SnapshotBody{Tick: tick, Base: base}
		for len(ents) >= 8 {
			var r [8]int64
			for i := range r {
				// each byte picks a magnitude and sign, to reach every integer form
				r[i] = int64(int8(ents[i])) << (uint(ents[i]) % 57)
			}
			b.Ents = append(b.Ents, r)
			ents = ents[8:]
		}
		for len(gone) >= 4 {
			b.Gone = append(b.Gone, int32(binary.BigEndian.Uint32(gone)))
			gone = gone[4:]
		}
		checkAppend(t, b)
	})
}

func BenchmarkSnapshotBodyEncode(b *testing.B) {
	body := SnapshotBody{Tick: 123456, Base: 0}
	for i := range 16 {
		body.Ents = append(body.Ents, [8]int64{int64(i + 1), 2, 800 + int64(i)*37, 1600 - int64(i)*41, 0, -96 + int64(i)*13, 128 - int64(i)*9, int64(i % 5)})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := codec.NewShared(body).Encoded(codec.Binary); err != nil {
			b.Fatal(err)
		}
	}
}
