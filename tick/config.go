package tick

import (
	"errors"
	"time"
)

// Config configures a kind of room. Zero fields take the defaults named
// in their comments; NewGame is required.
type Config struct {
	// NewGame builds a room's game.
	NewGame func(room string) Game
	// TickHz is the simulation rate, 1 to 128. Default 20.
	TickHz int
	// SnapshotEvery sends a snapshot every that many ticks (the snapshot
	// rate is TickHz / SnapshotEvery). Default 1.
	SnapshotEvery int
	// MaxPlayers bounds the players (spectators do not count). Default 16.
	MaxPlayers int
	// MaxCatchUp is how many late ticks run back to back before the rest
	// are skipped. Default 3.
	MaxCatchUp int
	// SaveEvery is how often a ticking room saves itself. Default 1 s.
	SaveEvery time.Duration
	// ResumeGrace is how long a disconnected player's slot is kept.
	// Default 30 s.
	ResumeGrace time.Duration
	// Observer receives the rooms' measurements. Default: discarded.
	Observer Observer
	// Clock delivers ticks precisely; nil uses the runtime's per-object
	// timer (Context.WakeAt), which is what tests under testing/synctest
	// want.
	Clock *Clock
	// Directory, when set, lists the rooms for /api/rooms and matchmaking.
	Directory *Directory
	// Tolerance is how far entities may stray from their dead reckoning
	// before snapshots carry them again.
	Tolerance Tolerance
}

func (c Config) withDefaults() (Config, error) {
	if c.NewGame == nil {
		return c, errors.New("tick: Config.NewGame is required")
	}
	if c.TickHz == 0 {
		c.TickHz = 20
	}
	if c.TickHz < 1 || c.TickHz > 128 {
		return c, errors.New("tick: TickHz must be 1 to 128")
	}
	if c.SnapshotEvery <= 0 {
		c.SnapshotEvery = 1
	}
	if c.MaxPlayers <= 0 {
		c.MaxPlayers = 16
	}
	if c.MaxCatchUp <= 0 {
		c.MaxCatchUp = 3
	}
	if c.SaveEvery <= 0 {
		c.SaveEvery = time.Second
	}
	if c.ResumeGrace <= 0 {
		c.ResumeGrace = 30 * time.Second
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	return c, nil
}

func (c Config) period() time.Duration { return time.Second / time.Duration(c.TickHz) }

// Observer receives room measurements; cmd wires it to Prometheus.
type Observer interface {
	TickLateness(d time.Duration)
	TicksSkipped(n uint64)
	SnapshotSent(bytes int)
	Resumed()
	InputRejected(reason string)
}

type nopObserver struct{}

func (nopObserver) TickLateness(time.Duration) {}
func (nopObserver) TicksSkipped(uint64)        {}
func (nopObserver) SnapshotSent(int)           {}
func (nopObserver) Resumed()                   {}
func (nopObserver) InputRejected(string)       {}
