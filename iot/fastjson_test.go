package iot

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
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
	if !ok {
		return
	}
	slow, err := slowJSON(b)
	if err != nil {
		t.Fatalf("fast path accepted %q, encoding/json refused it: %v", b, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q: fast %#v, encoding/json %#v", b, fast, slow)
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
