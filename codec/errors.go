package codec

import (
	"errors"
	"fmt"
)

// Decode failures. A *DecodeError wraps one of them and carries the
// protocol error code to send back.
var (
	ErrFrameTooLarge = errors.New("codec: frame too large")
	ErrMalformed     = errors.New("codec: malformed frame")
	ErrUnknownKind   = errors.New("codec: unknown frame kind")
)

// DecodeError is a frame that could not be decoded.
type DecodeError struct {
	Code string // the Code* to answer with
	Err  error  // wraps ErrFrameTooLarge, ErrMalformed or ErrUnknownKind
}

func (e *DecodeError) Error() string { return e.Err.Error() }
func (e *DecodeError) Unwrap() error { return e.Err }

func malformed(format string, args ...any) error {
	return &DecodeError{Code: CodeBadFrame, Err: fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)}
}

// Error codes carried by KindError frames. They are part of the protocol.
const (
	CodeBadFrame      = "bad_frame"       // undecodable frame; the connection stays open
	CodeFrameTooLarge = "frame_too_large" // over the frame limit; WebSocket closes with 1009
	CodeUnknownKind   = "unknown_kind"    // frame kind not in the protocol
	CodeProtocol      = "protocol"        // a frame out of order (e.g. join before hello)
	CodeUnknownObject = "unknown_object"  // no such kind, or an invalid object name
	CodeNotJoined     = "not_joined"      // a frame for an object this connection has not joined
	CodeRefused       = "refused"         // the object refused the join
	CodeUnauthorized  = "unauthorized"    // missing or bad token
	CodeTokenExpired  = "token_expired"   // token past its expiry
	CodeRateLimited   = "rate_limited"    // over the per-connection rate; see RetryAfterMs
	CodeOverloaded    = "overloaded"      // the object's mailbox is full; retry later
	CodeSlowConsumer  = "slow_consumer"   // the client did not read; the connection is closed
	CodeShuttingDown  = "shutting_down"   // the server is stopping
	CodeInternal      = "internal"        // a server fault
	CodeStorageFull   = "storage_full"    // the server cannot write (disk full or read-only, or the object's quota): writes refused, reads go on
)

// Error is the payload of a KindError frame.
type Error struct {
	Code         string `msgpack:"code" json:"code"`
	Message      string `msgpack:"message" json:"message"`
	RetryAfterMs int64  `msgpack:"retry_after_ms,omitempty" json:"retry_after_ms,omitempty"`
}
