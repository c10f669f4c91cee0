package loadtest

import (
	"context"
	"errors"
	"maps"
	"sync"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/transport/client"
)

// Errors counts failures by code: the server's error codes, plus a few
// of the harness's own ("dial", "join", "closed", …).
type Errors struct {
	mu     sync.Mutex
	counts map[string]int
}

// Add counts one failure of code.
func (e *Errors) Add(code string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.counts == nil {
		e.counts = map[string]int{}
	}
	e.counts[code]++
}

// AddErr counts err under the server's code when it is a server error,
// else under fallback. A cancelled context is not a failure.
func (e *Errors) AddErr(err error, fallback string) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	var se *client.Error
	if errors.As(err, &se) {
		e.Add(se.Code)
		return
	}
	if errors.Is(err, context.DeadlineExceeded) {
		fallback += "_timeout"
	}
	e.Add(fallback)
}

// AddFrame counts an error frame by its code.
func (e *Errors) AddFrame(f codec.Frame) {
	var body codec.Error
	if err := f.Payload.Decode(&body); err != nil || body.Code == "" {
		e.Add("bad_error_frame")
		return
	}
	e.Add(body.Code)
}

// Snapshot returns a copy of the counts.
func (e *Errors) Snapshot() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := maps.Clone(e.counts)
	if out == nil {
		out = map[string]int{}
	}
	return out
}
