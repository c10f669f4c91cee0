// Package tick is hearth's game half: a drift-free fixed-rate schedule and
// the game-room object built on the session runtime. A room runs its
// Game's Step at a fixed rate, applies the inputs that arrived since the
// last tick in arrival order, sends each client a quantized snapshot as a
// delta against the last one that client acknowledged, keeps players'
// slots for a grace period so they can resume (over any transport), and
// saves itself so that it comes back after a crash. Package tick/arena is
// the demo game.
package tick
