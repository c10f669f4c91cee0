package transport

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
)

// conn is one client connection, whatever its transport. It implements
// session.Conn: objects send to it without blocking; one writer goroutine
// drains its bounded queue into the link.
type conn struct {
	hub     *Hub
	id      session.ConnID
	link    link
	format  codec.Format
	ctx     context.Context // ends when the connection closes
	cancel  context.CancelFunc
	limiter *rate.Limiter
	greeted bool // hello received; reader goroutine only

	mu     sync.Mutex
	joined map[string]session.Ref // object address → ref

	lmu    sync.Mutex
	latest map[latestKey]frame // newest unreliable frame per object or topic, not yet written
	queue  []frame             // reliable frames waiting for the writer, oldest first; at most hub.cfg.SendQueue

	writing   atomic.Bool // a writer goroutine runs
	closeOnce sync.Once
	closing   atomic.Bool
	closeCode string // set before ctx is canceled
	closeMsg  string
}

var _ session.Conn = (*conn)(nil)

func newConn(h *Hub, l link, format codec.Format) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{
		ctx: ctx, cancel: cancel,
		hub: h, link: l, format: format,
		id:      session.ConnID(h.nextID.Add(1)),
		limiter: h.newLimiter(),
		joined:  make(map[string]session.Ref),
	}
	return c
}

// Send implements session.Conn: msg must be a *codec.Out. It never blocks.
// Reliable frames queue in order; one the full queue cannot take closes
// the connection, whose client has stopped reading. Unreliable frames are
// coalesced per object: a newer snapshot replaces one not yet written, so
// a slow client gets the newest state, never a backlog.
func (c *conn) Send(msg any) error {
	out, ok := msg.(*codec.Out)
	if !ok {
		return fmt.Errorf("transport: cannot send %T, want *codec.Out", msg)
	}
	b, err := encodeFrame(out, c.format)
	if err != nil {
		return err
	}
	if out.Kind.Unreliable() {
		c.coalesce(latestKey{topic: out.Kind == codec.KindUpdate, name: out.Object}, b)
		return nil
	}
	return c.enqueue(b)
}

// latestKey names what an unreliable frame is about: an object, or a
// live-stream topic (topics and objects never replace each other's frames).
type latestKey struct {
	topic bool
	name  string
}

// coalesce keeps frame as the newest unreliable frame for key.
func (c *conn) coalesce(key latestKey, f frame) {
	if c.closing.Load() {
		f.release()
		return
	}
	c.lmu.Lock()
	if c.latest == nil {
		c.latest = make(map[latestKey]frame, 1)
	}
	if old, replaced := c.latest[key]; replaced {
		c.hub.stats.dropped.Add(1)
		old.release()
	}
	c.latest[key] = f
	c.lmu.Unlock()
	c.kick()
}

// takeLatest removes and returns one waiting unreliable frame, or one
// with a nil b.
func (c *conn) takeLatest() frame {
	c.lmu.Lock()
	defer c.lmu.Unlock()
	for key, f := range c.latest {
		delete(c.latest, key)
		return f
	}
	return frame{}
}

// pending reports whether any frame waits for the writer.
func (c *conn) pending() bool {
	c.lmu.Lock()
	defer c.lmu.Unlock()
	return len(c.queue) > 0 || len(c.latest) > 0
}

// enqueue queues a reliable frame for the writer. A client whose queue is
// full has stopped reading: it is disconnected.
func (c *conn) enqueue(f frame) error {
	if c.closing.Load() {
		f.release()
		return errClosed
	}
	if !c.push(f) {
		f.release()
		c.hub.stats.slowClosed.Add(1)
		c.closeWith(codec.CodeSlowConsumer, "send queue full")
		return errSlow
	}
	c.kick()
	return nil
}

// push appends frame to the reliable queue unless it is full. The queue
// grows only as frames wait, so an idle connection holds no buffer.
func (c *conn) push(f frame) bool {
	c.lmu.Lock()
	defer c.lmu.Unlock()
	if len(c.queue) >= c.hub.cfg.SendQueue {
		return false
	}
	c.queue = append(c.queue, f)
	return true
}

// pop removes and returns the oldest reliable frame, or one with a nil b.
func (c *conn) pop() frame {
	c.lmu.Lock()
	defer c.lmu.Unlock()
	if len(c.queue) == 0 {
		return frame{}
	}
	f := c.queue[0]
	c.queue[0] = frame{}
	c.queue = c.queue[1:]
	if len(c.queue) == 0 {
		c.queue = nil // the backing array goes with the burst that needed it
	}
	return f
}

var (
	errClosed = errors.New("transport: connection closed")
	errSlow   = errors.New("transport: client not reading; disconnected")
)

// Close implements session.Conn.
func (c *conn) Close(reason error) {
	code := codec.CodeShuttingDown
	if !errors.Is(reason, session.ErrClosed) {
		code = codec.CodeRefused
	}
	c.closeWith(code, reason.Error())
}

