package tick

import (
	"time"

	"github.com/hearth-server/hearth/codec"
)

// Game is the logic a room runs. Given the same calls in the same order it
// must produce the same state: a room's behavior is deterministic in its
// inputs. The room calls it from one goroutine.
type Game interface {
	// Join adds a player (a spawn); Leave removes one.
	Join(player string) error
	Leave(player string)
	// DecodeInputs reads an input frame's payload: the inputs it carries,
	// oldest first. It rejects absurd values (NaN, out of range) with an
	// error.
	DecodeInputs(p codec.Payload) ([]any, error)
	// Step advances the game by dt, applying inputs in arrival order.
	Step(dt time.Duration, inputs []Input)
	// Entities appends the current entities to buf.
	Entities(buf []Entity) []Entity
	// Save and Restore serialize the whole game state. The room stores a
	// copy of what Save returns before it calls the game again, so Save
	// may return a buffer it reuses.
	Save() ([]byte, error)
	Restore(b []byte) error
}

// Input is one player input, as DecodeInputs returned it.
type Input struct {
	Player string
	Seq    uint32
	Data   any
}

// Entity is a thing in the world as snapshots carry it.
type Entity struct {
	ID     uint32
	Kind   uint8   // game-defined: player, orb, …
	X, Y   float64 // world units
	VX, VY float64 // world units per second, for clients to extrapolate
	Angle  float64 // radians
}

// Finisher is implemented by games that end. When Finished reports true
// after a tick, the room archives the final state (storage key
// "archive"), tells every client, frees the slots and stops ticking.
type Finisher interface {
	Finished() bool
}
