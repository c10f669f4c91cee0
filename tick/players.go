package tick

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/hearth-server/hearth/session"
)

// player is a slot in a room: connected, or kept for a resume.
type player struct {
	ID        string         `msgpack:"id"`
	Resume    string         `msgpack:"resume"`
	Spectator bool           `msgpack:"spectator"`  // no omitempty: msgpack allocates per struct for it
	LastInput uint32         `msgpack:"last_input"` // newest input seq applied or queued
	Conn      session.ConnID `msgpack:"-"`          // 0: disconnected
	Acked     uint32         `msgpack:"-"`          // newest snapshot the client acknowledged
	AckSent   uint32         `msgpack:"-"`          // newest input acknowledged in a snapshot sent
	Expires   time.Time      `msgpack:"-"`          // when a disconnected slot is freed
}

func newResumeToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// JoinData is what a client may put in a room join's data.
type JoinData struct {
	Resume   string `msgpack:"resume,omitempty" json:"resume,omitempty"`
	Spectate bool   `msgpack:"spectate,omitempty" json:"spectate,omitempty"`
	// Labels name a new room's properties (mode, region, …); a room
	// keeps the labels of its first join, or those matchmaking reserved.
	Labels map[string]string `msgpack:"labels,omitempty" json:"labels,omitempty"`
}

// Joined is a room's answer to a join.
type Joined struct {
	Player     string `msgpack:"player" json:"player"`
	Resume     string `msgpack:"resume" json:"resume"`
	Resumed    bool   `msgpack:"resumed" json:"resumed"`
	Spectator  bool   `msgpack:"spectator" json:"spectator"`
	TickHz     int    `msgpack:"tick_hz" json:"tick_hz"`
	SnapshotHz int    `msgpack:"snapshot_hz" json:"snapshot_hz"`
}
