package transport

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/hearth-server/hearth/codec"
)

// Live streams: a connection subscribes to a topic ("iot/pumps",
// "rooms", "server", …) and receives the topic's newest value as update
// frames, at most at its rate. A topic's value is sampled from its Source
// only while someone subscribes, once per interval for all of them, and
// encoded once per format; updates are unreliable frames, so a slow
// subscriber gets the newest value coalesced and nobody else waits.

// Source returns the current value of a topic it owns, or an error
// wrapping ErrUnknownTopic when there is no such topic. It is called from
// the topic's sampling goroutine and must not block for long: ctx carries
// a deadline.
type Source func(ctx context.Context, topic string) (any, error)

// ErrUnknownTopic is what a Source returns for a topic that does not
// exist.
var ErrUnknownTopic = errors.New("transport: unknown topic")

// sampleTimeout bounds one call to a Source.
const sampleTimeout = time.Second

// streams holds the sources and the topics being watched.
type streams struct {
	maxHz   float64 // the fastest any subscriber may get
	maxSubs int     // topics one connection may watch

	mu      sync.Mutex
	sources map[string]Source // by the topic's first segment
	topics  map[string]*topic
	perConn map[*conn]int // topics each connection watches
	closed  bool
	wg      sync.WaitGroup
}

// ErrTooManySubscriptions refuses a subscription beyond the per-connection
// limit (Config.MaxSubscriptions).
var ErrTooManySubscriptions = errors.New("transport: too many subscriptions on this connection")

func newStreams(maxHz float64, maxSubs int) *streams {
	return &streams{maxHz: maxHz, maxSubs: maxSubs, sources: map[string]Source{}, topics: map[string]*topic{},
		perConn: map[*conn]int{}}
}

// source returns the Source for topic name.
func (s *streams) source(name string) (Source, bool) {
	first, _, _ := strings.Cut(name, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	src, ok := s.sources[first]
	return src, ok
}

// subscribe adds c to topic name at up to hz updates a second, sending
// it the current value at once. It fails when the topic does not exist.
func (s *streams) subscribe(c *conn, name string, hz float64) error {
	src, ok := s.source(name)
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownTopic, name)
	}
	v, err := sample(src, name)
	if err != nil {
		return err
	}
	if hz <= 0 || hz > s.maxHz {
		hz = s.maxHz
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	t, ok := s.topics[name]
	if !ok || !t.has(c) {
		if s.perConn[c] >= s.maxSubs {
			return fmt.Errorf("%w (%d)", ErrTooManySubscriptions, s.maxSubs)
		}
		s.perConn[c]++
	}
	if !ok {
		t = &topic{name: name, src: src, every: time.Duration(float64(time.Second) / s.maxHz),
			subs: map[*conn]*subscriber{}, stop: make(chan struct{})}
		s.topics[name] = t
		s.wg.Go(func() { t.run(s) })
	}
	t.add(c, time.Duration(float64(time.Second)/hz), v)
	return nil
}

// unsubscribe removes c from topic name; the last one out stops it.
func (s *streams) unsubscribe(c *conn, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.topics[name]
	if !ok || !t.has(c) {
		return
	}
	if s.perConn[c]--; s.perConn[c] <= 0 {
		delete(s.perConn, c)
	}
	if t.remove(c) {
		delete(s.topics, name)
		close(t.stop)
	}
}

// drop removes c from every topic, when it closes.
func (s *streams) drop(c *conn) {
	s.mu.Lock()
	names := make([]string, 0, len(s.topics))
	for name, t := range s.topics {
		if t.has(c) {
			names = append(names, name)
		}
	}
	s.mu.Unlock()
	for _, name := range names {
		s.unsubscribe(c, name)
	}
}

// close stops every topic and waits for their goroutines.
func (s *streams) close() {
	s.mu.Lock()
	s.closed = true
	for name, t := range s.topics {
		delete(s.topics, name)
		close(t.stop)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// subscriptions counts the (topic, connection) pairs.
func (s *streams) subscriptions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.topics {
		n += t.count()
	}
	return n
}

func sample(src Source, name string) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), sampleTimeout)
	defer cancel()
	return src(ctx, name)
}

// topic is one watched topic: its subscribers and its sampling loop.
type topic struct {
	name  string
	src   Source
	every time.Duration
	stop  chan struct{}

	mu   sync.Mutex
	seq  uint32
	out  *codec.Out // the newest update, nil before the first sample
	subs map[*conn]*subscriber
}

