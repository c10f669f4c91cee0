package session

import "context"

// Ref is a handle on one object, from [Runtime.Ref]. It stays valid for
// the runtime's life, across hibernation.
type Ref struct {
	e *entry
}

// ID returns the object's address.
func (r Ref) ID() ID { return r.e.id }

// Send delivers body without waiting; see [Runtime.Send].
func (r Ref) Send(body any) error {
	return r.e.push(envelope{msg: Message{Body: body}}, false)
}

// Call delivers body and waits for the reply; see [Runtime.Call].
func (r Ref) Call(ctx context.Context, body any) (any, error) {
	return call(ctx, r.e, envelope{msg: Message{Body: body}})
}

// Deliver hands a message from attached connection cid to the object; see
// [Runtime.Deliver].
func (r Ref) Deliver(cid ConnID, body any) error {
	if !r.e.attached(cid) {
		return ErrNotAttached
	}
	return r.e.push(envelope{msg: Message{From: cid, Body: body}}, false)
}

// call pushes env with a reply channel and waits for the answer or ctx.
func call(ctx context.Context, e *entry, env envelope) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ch := make(chan result, 1)
	env.reply = ch
	if err := e.push(env, false); err != nil {
		return nil, err
	}
	select {
	case res := <-ch:
		return res.val, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Self returns a Ref to the object itself, for schedulers outside the
// runtime that send it messages later.
func (c *Context) Self() Ref { return Ref{c.in.e} }
