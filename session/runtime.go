package session

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// alarmLease is how long a delivered alarm waits for its object to commit
// its outcome before it is delivered again.
const alarmLease = 30 * time.Second

// Runtime hosts objects. Create one with [New]; it runs until
// [Runtime.Shutdown].
type Runtime struct {
	cfg       Config
	committer *committer
	sched     *scheduler
	stop      chan struct{} // closed by Shutdown
	closed    atomic.Bool
	running   atomic.Int64  // object goroutines
	exited    chan struct{} // capacity 1: an object goroutine ended during shutdown

	mu      sync.RWMutex
	kinds   map[string]*kindInfo
	entries map[ID]*entry
}

// kindInfo is a registered kind with its defaults resolved and its
// counters.
type kindInfo struct {
	name        string
	factory     Factory
	idleTimeout time.Duration
	mailboxSize int
	entries     atomic.Int64 // in the runtime's map
	active      atomic.Int64 // with a goroutine
}

// New starts a runtime over cfg.Store: its group committer and alarm
// scheduler. Persisted alarms are re-armed as their kinds are registered.
func New(cfg Config) (*Runtime, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &Runtime{
		cfg:     cfg,
		stop:    make(chan struct{}),
		exited:  make(chan struct{}, 1),
		kinds:   make(map[string]*kindInfo),
		entries: make(map[ID]*entry),
	}
	r.committer = newCommitter(cfg.Store, cfg.MaxCommitBatches, cfg.Observer)
	r.sched = newScheduler(r.deliverAlarm, alarmLease, cfg.AlarmRetryMin)
	return r, nil
}

// Register adds a kind of object and re-arms the persisted alarms of its
// objects.
func (r *Runtime) Register(k Kind) error {
	if err := validName(k.Name); err != nil {
		return fmt.Errorf("session: register kind %q: %v", k.Name, err)
	}
	if k.New == nil {
		return fmt.Errorf("session: register kind %q: no factory", k.Name)
	}
	ki := &kindInfo{name: k.Name, factory: k.New, idleTimeout: k.IdleTimeout, mailboxSize: k.MailboxSize}
	if ki.idleTimeout == 0 {
		ki.idleTimeout = r.cfg.IdleTimeout
	}
	if ki.mailboxSize <= 0 {
		ki.mailboxSize = r.cfg.MailboxSize
	}
	r.mu.Lock()
	if _, dup := r.kinds[k.Name]; dup {
		r.mu.Unlock()
		return fmt.Errorf("session: kind %q registered twice", k.Name)
	}
	r.kinds[k.Name] = ki
	r.mu.Unlock()
	return r.rearmAlarms(k.Name)
}

