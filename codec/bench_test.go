package codec

import "testing"

// snapshotBody is a typical delta snapshot: 32 quantized entities.
type snapshotBody struct {
	Tick     uint32     `msgpack:"t"`
	Base     uint32     `msgpack:"b"`
	Entities [][4]int16 `msgpack:"e"`
}

func snapshotOut() *Out {
	body := snapshotBody{Tick: 1000, Base: 996, Entities: make([][4]int16, 32)}
	for i := range body.Entities {
		body.Entities[i] = [4]int16{int16(i), int16(i * 7), int16(-i * 3), int16(i * 11)}
	}
	return &Out{Kind: KindSnapshot, Object: "room/arena-1", Seq: 1000, Ack: 77, Body: body}
}

func inputOut() *Out {
	return &Out{Kind: KindInput, Object: "room/arena-1", Seq: 77, Ack: 1000, Body: []int8{1, -1, 0, 1}}
}

func BenchmarkEncodeSnapshot(b *testing.B) { benchEncode(b, snapshotOut) }
func BenchmarkEncodeInput(b *testing.B)    { benchEncode(b, inputOut) }
func BenchmarkDecodeSnapshot(b *testing.B) { benchDecode(b, snapshotOut) }
func BenchmarkDecodeInput(b *testing.B)    { benchDecode(b, inputOut) }

func benchEncode(b *testing.B, mk func() *Out) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mk().Encode(Binary); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, mk func() *Out) {
	raw, _ := mk().Encode(Binary)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := DecodeBinary(raw, 0)
		if err != nil {
			b.Fatal(err)
		}
		var body snapshotBody
		if f.Kind == KindSnapshot {
			if err := f.Payload.Decode(&body); err != nil {
				b.Fatal(err)
			}
		}
	}
}
