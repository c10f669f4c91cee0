package tick

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Directory lists the rooms of a kind with their labels and seats, for
// room listing and matchmaking. Rooms report to it as players come and go;
// it lives in memory and fills again as rooms revive after a restart.
type Directory struct {
	kind string

	mu       sync.Mutex
	rooms    map[string]RoomInfo // by name
	reserved map[string]reservation
}

// RoomInfo is a room as listed.
type RoomInfo struct {
	Room       string            `json:"room"` // "kind/name", what clients join
	Labels     map[string]string `json:"labels,omitempty"`
	Players    int               `json:"players"`
	MaxPlayers int               `json:"max_players"`
	Spectators int               `json:"spectators"`
	TickHz     int               `json:"tick_hz"`
	Ticking    bool              `json:"ticking"`
	Skipped    uint64            `json:"ticks_skipped"`
	Updated    time.Time         `json:"updated"`
}

// reservation holds the labels of a room matchmaking created, until its
// first join.
type reservation struct {
	labels  map[string]string
	expires time.Time
}

// reserveFor is how long a created room keeps its seat for the joiner.
const reserveFor = 30 * time.Second

// NewDirectory returns an empty directory for rooms of kind.
func NewDirectory(kind string) *Directory {
	return &Directory{kind: kind, rooms: map[string]RoomInfo{}, reserved: map[string]reservation{}}
}

// update records a room's state; a room with no players is removed.
func (d *Directory) update(name string, info RoomInfo) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if info.Players == 0 && info.Spectators == 0 && !info.Ticking {
		delete(d.rooms, name)
		return
	}
	info.Room = d.kind + "/" + name
	info.Updated = time.Now().UTC()
	d.rooms[name] = info
}

// Counts returns how many rooms are listed and the players and spectators
// in them.
func (d *Directory) Counts() (rooms, players, spectators int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range d.rooms {
		players += r.Players
		spectators += r.Spectators
	}
	return len(d.rooms), players, spectators
}

// takeLabels returns (and forgets) the labels reserved for a new room.
func (d *Directory) takeLabels(name string) map[string]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.reserved[name]
	delete(d.reserved, name)
	if !ok || time.Now().After(r.expires) {
		return nil
	}
	return r.labels
}

// List returns the rooms whose labels include every pair in want, with at
// least minFree free seats, sorted by name.
func (d *Directory) List(want map[string]string, minFree int) []RoomInfo {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []RoomInfo
	for _, r := range d.rooms {
		if matches(r.Labels, want) && r.MaxPlayers-r.Players >= minFree {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b RoomInfo) int { return strings.Compare(a.Room, b.Room) })
	return out
}

func matches(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// JoinOrCreate returns the fullest room matching labels that has a free
// seat, so players gather; with none, it names a new room carrying the
// labels, created by the first join.
func (d *Directory) JoinOrCreate(labels map[string]string) (room string, created bool) {
	open := d.List(labels, 1)
	if len(open) > 0 {
		best := slices.MaxFunc(open, func(a, b RoomInfo) int { return a.Players - b.Players })
		return best.Room, false
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := hex.EncodeToString(b[:])
	d.mu.Lock()
	d.reserved[name] = reservation{labels: labels, expires: time.Now().Add(reserveFor)}
	d.mu.Unlock()
	return d.kind + "/" + name, true
}

// ListHandler serves GET /api/rooms?label=value&…[&free=N]: the matching
// rooms as JSON.
func (d *Directory) ListHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		free, _ := strconv.Atoi(q.Get("free"))
		want := map[string]string{}
		for k, v := range q {
			if k != "free" && len(v) > 0 {
				want[k] = v[0]
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"rooms": nonNil(d.List(want, free))})
	})
}

// MatchHandler serves POST /api/rooms/match with {"labels": {…}}: the room
// to join, existing or new.
func (d *Directory) MatchHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Labels map[string]string `json:"labels"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want {\"labels\": {…}}"})
			return
		}
		room, created := d.JoinOrCreate(req.Labels)
		writeJSON(w, http.StatusOK, map[string]any{"room": room, "created": created})
	})
}

func nonNil(r []RoomInfo) []RoomInfo {
	if r == nil {
		return []RoomInfo{}
	}
	return r
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
