package codec

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func TestDecodeErrorsAreTyped(t *testing.T) {
	big := bytes.Repeat([]byte{0x90}, DefaultMaxFrame+1)
	unknown, _ := hex.DecodeString("9563a00000c0") // kind 99
	trailing, _ := hex.DecodeString("950ba00900c0ff")
	short, _ := hex.DecodeString("930ba009")
	cases := []struct {
		name string
		json bool
		in   []byte
		code string
		err  error
	}{
		{"too large", false, big, CodeFrameTooLarge, ErrFrameTooLarge},
		{"empty", false, nil, CodeBadFrame, ErrMalformed},
		{"not an array", false, []byte{0xa1, 'x'}, CodeBadFrame, ErrMalformed},
		{"short array", false, short, CodeBadFrame, ErrMalformed},
		{"unknown kind", false, unknown, CodeUnknownKind, ErrUnknownKind},
		{"trailing bytes", false, trailing, CodeBadFrame, ErrMalformed},
		{"truncated", false, trailing[:4], CodeBadFrame, ErrMalformed},
		{"json too large", true, append([]byte(`{"kind":"ping","payload":"`), bytes.Repeat([]byte("x"), DefaultMaxFrame)...), CodeFrameTooLarge, ErrFrameTooLarge},
		{"json not json", true, []byte("{kind"), CodeBadFrame, ErrMalformed},
		{"json unknown field", true, []byte(`{"kind":"ping","extra":1}`), CodeBadFrame, ErrMalformed},
		{"json unknown kind", true, []byte(`{"kind":"teleport"}`), CodeUnknownKind, ErrUnknownKind},
		{"json two values", true, []byte(`{"kind":"ping"}{"kind":"ping"}`), CodeBadFrame, ErrMalformed},
		{"json negative seq", true, []byte(`{"kind":"ping","seq":-1}`), CodeBadFrame, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.json {
				_, err = DecodeJSON(c.in, 0)
			} else {
				_, err = DecodeBinary(c.in, 0)
			}
			var de *DecodeError
			if !errors.As(err, &de) || de.Code != c.code || !errors.Is(err, c.err) {
				t.Fatalf("err = %v, want code %s wrapping %v", err, c.code, c.err)
			}
		})
	}
}

func TestFrameLimitIsConfigurable(t *testing.T) {
	f, _ := (&Out{Kind: KindEvent, Object: "room/a", Body: bytes.Repeat([]byte("x"), 100)}).Encode(Binary)
	if _, err := DecodeBinary(f, 64); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("64-byte limit: %v", err)
	}
	if _, err := DecodeBinary(f, 1024); err != nil {
		t.Fatalf("1 KiB limit: %v", err)
	}
}

func TestJoinRoundTrip(t *testing.T) {
	for _, format := range []Format{Binary, JSON} {
		raw, err := (&Out{Kind: KindJoin, Object: "room/a", Body: JoinRequest{Token: "tok", Data: map[string]any{"team": "red"}}}).Encode(format)
		if err != nil {
			t.Fatal(err)
		}
		var f Frame
		if format == JSON {
			f, err = DecodeJSON(raw, 0)
		} else {
			f, err = DecodeBinary(raw, 0)
		}
		if err != nil {
			t.Fatal(err)
		}
		j, err := DecodeJoin(f.Payload)
		if err != nil {
			t.Fatal(err)
		}
		var data struct {
			Team string `msgpack:"team" json:"team"`
		}
		if err := j.Data.Decode(&data); err != nil || j.Token != "tok" || data.Team != "red" {
			t.Fatalf("format %d: join %+v data %+v err %v", format, j, data, err)
		}
	}
}

func FuzzDecodeBinary(f *testing.F) {
	for _, v := range vectors() {
		b, _ := v.out().Encode(Binary)
		f.Add(b)
	}
	f.Add([]byte{0x95, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeBinary(b, 0)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// Whatever decodes re-encodes and decodes to the same envelope.
		again, err := (&Out{Kind: fr.Kind, Object: fr.Object, Seq: fr.Seq, Ack: fr.Ack, Body: fr.Payload}).Encode(Binary)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		fr2, err := DecodeBinary(again, len(again))
		if err != nil || fr2.Kind != fr.Kind || fr2.Object != fr.Object || fr2.Seq != fr.Seq || fr2.Ack != fr.Ack {
			t.Fatalf("round trip: %+v vs %+v (%v)", fr, fr2, err)
		}
		_, _ = DecodeJoin(fr.Payload)
		_, _ = DecodeSubscribe(fr.Payload)
		var typed [][2]float64
		_ = fr.Payload.Decode(&typed)
	})
}

func FuzzDecodeJSON(f *testing.F) {
	for _, v := range vectors() {
		b, _ := v.out().Encode(JSON)
		f.Add(b)
	}
	f.Add([]byte(`{"kind":"join","payload":{"token":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := DecodeJSON(b, 0)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		var v any
		_ = fr.Payload.Decode(&v)
		_, _ = DecodeJoin(fr.Payload)
		_, _ = DecodeSubscribe(fr.Payload)
	})
}

// A payload whose array header claims billions of elements is refused
// without allocating them.
func TestPayloadDecodeRefusesLyingLengths(t *testing.T) {
	for _, raw := range [][]byte{
		[]byte("\xdd\xc5\x82\x13s\xd3\x1a"), // array32 of 3.3e9 elements, 2 bytes of data
		[]byte("\xdf\xff\xff\xff\xff\x01"),  // map32 of 4e9 entries
		[]byte("\xdb\xff\xff\xff\xffab"),    // str32 of 4 GiB
	} {
		var v [][2]float64
		if err := (Payload{Raw: raw, Format: Binary}).Decode(&v); !errors.Is(err, ErrMalformed) {
			t.Errorf("%x: %v, want ErrMalformed", raw, err)
		}
	}
}

// A shared body encodes like the plain value, in both formats.
func TestSharedBodyEncodesLikeItsValue(t *testing.T) {
	v := map[string]any{"e": []int{1, 2, 3}}
	for _, f := range []Format{Binary, JSON} {
		plain, _ := (&Out{Kind: KindSnapshot, Object: "room/a", Seq: 2, Body: v}).Encode(f)
		shared, _ := (&Out{Kind: KindSnapshot, Object: "room/a", Seq: 2, Body: NewShared(v)}).Encode(f)
		if !bytes.Equal(plain, shared) {
			t.Errorf("format %d: shared %q, plain %q", f, shared, plain)
		}
	}
}