// subscriber is one connection's place in a topic.
type subscriber struct {
	every time.Duration // its own minimum interval
	next  time.Time     // when it may get the next update
	seq   uint32        // the last update it got
}

func (t *topic) add(c *conn, every time.Duration, v any) {
	t.mu.Lock()
	seq := t.seq // v is at least as new as the topic's newest update
	t.subs[c] = &subscriber{every: every, next: time.Now().Add(every - t.every/2), seq: seq}
	t.mu.Unlock()
	_ = c.Send(&codec.Out{Kind: codec.KindUpdate, Object: t.name, Seq: seq, Body: v})
}

// remove reports whether the topic has no subscribers left.
func (t *topic) remove(c *conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.subs, c)
	return len(t.subs) == 0
}

func (t *topic) has(c *conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.subs[c]
	return ok
}

func (t *topic) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.subs)
}

// run samples the topic every interval and sends the newest value to
// the subscribers that are due and do not have it yet. A value equal to
// the last one is not a new update.
func (t *topic) run(s *streams) {
	tk := time.NewTicker(t.every)
	defer tk.Stop()
	var last []byte
	for {
		select {
		case <-t.stop:
			return
		case now := <-tk.C:
			v, err := sample(t.src, t.name)
			if errors.Is(err, ErrUnknownTopic) {
				t.fail(s, err)
				return
			}
			if err == nil {
				body := codec.NewShared(v) // encoded once, here, for every subscriber
				b, err := body.Encoded(codec.Binary)
				if err == nil && string(b) != string(last) {
					last = b
					t.advance(body)
				}
			}
			t.publish(now)
		}
	}
}

// advance makes body the topic's newest update.
func (t *topic) advance(body *codec.Shared) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	t.out = &codec.Out{Kind: codec.KindUpdate, Object: t.name, Seq: t.seq, Body: body}
}

// publish sends the newest update to every subscriber that is due and
// has not had it.
func (t *topic) publish(now time.Time) {
	t.mu.Lock()
	out := t.out
	due := make([]*conn, 0, len(t.subs))
	for c, sub := range t.subs {
		if out != nil && sub.seq < t.seq && !now.Before(sub.next) {
			// Half a sampling interval of slack: a subscriber at the
			// topic's own rate is due at every sample despite jitter.
			sub.next = now.Add(sub.every - t.every/2)
			sub.seq = t.seq
			due = append(due, c)
		}
	}
	t.mu.Unlock()
	for _, c := range due {
		_ = c.Send(out)
	}
}

// fail ends a topic whose source failed (the room or group went away):
// each subscriber gets an error and the topic stops.
func (t *topic) fail(s *streams, err error) {
	t.mu.Lock()
	subs := maps.Clone(t.subs)
	t.mu.Unlock()
	for c := range subs {
		s.unsubscribe(c, t.name)
		c.sendError(t.name, codec.CodeUnknownObject, "stream ended: "+err.Error(), 0)
	}
}

// subscribe handles a subscribe frame: the token (when auth is on) must
// admit a viewer or an admin to the topic.
func (h *Hub) subscribe(c *conn, f codec.Frame) {
	req, err := codec.DecodeSubscribe(f.Payload)
	if err != nil {
		c.sendError(f.Object, codec.CodeBadFrame, err.Error(), 0)
		return
	}
	if h.cfg.Auth != nil {
		claims, err := h.cfg.Auth.Check(req.Token, f.Object)
		if errors.Is(err, ErrTokenExpired) {
			c.sendError(f.Object, codec.CodeTokenExpired, err.Error(), 0)
			return
		}
		if err == nil && claims.Role != RoleViewer && claims.Role != RoleAdmin {
			err = fmt.Errorf("%w: role %q may not watch streams", ErrUnauthorized, claims.Role)
		}
		if err != nil {
			c.sendError(f.Object, codec.CodeUnauthorized, err.Error(), 0)
			return
		}
	}
	if err := h.topics.subscribe(c, f.Object, req.MaxHz); err != nil {
		code := codec.CodeOverloaded
		switch {
		case errors.Is(err, ErrUnknownTopic):
			code = codec.CodeUnknownObject
		case errors.Is(err, ErrTooManySubscriptions):
			code = codec.CodeRefused
		}
		c.sendError(f.Object, code, err.Error(), 0)
	}
}
