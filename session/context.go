package session

import "time"

// Context is an object's handle on the runtime while it handles a message:
// its identity, its storage, its alarms, its connections and its output.
// It is valid only on the object's goroutine.
type Context struct {
	e *entry
}

// ID returns the object's address.
func (c *Context) ID() ID { return c.e.id }

// Epoch returns the ownership epoch the object runs under.
func (c *Context) Epoch() uint64 { return 0 }

// WakeAt asks for a [Wake] message at t, replacing any earlier request; the
// zero time cancels it. An object with a pending wake-up does not hibernate.
func (c *Context) WakeAt(t time.Time) {}

type entry struct {
	id ID
}
