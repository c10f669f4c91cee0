package session

import (
	"errors"
	"log/slog"
	"time"
)

// Config configures a Runtime. Only Store is required; the zero value of
// every other field takes the default named in its comment.
type Config struct {
	// Store holds every object's durable state.
	Store Store
	// Epoch is this node's ownership epoch, stored with every object it
	// activates and checked on every write. Default 1 (single node).
	Epoch uint64
	// MailboxSize bounds the messages waiting for one object. Default 1024.
	MailboxSize int
	// IdleTimeout is how long an object waits without work before it
	// hibernates. Default 10 s; negative disables hibernation.
	IdleTimeout time.Duration
	// MaxValueSize bounds one stored value. Default 1 MiB.
	MaxValueSize int
	// MaxActive bounds the objects in memory with a goroutine (active, not
	// hibernated): a message that would activate one more is refused with
	// ErrTooManyObjects. Runtime messages (alarms, detaches) still get
	// through. 0: no limit.
	MaxActive int
	// MaxObjectBytes bounds what one object stores (keys plus values); a
	// Put that would go over fails with ErrObjectStorageFull. 0: no limit.
	MaxObjectBytes int
	// MaxConnsPerObject bounds the connections attached to one object;
	// more are refused with ErrObjectFull. 0: no limit.
	MaxConnsPerObject int
	// MaxCommitBatches bounds the object batches in one group commit.
	// Default 1024.
	MaxCommitBatches int
	// AlarmRetryMin and AlarmRetryMax bound the backoff between failed
	// deliveries of an alarm. Defaults 100 ms and 1 min.
	AlarmRetryMin, AlarmRetryMax time.Duration
	// Observer receives measurements. Default: discarded.
	Observer Observer
	// Logger receives the runtime's logs. Default: slog.Default().
	Logger *slog.Logger
}

// withDefaults returns c with defaults filled in, or an error for a
// configuration that cannot work.
func (c Config) withDefaults() (Config, error) {
	if c.Store == nil {
		return c, errors.New("session: Config.Store is required")
	}
	if c.Epoch == 0 {
		c.Epoch = 1
	}
	if c.MailboxSize <= 0 {
		c.MailboxSize = 1024
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 10 * time.Second
	}
	if c.MaxValueSize <= 0 {
		c.MaxValueSize = 1 << 20
	}
	if c.MaxCommitBatches <= 0 {
		c.MaxCommitBatches = 1024
	}
	if c.AlarmRetryMin <= 0 {
		c.AlarmRetryMin = 100 * time.Millisecond
	}
	if c.AlarmRetryMax <= 0 {
		c.AlarmRetryMax = time.Minute
	}
	if c.AlarmRetryMax < c.AlarmRetryMin {
		return c, errors.New("session: AlarmRetryMax is below AlarmRetryMin")
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}
