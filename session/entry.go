package session

import (
	"fmt"
	"sync"
)

// entry is an object as the runtime's map holds it. A hibernated object is
// only its entry: its attached connections and no goroutine. An active one
// also has an instance, owned by its goroutine.
type entry struct {
	id   ID
	kind *kindInfo
	rt   *Runtime
	wake chan struct{} // capacity 1: "look at the mailbox"

	mu     sync.Mutex
	active bool // a goroutine owns the object
	mbox   mailbox
	conns  map[ConnID]*attachment
}

// attachment is a connection attached to an object, kept in the entry so it
// survives hibernation.
type attachment struct {
	conn Conn
	data []byte
}

func newEntry(rt *Runtime, k *kindInfo, id ID) *entry {
	return &entry{id: id, kind: k, rt: rt, wake: make(chan struct{}, 1)}
}

// push queues env for the object and activates it if it hibernates. Only
// runtime-generated envelopes that must not be lost use force, which
// ignores the mailbox bound.
func (e *entry) push(env envelope, force bool) error {
	if e.rt.closed.Load() {
		return ErrClosed
	}
	e.mu.Lock()
	if !e.active && !force && e.rt.overActive() {
		e.mu.Unlock()
		return fmt.Errorf("%w (%d)", ErrTooManyObjects, e.rt.cfg.MaxActive)
	}
	if !e.mbox.putLocked(env, e.kind.mailboxSize, force) {
		e.mu.Unlock()
		e.rt.cfg.Observer.MailboxFull(e.id.Kind)
		return ErrMailboxFull
	}
	start := !e.active
	e.active = true
	e.mu.Unlock()
	if start {
		e.rt.startObject(e)
		return nil
	}
	e.signal()
	return nil
}

// signal wakes the object's goroutine without blocking.
func (e *entry) signal() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// take returns everything queued for the object.
func (e *entry) take() []envelope {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mbox.takeLocked()
}

func (e *entry) recycle(q []envelope) {
	e.mu.Lock()
	e.mbox.recycleLocked(q)
	e.mu.Unlock()
}

// tryEvict marks the object hibernated if nothing is queued for it. The
// caller's goroutine must exit when it returns true.
func (e *entry) tryEvict() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.mbox.queue) > 0 {
		return false
	}
	e.active = false
	e.mbox.releaseLocked()
	return true
}

// attach records c as attached.
func (e *entry) attach(cid ConnID, c Conn) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.conns == nil {
		e.conns = make(map[ConnID]*attachment)
	}
	e.conns[cid] = &attachment{conn: c}
}

// detach removes cid and reports whether it was attached.
func (e *entry) detach(cid ConnID) (Conn, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.conns[cid]
	if !ok {
		return nil, false
	}
	delete(e.conns, cid)
	return a.conn, true
}

// connCount is the number of attached connections.
func (e *entry) connCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.conns)
}

func (e *entry) attached(cid ConnID) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.conns[cid]
	return ok
}

// conn returns attached connection cid, or nil.
func (e *entry) conn(cid ConnID) Conn {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a, ok := e.conns[cid]; ok {
		return a.conn
	}
	return nil
}

// connsOf appends to buf the connection each output is for, nil where it
// is not attached.
func (e *entry) connsOf(outs []output, buf []Conn) []Conn {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range outs {
		var c Conn
		if a, ok := e.conns[outs[i].to]; ok {
			c = a.conn
		}
		buf = append(buf, c)
	}
	return buf
}

// connsExcept appends every attached connection but except to buf.
func (e *entry) connsExcept(buf []Conn, except ConnID) []Conn {
	e.mu.Lock()
	defer e.mu.Unlock()
	for id, a := range e.conns {
		if id != except {
			buf = append(buf, a.conn)
		}
	}
	return buf
}

// infos lists the attached connections.
func (e *entry) infos() []ConnInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]ConnInfo, 0, len(e.conns))
	for id, a := range e.conns {
		out = append(out, ConnInfo{ID: id, Attachment: a.data})
	}
	return out
}

// setAttachment stores data with connection cid.
func (e *entry) setAttachment(cid ConnID, data []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.conns[cid]
	if !ok {
		return ErrNotAttached
	}
	a.data = data
	return nil
}

// closeConns closes every attached connection, for shutdown.
func (e *entry) closeConns(reason error) {
	e.mu.Lock()
	conns := e.conns
	e.conns = nil
	e.mu.Unlock()
	for _, a := range conns {
		a.conn.Close(reason)
	}
}
