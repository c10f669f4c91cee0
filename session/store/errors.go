package store

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/hearth-server/hearth/session"
)

// wrap prefixes a badger error with the operation and maps badger's
// closed-database error onto session.ErrClosed. It returns nil for nil.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, badger.ErrDBClosed):
		return fmt.Errorf("store: %s: %w", op, session.ErrClosed)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
