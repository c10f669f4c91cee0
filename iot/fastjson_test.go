package iot

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"
)

// slowJSON is the encoding/json path fastJSON stands in for.
func slowJSON(b []byte) (wireReading, error) {
	var w wireReading
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	err := dec.Decode(&w)
	return w, err
}

var fastSeeds = []string{
	`{"ts": 1700000000250, "value": 21.5}`,
	`{"ts": "2023-11-14T22:13:20Z", "metrics": {"temp": 21.5, "rpm": 1200}, "seq": 7}`,
	` { "metrics" : { "a" : -0.5e-3 , "b":1E+2 } , "metrics": {"c": 0} }`,
	`{"value": 1, "seq": 18446744073709551615}`,
	`{"value": 01}`, `{"value": 1.}`, `{"value": "1"}`, `{"seq": 1.5, "value": 1}`, `{"Value": 2}`,
	`{"ts": "caf\u00e9", "value": 1}`, `{"value": 1} trailing`, `{}`, `{"metrics": {}}`, `{"value": 1,}`,
}

// fastJSON decodes what it accepts exactly as encoding/json does, and
// accepts the common shapes.
func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range fastSeeds {
		checkFast(t, []byte(s))
	}
	for _, s := range fastSeeds[:4] {
		if _, ok := fastJSON([]byte(s)); !ok {
			t.Errorf("fast path refused %s", s)
		}
	}
}

func checkFast(t *testing.T, b []byte) {
	fast, ok := fastJSON(b)
	checkAgree(t, b, fast, ok, slowJSON, "encoding/json")
}

// checkAgree fails unless the slow path decodes b as fast, when the fast
// path accepted it.
func checkAgree[T any](t *testing.T, b []byte, fast T, ok bool, slow func([]byte) (T, error), slowName string) {
	t.Helper()
	if !ok {
		return
	}
	want, err := slow(b)
	if err != nil {
		t.Fatalf("fast path accepted %q, %s refused it: %v", b, slowName, err)
	}
	if !reflect.DeepEqual(fast, want) {
		t.Fatalf("%q: fast %#v, %s %#v", b, fast, slowName, want)
	}
}

func FuzzFastJSON(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkFast)
}

func BenchmarkDecodeReadingJSON(b *testing.B) {
	payload := []byte(`{"ts": 1700000000250, "metrics": {"temp": 21.5, "rpm": 1200}, "seq": 7}`)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, ok := fastJSON(payload); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := slowJSON(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// fastReading decodes what it accepts exactly as the general path does,
// and accepts the common shapes.
func TestFastReadingMatchesGeneral(t *testing.T) {
	seeds := append(slices.Clone(fastSeeds),
		`{"ts": 1700000000250, "metrics": {"temp": 21.5, "rpm": 1200}}`,
		`{"metrics": {"b": 2, "a": 1, "c": 3}, "seq": 9}`,
		`{"metrics": {"a": 1, "a": 2}}`, `{"metrics": {"a.b": 1}}`, `{"value": 1, "metrics": {"a": 1}}`,
		`{"ts": -1, "value": 1}`, `{"ts": 100000000000001, "value": 1}`, `{"value": 1e999}`, `{"ts": 1, "ts": 2, "value": 1}`)
	for _, s := range seeds {
		checkFastReading(t, []byte(s))
	}
	for _, s := range []string{seeds[0], seeds[3], seeds[len(fastSeeds)], seeds[len(fastSeeds)+1]} {
		if _, ok := fastReading([]byte(s), time.Now()); !ok {
			t.Errorf("fast path refused %s", s)
		}
	}
}

// reused decodes every checked payload, one after another, as a group's
// Decoder does.
var reused Decoder

func checkFastReading(t *testing.T, b []byte) {
	now := time.Unix(1_700_000_000, 0)
	fast, ok := fastReading(b, now)
	checkAgree(t, b, fast, ok, func(b []byte) (Reading, error) { return decodeGeneral(b, now) }, "the general path")
	// A Decoder that decoded other readings before decodes this one as
	// DecodeReading does.
	want, wantErr := DecodeReading(b, now)
	got, err := reused.Decode(b, now)
	if (err == nil) != (wantErr == nil) || (err == nil && !reflect.DeepEqual(got, want)) {
		t.Fatalf("%q: Decoder gave %+v, %v; DecodeReading %+v, %v", b, got, err, want, wantErr)
	}
}

func FuzzFastReading(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"ts": 1700000000250, "metrics": {"temp": 21.5, "rpm": 1200}, "seq": 7}`))
	f.Fuzz(checkFastReading)
}

func BenchmarkDecodeReading(b *testing.B) {
	payload := []byte(`{"ts": 1700000000250, "metrics": {"temp": 21.5, "rpm": 1200}, "seq": 7}`)
	now := time.Now()
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, ok := fastReading(payload, now); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Run("decoder", func(b *testing.B) { // as a group decodes: buffers and names reused
		var d Decoder
		b.ReportAllocs()
		for range b.N {
			if _, err := d.Decode(payload, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("general", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := decodeGeneral(payload, now); err != nil {
				b.Fatal(err)
			}
		}
	})
}
