package session

import "time"

// Object is the behavior of one durable object. The runtime calls its
// methods from the single goroutine that owns the object, never
// concurrently.
type Object interface {
	// Load initializes in-memory state from storage. It runs after
	// activation (and after a reset) before any message is delivered. An
	// error fails the activation; the messages waiting for it are answered
	// with that error.
	Load(c *Context) error
	// Receive handles one message. Its result answers a [Runtime.Call]
	// (ignored for [Runtime.Send]); for a [Connected] message a non-nil
	// error refuses the connection. The result is released only once the
	// writes made while handling the message are committed.
	Receive(c *Context, m Message) (any, error)
}

// Hibernator is implemented by objects that save state before they are
// evicted for idleness or shutdown. Writes made in Hibernate are committed
// before the object is evicted.
type Hibernator interface {
	Hibernate(c *Context) error
}

// Factory builds the in-memory object for an ID. It must not do I/O; state
// is read in Load.
type Factory func(id ID) Object

// Kind registers a behavior with the runtime. Zero fields take the
// runtime's defaults.
type Kind struct {
	Name        string
	New         Factory
	IdleTimeout time.Duration // hibernate after this long without work; <0 never
	MailboxSize int           // messages waiting at most
}

// ConnID identifies a client connection; transports assign them, unique
// within the process.
type ConnID uint64

// Message is what an object receives. From is the connection the message
// came from (zero for calls from inside the process).
type Message struct {
	From ConnID
	Body any
}

// System message bodies delivered by the runtime.
type (
	// Connected asks the object to accept connection From. Hello is what
	// the transport passed to [Runtime.Attach]. The connection is attached
	// while Receive runs (so it can be sent to); a non-nil error detaches it.
	Connected struct{ Hello any }
	// Disconnected tells the object connection From has gone. It is
	// already detached.
	Disconnected struct{}
	// AlarmFired delivers the alarm Name. Attempt counts earlier failed
	// deliveries; an error (or panic) from Receive schedules a retry with
	// backoff. The alarm is deleted together with the handler's writes.
	AlarmFired struct {
		Name    string
		Due     time.Time
		Attempt int
	}
	// Wake is delivered when the deadline set with [Context.WakeAt] passes.
	Wake struct{ Now time.Time }
)
