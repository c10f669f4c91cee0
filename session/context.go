package session

import (
	"fmt"
	"time"
)

// Context is an object's handle on the runtime while it handles a message
// or loads: its identity, storage, alarms, wake-up, connections and
// output. It is valid only on the object's goroutine.
type Context struct {
	in *instance
}

// ID returns the object's address.
func (c *Context) ID() ID { return c.in.e.id }

// Epoch returns the ownership epoch the object runs under.
func (c *Context) Epoch() uint64 { return c.in.rt.cfg.Epoch }

// Storage returns the object's private durable storage.
func (c *Context) Storage() Storage { return Storage{c.in} }

// WakeAt asks for one [Wake] message at t, replacing any earlier request;
// the zero time cancels it. An object with a pending wake-up does not
// hibernate.
func (c *Context) WakeAt(t time.Time) {
	c.in.wakeAt = t
	if !t.IsZero() && (c.in.armed.IsZero() || t.Before(c.in.armed)) {
		c.in.armed = t
		c.in.timer.Reset(time.Until(t))
	}
}

// SetAlarm sets the persisted alarm name to fire at t, replacing its
// earlier time. It takes effect when the current message's writes commit.
func (c *Context) SetAlarm(name string, t time.Time) error {
	if err := validAlarmName(name); err != nil {
		return err
	}
	c.in.accum.alarms = append(c.in.accum.alarms, AlarmWrite{Name: name, At: t})
	return nil
}

// DeleteAlarm removes the alarm name, if set, when the current message's
// writes commit.
func (c *Context) DeleteAlarm(name string) {
	c.in.accum.alarms = append(c.in.accum.alarms, AlarmWrite{Name: name, Delete: true})
}

// Send queues msg for attached connection to, released with the current
// message's output.
func (c *Context) Send(to ConnID, msg any) {
	c.in.accum.outputs = append(c.in.accum.outputs, output{to: to, msg: msg})
}

// Broadcast queues msg for every attached connection except except (zero
// for none), released with the current message's output. The recipients
// are those attached at release.
func (c *Context) Broadcast(msg any, except ConnID) {
	c.in.accum.outputs = append(c.in.accum.outputs, output{except: except, msg: msg})
}

// Disconnect detaches connection cid and closes it with reason once the
// current message's output is released.
func (c *Context) Disconnect(cid ConnID, reason error) {
	if reason == nil {
		reason = fmt.Errorf("session: disconnected by %s", c.in.e.id)
	}
	c.in.accum.outputs = append(c.in.accum.outputs, output{to: cid, close: reason})
}

// Conns lists the attached connections with their attachments.
func (c *Context) Conns() []ConnInfo { return c.in.e.infos() }

// SetAttachment keeps data with connection cid across hibernation, for
// example the player it belongs to. Keep it small.
func (c *Context) SetAttachment(cid ConnID, data []byte) error {
	return c.in.e.setAttachment(cid, data)
}

// AfterCommit runs fn, on the object's goroutine, once the writes made so
// far (by this message and those before it) are committed — the output
// gate for effects that are not messages, such as acknowledging input to
// a durable queue. If the commit fails, fn is dropped with the rest of the
// held output. fn must be quick and must not block.
//
// Output is released in the order it was queued: when fn runs, every
// message sent before it has been handed to its connections, which are
// done with it (see [Conn]), so fn may hand those messages back to the
// object for reuse.
func (c *Context) AfterCommit(fn func()) {
	c.in.accum.outputs = append(c.in.accum.outputs, output{after: fn})
}
