package session

import "errors"

// Errors returned by the runtime and its stores. Callers match them with
// errors.Is; the runtime wraps them with detail.
var (
	ErrUnknownKind    = errors.New("session: unknown kind")
	ErrInvalidID      = errors.New("session: invalid object id")
	ErrInvalidKey     = errors.New("session: invalid storage key")
	ErrMailboxFull    = errors.New("session: mailbox full")
	ErrClosed         = errors.New("session: runtime closed")
	ErrNotFound       = errors.New("session: key not found")
	ErrValueTooLarge  = errors.New("session: value too large")
	ErrStaleEpoch     = errors.New("session: stale ownership epoch")
	ErrObjectPanicked = errors.New("session: object panicked")
	ErrObjectReset    = errors.New("session: object reset before its output was released")
	ErrNotAttached    = errors.New("session: connection not attached")
	ErrCommitFailed   = errors.New("session: commit failed")
	ErrTooManyAlarms  = errors.New("session: too many alarms")
	// ErrStorageFull: the store refuses writes until space is freed;
	// reads go on.
	ErrStorageFull = errors.New("session: storage full")
	// ErrStorageReadOnly: the data directory became read-only; writes are
	// refused until it is writable again, reads go on.
	ErrStorageReadOnly = errors.New("session: storage read-only")
	// ErrTooManyObjects refuses activating an object beyond
	// Config.MaxActive.
	ErrTooManyObjects = errors.New("session: too many active objects")
	// ErrObjectStorageFull refuses a Put beyond Config.MaxObjectBytes.
	ErrObjectStorageFull = errors.New("session: object storage limit reached")
	// ErrObjectFull refuses a connection beyond Config.MaxConnsPerObject.
	ErrObjectFull = errors.New("session: too many connections to this object")
)