// rearmAlarms loads the persisted alarms of kind into the scheduler.
func (r *Runtime) rearmAlarms(kind string) error {
	err := r.cfg.Store.Alarms(func(a Alarm) bool {
		if a.ID.Kind == kind {
			r.sched.set(a)
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("session: re-arm alarms of %q: %w", kind, err)
	}
	return nil
}

// entry returns the entry of id, creating it on first use.
func (r *Runtime) entry(id ID) (*entry, error) {
	r.mu.RLock()
	e, ok := r.entries[id]
	r.mu.RUnlock()
	if ok {
		return e, nil
	}
	if err := id.Validate(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.entries[id]; ok {
		return e, nil
	}
	k, ok := r.kinds[id.Kind]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKind, id.Kind)
	}
	e = newEntry(r, k, id)
	r.entries[id] = e
	k.entries.Add(1)
	return e, nil
}

// overActive reports whether activating one more object would go over
// Config.MaxActive.
func (r *Runtime) overActive() bool {
	return r.cfg.MaxActive > 0 && r.running.Load() >= int64(r.cfg.MaxActive)
}

// startObject gives an entry that just became active its goroutine.
func (r *Runtime) startObject(e *entry) {
	r.running.Add(1)
	e.kind.active.Add(1)
	go newInstance(e).run()
}

// objectExited notes the end of an object goroutine.
func (r *Runtime) objectExited() {
	if r.running.Add(-1) == 0 && r.closed.Load() {
		select {
		case r.exited <- struct{}{}:
		default:
		}
	}
}

// Ref returns a handle on object id that skips the runtime's map on every
// send; hot paths (a connection, an ingest route) keep one.
func (r *Runtime) Ref(id ID) (Ref, error) {
	e, err := r.entry(id)
	return Ref{e}, err
}

// Send delivers body to object id without waiting; the object is activated
// if needed. It fails at once with ErrMailboxFull when the mailbox is full.
func (r *Runtime) Send(id ID, body any) error {
	e, err := r.entry(id)
	if err != nil {
		return err
	}
	return Ref{e}.Send(body)
}

// Call delivers body to object id and waits for its reply, released after
// the writes made while handling it are committed.
func (r *Runtime) Call(ctx context.Context, id ID, body any) (any, error) {
	e, err := r.entry(id)
	if err != nil {
		return nil, err
	}
	return Ref{e}.Call(ctx, body)
}

// Attach asks object id to accept connection cid (a [Connected] message
// carrying hello) and, if it does, keeps c attached to the object, across
// hibernation, until [Runtime.Detach]. It returns the object's reply.
func (r *Runtime) Attach(ctx context.Context, id ID, cid ConnID, c Conn, hello any) (any, error) {
	e, err := r.entry(id)
	if err != nil {
		return nil, err
	}
	env := envelope{sys: sysAttach, msg: Message{From: cid, Body: Connected{Hello: hello}}, conn: c}
	return call(ctx, e, env)
}

// Deliver hands a message from attached connection cid to object id without
// waiting, waking the object if it hibernates.
func (r *Runtime) Deliver(id ID, cid ConnID, body any) error {
	e, err := r.entry(id)
	if err != nil {
		return err
	}
	return Ref{e}.Deliver(cid, body)
}

// Detach removes connection cid from object id and tells the object with a
// [Disconnected] message. Detaching is never refused for a full mailbox.
func (r *Runtime) Detach(id ID, cid ConnID) {
	r.mu.RLock()
	e, ok := r.entries[id]
	r.mu.RUnlock()
	if ok {
		_ = e.push(envelope{sys: sysDetach, msg: Message{From: cid, Body: Disconnected{}}}, true)
	}
}

// List returns the names of the objects of kind, hibernated ones included,
// in ascending order.
func (r *Runtime) List(kind string) ([]string, error) {
	r.mu.RLock()
	_, ok := r.kinds[kind]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	var names []string
	err := r.cfg.Store.Objects(kind, func(name string) bool {
		names = append(names, name)
		return true
	})
	return names, err
}

// Stats counts active and hibernated objects per registered kind.
func (r *Runtime) Stats() []KindStats {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]KindStats, 0, len(r.kinds))
	for _, k := range r.kinds {
		active := int(k.active.Load())
		out = append(out, KindStats{Kind: k.name, Active: active, Hibernated: int(k.entries.Load()) - active})
	}
	return out
}

// Shutdown stops intake, lets every object drain its mailbox, commit and
// save, closes attached connections and stops the committer. It returns
// early with ctx's error if ctx ends first; objects still running then
// keep draining in the background.
func (r *Runtime) Shutdown(ctx context.Context) error {
	if !r.closed.CompareAndSwap(false, true) {
		return ErrClosed
	}
	r.sched.close()
	close(r.stop)
	for r.running.Load() > 0 {
		select {
		case <-r.exited:
		case <-ctx.Done():
			return fmt.Errorf("session: shutdown: %d objects still running: %w", r.running.Load(), ctx.Err())
		}
	}
	r.closeConns()
	r.committer.close()
	return nil
}

func (r *Runtime) closeConns() {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, e := range r.entries {
		e.closeConns(ErrClosed)
	}
}
