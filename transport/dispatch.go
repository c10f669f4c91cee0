package transport

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
)

// joinTimeout bounds how long a join waits for the object's answer.
const joinTimeout = 5 * time.Second

// handle processes one frame read from c. It reports false when the
// connection must close.
func (h *Hub) handle(c *conn, data []byte) bool {
	if !c.limiter.Allow() {
		h.stats.rateLimited.Add(1)
		c.sendError("", codec.CodeRateLimited, "over the connection's frame rate", c.retryAfterMs())
		return true
	}
	f, err := h.decode(c, data)
	if err != nil {
		h.stats.decodeErrors.Add(1)
		var de *codec.DecodeError
		errors.As(err, &de)
		if de.Code == codec.CodeFrameTooLarge {
			c.closeWith(de.Code, err.Error())
			return false
		}
		c.sendError("", de.Code, err.Error(), 0)
		return true
	}
	if !c.greeted {
		return h.greet(c, f)
	}
	h.dispatch(c, f)
	return true
}

func (h *Hub) decode(c *conn, data []byte) (codec.Frame, error) {
	if c.format == codec.JSON {
		return codec.DecodeJSON(data, h.cfg.MaxFrame)
	}
	return codec.DecodeBinary(data, h.cfg.MaxFrame)
}

// greet answers the hello that must open every connection.
func (h *Hub) greet(c *conn, f codec.Frame) bool {
	var hello codec.Hello
	if f.Kind != codec.KindHello {
		c.closeWith(codec.CodeProtocol, "the first frame must be hello, got "+f.Kind.String())
		return false
	}
	if err := f.Payload.Decode(&hello); err != nil || hello.Version != codec.ProtocolVersion {
		c.closeWith(codec.CodeProtocol, fmt.Sprintf("unsupported protocol version %d (want %d)", hello.Version, codec.ProtocolVersion))
		return false
	}
	c.greeted = true
	dc, ok := c.link.(datagramCapable)
	datagrams := ok && dc.datagrams()
	_ = c.Send(&codec.Out{Kind: codec.KindWelcome, Body: codec.Welcome{
		Conn: uint64(c.id), Server: "hearth", MaxFrame: h.cfg.MaxFrame, Datagrams: datagrams}})
	return true
}

// datagramCapable marks links that carry unreliable frames as datagrams.
type datagramCapable interface{ datagrams() bool }

func (h *Hub) dispatch(c *conn, f codec.Frame) {
	switch f.Kind {
	case codec.KindJoin:
		h.join(c, f)
	case codec.KindLeave:
		h.leave(c, f)
	case codec.KindEvent, codec.KindInput:
		h.deliver(c, f)
	case codec.KindSubscribe:
		h.subscribe(c, f)
	case codec.KindUnsubscribe:
		h.topics.unsubscribe(c, f.Object)
	case codec.KindPing:
		_ = c.Send(&codec.Out{Kind: codec.KindPong, Seq: f.Seq})
	case codec.KindPong:
	default:
		c.sendError(f.Object, codec.CodeProtocol, f.Kind.String()+" frames go from server to client", 0)
	}
}

// parseObject turns "kind/name" into an ID.
func parseObject(s string) (session.ID, error) {
	kind, name, ok := strings.Cut(s, "/")
	id := session.ID{Kind: kind, Name: name}
	if !ok {
		return id, fmt.Errorf("%w: %q is not kind/name", session.ErrInvalidID, s)
	}
	return id, id.Validate()
}

func (h *Hub) join(c *conn, f codec.Frame) {
	id, err := parseObject(f.Object)
	if err != nil {
		c.sendError(f.Object, codec.CodeUnknownObject, err.Error(), 0)
		return
	}
	req, err := codec.DecodeJoin(f.Payload)
	if err != nil {
		c.sendError(f.Object, codec.CodeBadFrame, err.Error(), 0)
		return
	}
	info, code, err := h.authorize(req.Token, f.Object)
	if err != nil {
		c.sendError(f.Object, code, err.Error(), 0)
		return
	}
	info.Data = req.Data
	ctx, cancel := context.WithTimeout(context.Background(), joinTimeout)
	defer cancel()
	reply, err := h.rt.Attach(ctx, id, c.id, c, info)
	if err != nil {
		h.countRefusal(err)
		c.sendError(f.Object, codeFor(err), err.Error(), 0)
		return
	}
	ref, _ := h.rt.Ref(id)
	c.mu.Lock()
	c.joined[f.Object] = ref
	c.mu.Unlock()
	_ = c.Send(&codec.Out{Kind: codec.KindJoined, Object: f.Object, Body: reply})
}

// authorize checks a join token when auth is on.
func (h *Hub) authorize(token, object string) (codec.JoinInfo, string, error) {
	if h.cfg.Auth == nil {
		return codec.JoinInfo{Role: RolePlayer}, "", nil
	}
	claims, err := h.cfg.Auth.Check(token, object)
	switch {
	case errors.Is(err, ErrTokenExpired):
		return codec.JoinInfo{}, codec.CodeTokenExpired, err
	case err != nil:
		return codec.JoinInfo{}, codec.CodeUnauthorized, err
	}
	return codec.JoinInfo{Player: claims.Subject, Role: claims.Role}, "", nil
}

func (h *Hub) leave(c *conn, f codec.Frame) {
	c.mu.Lock()
	ref, ok := c.joined[f.Object]
	delete(c.joined, f.Object)
	c.mu.Unlock()
	if !ok {
		c.sendError(f.Object, codec.CodeNotJoined, "not joined", 0)
		return
	}
	h.rt.Detach(ref.ID(), c.id)
	_ = c.Send(&codec.Out{Kind: codec.KindLeft, Object: f.Object})
}

// deliver hands an event or input to a joined object.
func (h *Hub) deliver(c *conn, f codec.Frame) {
	c.mu.Lock()
	ref, ok := c.joined[f.Object]
	c.mu.Unlock()
	if !ok {
		c.sendError(f.Object, codec.CodeNotJoined, "join the object first", 0)
		return
	}
	if !h.objectAllows(f.Object) {
		c.sendError(f.Object, codec.CodeRateLimited, "over the object's frame rate", int64(1000/max(1, int(h.cfg.ObjectRate))))
		return
	}
	if err := ref.Deliver(c.id, f); err != nil {
		h.countRefusal(err)
		if f.Kind.Unreliable() && errors.Is(err, session.ErrMailboxFull) {
			return // an input lost to overload is what unreliable means
		}
		c.sendError(f.Object, codeFor(err), err.Error(), 0)
	}
}

// codeFor maps runtime errors onto protocol codes.
func codeFor(err error) string {
	switch {
	case errors.Is(err, session.ErrUnknownKind), errors.Is(err, session.ErrInvalidID):
		return codec.CodeUnknownObject
	case errors.Is(err, session.ErrMailboxFull), errors.Is(err, session.ErrTooManyObjects):
		return codec.CodeOverloaded
	case errors.Is(err, session.ErrNotAttached):
		return codec.CodeNotJoined
	case errors.Is(err, session.ErrClosed):
		return codec.CodeShuttingDown
	case errors.Is(err, context.DeadlineExceeded):
		return codec.CodeOverloaded
	case errors.Is(err, session.ErrStorageFull), errors.Is(err, session.ErrObjectStorageFull), errors.Is(err, session.ErrStorageReadOnly):
		return codec.CodeStorageFull
	case errors.Is(err, session.ErrObjectPanicked), errors.Is(err, session.ErrCommitFailed):
		return codec.CodeInternal
	}
	return codec.CodeRefused
}