// kick makes sure a writer goroutine runs. Idle connections have none:
// the writer starts with the first queued frame and exits when the queue
// is empty, which keeps an idle connection's memory small.
func (c *conn) kick() {
	if c.writing.CompareAndSwap(false, true) {
		go c.writeLoop()
	}
}

// writeLoop writes queued frames until the queue is empty or the
// connection closes; on close it writes what is still queued (the final
// error frame among it) and closes the link. Only the writer writes to or
// closes the link.
func (c *conn) writeLoop() {
	defer c.recoverWriter()
	for {
		if c.isDone() {
			c.drain()
			c.link.close(closeCodeFor(c.closeCode), c.closeCode+": "+c.closeMsg)
			return
		}
		if f := c.pop(); f.b != nil {
			err := c.link.write(f.b)
			f.release()
			if err != nil {
				if !c.closing.Load() {
					c.hub.stats.slowClosed.Add(1)
				}
				c.closeWith(codec.CodeSlowConsumer, "write: "+err.Error())
			}
			continue
		}
		if f := c.takeLatest(); f.b != nil {
			c.writeUnreliable(f.b)
			f.release()
			continue
		}
		// Idle: stop, unless a frame or the close slipped in after the
		// check and its kick saw this writer still running.
		c.writing.Store(false)
		if (!c.pending() && !c.isDone()) || !c.writing.CompareAndSwap(false, true) {
			return
		}
	}
}

func (c *conn) isDone() bool {
	select {
	case <-c.ctx.Done():
		return true
	default:
		return false
	}
}

// writeUnreliable sends f as a datagram, or on the stream when the link
// cannot; an unreliable frame that fails is simply lost.
func (c *conn) writeUnreliable(f []byte) {
	if !c.link.writeDatagram(f) {
		_ = c.link.write(f)
	}
}

// drain writes the reliable frames still queued, stopping at the first
// failure.
func (c *conn) drain() {
	for f := c.pop(); f.b != nil; f = c.pop() {
		err := c.link.write(f.b)
		f.release()
		if err != nil {
			return
		}
	}
}

// recoverPanic ends a connection whose reader panicked.
func (c *conn) recoverPanic() {
	if p := recover(); p != nil {
		c.hub.cfg.Logger.Error("connection goroutine panicked", "conn", c.id, "panic", p)
		c.closeWith(codec.CodeInternal, "internal error")
	}
}

// recoverWriter ends a connection whose writer panicked, handing the close
// to a fresh writer.
func (c *conn) recoverWriter() {
	if p := recover(); p != nil {
		c.hub.cfg.Logger.Error("connection writer panicked", "conn", c.id, "panic", p)
		c.writing.Store(false)
		c.closeWith(codec.CodeInternal, "internal error")
		c.kick()
	}
}

// sendError queues an error frame about object (may be empty).
func (c *conn) sendError(object, code, msg string, retryAfterMs int64) {
	_ = c.Send(&codec.Out{Kind: codec.KindError, Object: object,
		Body: codec.Error{Code: code, Message: msg, RetryAfterMs: retryAfterMs}})
}

// queueError queues a final error frame if there is room; it has no other
// effect, so closeWith can use it.
func (c *conn) queueError(code, msg string) {
	if code == "" {
		return
	}
	b, err := (&codec.Out{Kind: codec.KindError, Body: codec.Error{Code: code, Message: msg}}).Encode(c.format)
	if err != nil {
		return
	}
	c.push(frame{b: b})
}

// closeWith closes the connection once: it queues an error frame telling
// the client why (best effort), stops intake, detaches the connection from
// every object it joined, and has the writer flush and close the link.
// It never blocks.
func (c *conn) closeWith(code, msg string) {
	c.closeOnce.Do(func() {
		c.queueError(code, msg)
		c.closeCode, c.closeMsg = code, msg
		c.closing.Store(true)
		c.cancel()
		c.kick()
		c.detachAll()
		c.hub.unregister(c)
	})
}

func (c *conn) detachAll() {
	c.mu.Lock()
	joined := c.joined
	c.joined = map[string]session.Ref{}
	c.mu.Unlock()
	for _, ref := range joined {
		c.hub.rt.Detach(ref.ID(), c.id)
	}
}

func closeCodeFor(code string) int {
	switch code {
	case codec.CodeFrameTooLarge:
		return closeTooBig
	case codec.CodeSlowConsumer:
		return closeSlowConsumer
	case codec.CodeProtocol, codec.CodeBadFrame:
		return closeProtocol
	case codec.CodeUnauthorized, codec.CodeTokenExpired:
		return closeUnauthorized
	case codec.CodeShuttingDown:
		return closeGoingAway
	case codec.CodeInternal:
		return closeInternal
	}
	return closeNormal
}

// retryAfterMs is how long until the rate limiter grants a frame again.
func (c *conn) retryAfterMs() int64 {
	missing := 1 - c.limiter.Tokens()
	return int64(missing/float64(c.limiter.Limit())*1000) + 1
}
