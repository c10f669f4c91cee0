package session

import (
	"fmt"
	"unicode/utf8"
)

// MaxNameLen is the longest object name or kind, in bytes.
const MaxNameLen = 256

// ID addresses one object: its kind (the behavior registered with
// [Runtime.Register]) and its name within the kind.
type ID struct {
	Kind string
	Name string
}

// String returns "kind/name".
func (id ID) String() string { return id.Kind + "/" + id.Name }

// Validate reports whether id is well formed: kind and name non-empty, at
// most [MaxNameLen] bytes, valid UTF-8 and free of NUL bytes.
func (id ID) Validate() error {
	if err := validName(id.Kind); err != nil {
		return fmt.Errorf("%w: kind: %v", ErrInvalidID, err)
	}
	if err := validName(id.Name); err != nil {
		return fmt.Errorf("%w: name: %v", ErrInvalidID, err)
	}
	return nil
}

func validName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty")
	case len(s) > MaxNameLen:
		return fmt.Errorf("%d bytes, over %d", len(s), MaxNameLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("not valid UTF-8")
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return fmt.Errorf("contains NUL")
		}
	}
	return nil
}
