package codec

import (
	"bytes"
	"testing"
)

// A reset Shared encodes its new value exactly as a new Shared does, in
// both formats, and reuses its binary buffer when the value fits.
func TestSharedReset(t *testing.T) {
	s := NewShared(map[string]int{"x": 1, "yy": 2})
	if _, err := s.Encoded(Binary); err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{map[string]int{"z": 3}, []int{4, 5}, appender{}, nil} {
		old, _ := s.Encoded(Binary)
		s.Reset(v)
		for _, f := range []Format{Binary, JSON} {
			got, err := s.Encoded(f)
			want, werr := NewShared(v).Encoded(f)
			if err != nil || werr != nil || !bytes.Equal(got, want) {
				t.Fatalf("%v in format %d: %x (%v), want %x (%v)", v, f, got, err, want, werr)
			}
		}
		if got, _ := s.Encoded(Binary); len(got) <= cap(old) && &got[:1][0] != &old[:1][0] {
			t.Fatalf("%v: a new buffer for %d bytes, the old one holds %d", v, len(got), cap(old))
		}
	}
}

// Reset keeps the buffer across a reset whose value was never encoded in
// binary.
func TestSharedResetKeepsUnusedBuffer(t *testing.T) {
	s := NewShared([]int{1, 2, 3})
	old, _ := s.Encoded(Binary)
	s.Reset([]int{7})
	if _, err := s.Encoded(JSON); err != nil {
		t.Fatal(err)
	}
	s.Reset([]int{8})
	if got, _ := s.Encoded(Binary); &got[:1][0] != &old[:1][0] {
		t.Fatal("the buffer was lost by a reset without a binary encoding")
	}
}
