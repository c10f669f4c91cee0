package session

import (
	"context"
	"errors"
)

// Runtime hosts objects. Create one with [New]; it runs until [Runtime.Shutdown].
type Runtime struct {
	cfg Config
}

// New starts a runtime over cfg.Store: it starts the group committer and
// re-arms every persisted alarm.
func New(cfg Config) (*Runtime, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Runtime{cfg: cfg}, errors.New("session: not implemented yet")
}

// Register adds a kind of object. Register all kinds before traffic.
func (r *Runtime) Register(k Kind) error { return errors.New("TODO") }

// Send delivers body to object id without waiting; the object is activated
// if needed. It fails at once with ErrMailboxFull when the mailbox is full.
func (r *Runtime) Send(id ID, body any) error { return errors.New("TODO") }

// Call delivers body to object id and waits for its reply, released after
// the writes made while handling it are committed.
func (r *Runtime) Call(ctx context.Context, id ID, body any) (any, error) {
	return nil, errors.New("TODO")
}

// Attach asks object id to accept connection cid (a [Connected] message
// carrying hello) and, if it does, keeps c attached to the object, across
// hibernation, until [Runtime.Detach]. It returns the object's reply.
func (r *Runtime) Attach(ctx context.Context, id ID, cid ConnID, c Conn, hello any) (any, error) {
	return nil, errors.New("TODO")
}

// Deliver hands a message from attached connection cid to object id without
// waiting, waking the object if it hibernates.
func (r *Runtime) Deliver(id ID, cid ConnID, body any) error { return errors.New("TODO") }

// Detach removes connection cid from object id and tells the object with a
// [Disconnected] message.
func (r *Runtime) Detach(id ID, cid ConnID) {}

// List returns the names of the objects of kind known to the runtime or its
// store, hibernated ones included, in ascending order.
func (r *Runtime) List(kind string) ([]string, error) { return nil, errors.New("TODO") }

// Stats counts active and hibernated objects per registered kind.
func (r *Runtime) Stats() []KindStats { return nil }

// Shutdown stops intake, lets every object drain its mailbox and commit,
// closes attached connections and stops the committer. It returns early
// with ctx's error if ctx ends first.
func (r *Runtime) Shutdown(ctx context.Context) error { return errors.New("TODO") }
