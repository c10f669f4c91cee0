package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
)

// Config configures the transports. The zero value works.
type Config struct {
	// MaxFrame bounds a frame from a client. Default codec.DefaultMaxFrame.
	MaxFrame int
	// SendQueue bounds the frames waiting to be written to one client.
	// Default 64.
	SendQueue int
	// StallTimeout is how long a write to a client may block before the
	// client is disconnected. Default 10 s.
	StallTimeout time.Duration
	// HelloTimeout is how long a new connection has to send its hello.
	// Default 10 s.
	HelloTimeout time.Duration
	// Rate and Burst limit the frames one connection may send (token
	// bucket). Defaults 200/s and 400.
	Rate  rate.Limit
	Burst int
	// ObjectRate limits the events and inputs all connections together
	// send one object, a second (burst: one second's worth). 0: no limit.
	ObjectRate rate.Limit
	// MaxConns bounds the open connections, all transports; more are
	// refused. 0: no limit.
	MaxConns int
	// StreamHz is the most updates a second one subscriber gets from one
	// topic. Default 10.
	StreamHz float64
	// MaxSubscriptions bounds the topics one connection watches. Default
	// 256.
	MaxSubscriptions int
	// Auth checks join and subscribe tokens; nil runs open.
	Auth *Auth
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.MaxFrame <= 0 {
		c.MaxFrame = codec.DefaultMaxFrame
	}
	if c.SendQueue <= 0 {
		c.SendQueue = 64
	}
	if c.StallTimeout <= 0 {
		c.StallTimeout = 10 * time.Second
	}
	if c.HelloTimeout <= 0 {
		c.HelloTimeout = 10 * time.Second
	}
	if c.Rate <= 0 {
		c.Rate = 200
	}
	if c.Burst <= 0 {
		c.Burst = 400
	}
	if c.StreamHz <= 0 {
		c.StreamHz = 10
	}
	if c.MaxSubscriptions <= 0 {
		c.MaxSubscriptions = 256
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Hub is what every transport shares: the runtime, limits, and the live
// connections. Transports hand it frames; it attaches connections to
// objects and delivers their messages.
type Hub struct {
	rt     *session.Runtime
	cfg    Config
	nextID atomic.Uint64
	stats  hubStats
	topics *streams
	objLim sync.Map // object address → *rate.Limiter, with ObjectRate

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool
}

// hubStats counts what the hub refused or dropped.
type hubStats struct {
	dropped      atomic.Int64 // unreliable frames replaced by a newer one before being written
	slowClosed   atomic.Int64 // connections closed for not reading
	decodeErrors atomic.Int64
	rateLimited  atomic.Int64
	refusedConns atomic.Int64 // over MaxConns
	objectFull   atomic.Int64 // joins refused by the object's connection limit
	objectRate   atomic.Int64 // frames refused over ObjectRate
	tooMany      atomic.Int64 // joins and frames refused: too many active objects
}

// NewHub returns a hub over rt.
func NewHub(rt *session.Runtime, cfg Config) *Hub {
	cfg = cfg.withDefaults()
	return &Hub{rt: rt, cfg: cfg, conns: make(map[*conn]struct{}), topics: newStreams(cfg.StreamHz, cfg.MaxSubscriptions)}
}

// Topic makes src the source of the topics whose first segment is prefix
// ("iot" serves "iot/pumps" and "iot/pumps/p1"; "server" serves
// "server"). Register sources before serving.
func (h *Hub) Topic(prefix string, src Source) {
	h.topics.mu.Lock()
	defer h.topics.mu.Unlock()
	h.topics.sources[prefix] = src
}

// errTooManyConns refuses a connection over Config.MaxConns.
var errTooManyConns = errors.New("transport: too many connections")

// register adds a new connection over l, or refuses it after Shutdown or
// over MaxConns.
func (h *Hub) register(l link, format codec.Format) (*conn, error) {
	c := newConn(h, l, format)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errors.New("transport: shutting down")
	}
	if h.cfg.MaxConns > 0 && len(h.conns) >= h.cfg.MaxConns {
		h.stats.refusedConns.Add(1)
		return nil, fmt.Errorf("%w (%d)", errTooManyConns, h.cfg.MaxConns)
	}
	h.conns[c] = struct{}{}
	return c, nil
}

// full reports whether a new connection would be over MaxConns, so that
// HTTP can refuse it before the upgrade.
func (h *Hub) full() bool {
	if h.cfg.MaxConns <= 0 {
		return false
	}
	if h.Conns() < h.cfg.MaxConns {
		return false
	}
	h.stats.refusedConns.Add(1)
	return true
}

// countRefusal counts err when a limit caused it.
func (h *Hub) countRefusal(err error) {
	switch {
	case errors.Is(err, session.ErrObjectFull):
		h.stats.objectFull.Add(1)
	case errors.Is(err, session.ErrTooManyObjects):
		h.stats.tooMany.Add(1)
	}
}

// objectAllows spends one of object's frames under ObjectRate.
func (h *Hub) objectAllows(object string) bool {
	if h.cfg.ObjectRate <= 0 {
		return true
	}
	v, ok := h.objLim.Load(object)
	if !ok {
		v, _ = h.objLim.LoadOrStore(object, rate.NewLimiter(h.cfg.ObjectRate, max(1, int(h.cfg.ObjectRate))))
	}
	if v.(*rate.Limiter).Allow() {
		return true
	}
	h.stats.objectRate.Add(1)
	return false
}

func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	h.topics.drop(c)
}

// Conns returns the number of live connections.
func (h *Hub) Conns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

// Shutdown refuses new connections and closes the live ones.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	conns := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	h.topics.close()
	for _, c := range conns {
		c.closeWith(codec.CodeShuttingDown, "server shutting down")
	}
	for h.Conns() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// HubStats counts the hub's connections and what it refused or dropped.
type HubStats struct {
	Conns        int
	Dropped      int64 // unreliable frames replaced by a newer one before being written (coalesced)
	SlowClosed   int64 // connections closed for not reading
	DecodeErrors int64 // frames that could not be decoded
	RateLimited  int64 // frames refused over the rate limit
	RefusedConns int64 // connections refused over MaxConns
	ObjectFull   int64 // joins refused by an object's connection limit
	ObjectRate   int64 // frames refused over an object's rate limit
	TooMany      int64 // joins and frames refused for too many active objects
}

// Stats returns the hub's counters.
func (h *Hub) Stats() HubStats {
	return HubStats{Conns: h.Conns(), Dropped: h.stats.dropped.Load(), SlowClosed: h.stats.slowClosed.Load(),
		DecodeErrors: h.stats.decodeErrors.Load(), RateLimited: h.stats.rateLimited.Load(),
		RefusedConns: h.stats.refusedConns.Load(), ObjectFull: h.stats.objectFull.Load(), ObjectRate: h.stats.objectRate.Load(),
		TooMany: h.stats.tooMany.Load()}
}

func (h *Hub) newLimiter() *rate.Limiter { return rate.NewLimiter(h.cfg.Rate, h.cfg.Burst) }
