package codec

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// reference encodes o's envelope and body with the msgpack encoder, as
// frames were before the appenders.
func reference(t *testing.T, o *Out, raw []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	enc.UseCompactInts(true)
	if err := firstErr(enc.EncodeArrayLen(5), enc.EncodeUint(uint64(o.Kind)), enc.EncodeString(o.Object),
		enc.EncodeUint(uint64(o.Seq)), enc.EncodeUint(uint64(o.Ack)), enc.Encode(msgpack.RawMessage(raw))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The appenders write exactly what the msgpack encoder writes, at every
// integer and string length boundary.
func TestAppendersMatchMsgpack(t *testing.T) {
	body := NewShared(map[string]any{"e": []int{1, 2, 3}})
	raw, _ := body.Encoded(Binary)
	for _, n := range []uint32{0, 1, 127, 128, 255, 256, 65535, 65536, 1<<32 - 1} {
		for _, l := range []int{0, 1, 31, 32, 255, 256, 65535, 65536} {
			o := &Out{Kind: KindSnapshot, Object: strings.Repeat("r", l), Seq: n, Ack: n / 2, Body: body}
			got, err := o.Encode(Binary)
			if err != nil {
				t.Fatal(err)
			}
			if want := reference(t, o, raw); !bytes.Equal(got, want) {
				t.Fatalf("seq %d, object of %d bytes: %x, want %x", n, l, got[:min(len(got), 16)], want[:min(len(want), 16)])
			}
			for _, o := range []*Out{o, {Kind: KindSnapshot, Object: o.Object, Seq: n, Ack: n / 2, Body: body}} {
				if size, err := o.BinaryLen(); err != nil || size != len(got) {
					t.Fatalf("seq %d, object of %d bytes: BinaryLen %d (%v), want %d", n, l, size, err, len(got))
				}
			}
			if _, err := DecodeBinary(got, len(got)); err != nil && l < 513 {
				t.Fatalf("seq %d, object of %d bytes: %v", n, l, err)
			}
		}
	}
}

// BenchmarkEncodeSharedEnvelope: one snapshot body shared by many
// clients, each frame with its own seq and ack: the appenders
// (…/append) against the msgpack encoder (…/encoder).
func BenchmarkEncodeSharedEnvelope(b *testing.B) {
	ents := make([][8]int64, 24)
	for i := range ents {
		ents[i] = [8]int64{int64(i), 1, 1600 + int64(i), 800, 40000, 32, -16, 3}
	}
	body := NewShared(map[string]any{"t": 1234, "b": 1200, "e": ents})
	raw, _ := body.Encoded(Binary)
	outs := make([]Out, 1024)
	for i := range outs {
		outs[i] = Out{Kind: KindSnapshot, Object: "room/arena-17", Seq: uint32(i), Ack: uint32(i / 2), Body: body}
	}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			if _, err := outs[i%len(outs)].encodeBinary(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoder", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			o := &outs[i%len(outs)]
			var buf bytes.Buffer
			buf.Grow(len(raw) + 32)
			enc := msgpack.GetEncoder()
			enc.Reset(&buf)
			enc.UseCompactInts(true)
			_ = firstErr(enc.EncodeArrayLen(5), enc.EncodeUint(uint64(o.Kind)), enc.EncodeString(o.Object),
				enc.EncodeUint(uint64(o.Seq)), enc.EncodeUint(uint64(o.Ack)), enc.Encode(msgpack.RawMessage(raw)))
			msgpack.PutEncoder(enc)
		}
	})
}

// BinaryLen counts what Encode(Binary) writes, for every kind of body.
func TestBinaryLenMatchesEncode(t *testing.T) {
	raw, _ := msgpack.Marshal([]int{1, 2, 3})
	for _, body := range []any{nil, Payload{}, Payload{Raw: raw, Format: Binary}, NewShared([]int{4, 5}),
		map[string]int{"a": 1}, Error{Code: "x", Message: "y"}} {
		want, err := (&Out{Kind: KindEvent, Object: "room/a", Seq: 300, Ack: 70000, Body: body}).Encode(Binary)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := (&Out{Kind: KindEvent, Object: "room/a", Seq: 300, Ack: 70000, Body: body}).BinaryLen(); err != nil || got != len(want) {
			t.Fatalf("%T: BinaryLen %d (%v), want %d", body, got, err, len(want))
		}
	}
}

// appender writes a fixed encoding of its own.
type appender struct{}

func (appender) AppendMsgpack(b []byte) ([]byte, error) { return append(b, 0x92, 0x01, 0x02), nil }

// A Shared body that appends its own msgpack is not handed to the encoder.
func TestSharedUsesMsgpackAppender(t *testing.T) {
	raw, err := NewShared(appender{}).Encoded(Binary)
	if err != nil || !bytes.Equal(raw, []byte{0x92, 0x01, 0x02}) {
		t.Fatalf("got %x (%v)", raw, err)
	}
}

// AppendBinary writes what Encode(Binary) does for pre-encoded bodies, and
// declines other bodies.
func TestAppendBinaryMatchesEncode(t *testing.T) {
	for _, body := range []any{nil, NewShared(map[string]int{"x": 1}), Payload{Format: Binary, Raw: []byte{0x01}}} {
		o := &Out{Kind: KindSnapshot, Object: "room/a", Seq: 70000, Ack: 3, Body: body}
		got, ok, err := o.AppendBinary([]byte{0xff})
		want, _ := (&Out{Kind: KindSnapshot, Object: "room/a", Seq: 70000, Ack: 3, Body: body}).Encode(Binary)
		if err != nil || !ok || !bytes.Equal(got, append([]byte{0xff}, want...)) {
			t.Fatalf("%T: %x %v %v, want %x", body, got, ok, err, want)
		}
	}
	if _, ok, _ := (&Out{Kind: KindEvent, Body: map[string]int{"x": 1}}).AppendBinary(nil); ok {
		t.Fatal("a Go value body was appended")
	}
}
