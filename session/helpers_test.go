package session_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/hearth-server/hearth/session"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fnObject is an object whose behavior the test supplies.
type fnObject struct {
	load func(c *session.Context) error
	recv func(c *session.Context, m session.Message) (any, error)
}

func (o *fnObject) Load(c *session.Context) error {
	if o.load == nil {
		return nil
	}
	return o.load(c)
}

func (o *fnObject) Receive(c *session.Context, m session.Message) (any, error) {
	return o.recv(c, m)
}

// counter is a durable counter: "inc" adds one and stores it, "get" reads
// the in-memory value, "panic" panics, "bcast" broadcasts the value.
type counter struct {
	n      int
	loads  *atomic.Int64
	active *atomic.Int64 // Receive calls in progress, to catch concurrency
}

func (o *counter) Load(c *session.Context) error {
	if o.loads != nil {
		o.loads.Add(1)
	}
	v, err := c.Storage().Get("n")
	switch {
	case errors.Is(err, session.ErrNotFound):
		o.n = 0
	case err != nil:
		return err
	default:
		o.n = int(v[0])<<8 | int(v[1])
	}
	return nil
}

func (o *counter) Receive(c *session.Context, m session.Message) (any, error) {
	if o.active != nil {
		if o.active.Add(1) != 1 {
			panic("concurrent Receive")
		}
		defer o.active.Add(-1)
	}
	switch m.Body {
	case "inc":
		o.n++
		if err := c.Storage().Put("n", []byte{byte(o.n >> 8), byte(o.n)}); err != nil {
			return nil, err
		}
		return o.n, nil
	case "get":
		return o.n, nil
	case "panic":
		o.n = -1000
		panic("boom")
	case "bcast":
		c.Broadcast(o.n, 0)
		return nil, nil
	}
	switch m.Body.(type) {
	case session.Connected, session.Disconnected:
		return "hello", nil
	}
	return nil, errors.New("unknown message")
}

func counterKind(name string) session.Kind {
	return session.Kind{Name: name, New: func(session.ID) session.Object { return &counter{} }}
}

// newRuntime starts a runtime over store with the given kinds and shuts it
// down when the test ends.
func newRuntime(t *testing.T, store session.Store, cfg session.Config, kinds ...session.Kind) *session.Runtime {
	t.Helper()
	cfg.Store = store
	rt, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kinds {
		if err := rt.Register(k); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = rt.Shutdown(context.Background()) })
	return rt
}

func call(t *testing.T, rt *session.Runtime, id session.ID, body any) any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := rt.Call(ctx, id, body)
	if err != nil {
		t.Fatalf("call %s %v: %v", id, body, err)
	}
	return v
}

// fakeConn records what the runtime sends it.
type fakeConn struct {
	mu     sync.Mutex
	got    []any
	closed error
}

func (c *fakeConn) Send(msg any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, msg)
	return nil
}

func (c *fakeConn) Close(reason error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = reason
}

func (c *fakeConn) messages() []any {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]any(nil), c.got...)
}

func (c *fakeConn) closeReason() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// gatedStore holds Apply until the test opens the gate, and can fail it.
type gatedStore struct {
	session.Store
	mu   sync.Mutex
	gate chan struct{} // nil: pass through
	fail error
}

func (s *gatedStore) Apply(b []*session.Batch) []error {
	s.mu.Lock()
	gate, fail := s.gate, s.fail
	s.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if fail != nil {
		errs := make([]error, len(b))
		for i := range errs {
			errs[i] = fail
		}
		return errs
	}
	return s.Store.Apply(b)
}

func (s *gatedStore) hold() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = make(chan struct{})
	return s.gate
}

func (s *gatedStore) setFail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

// countingObserver counts what the runtime reports.
type countingObserver struct {
	activated, hibernated, mailboxFull, panicked, commits, alarms atomic.Int64
}

func (o *countingObserver) Activated(string)                 { o.activated.Add(1) }
func (o *countingObserver) Hibernated(string)                { o.hibernated.Add(1) }
func (o *countingObserver) MailboxFull(string)               { o.mailboxFull.Add(1) }
func (o *countingObserver) Panicked(string)                  { o.panicked.Add(1) }
func (o *countingObserver) Committed(int, time.Duration)     { o.commits.Add(1) }
func (o *countingObserver) AlarmFired(string, time.Duration) { o.alarms.Add(1) }
func (o *countingObserver) StorageRefused(string)            {}

var _ session.Observer = (*countingObserver)(nil)

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
