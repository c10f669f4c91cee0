package session

import "time"

// Observer receives the runtime's measurements. Transports wire it to
// Prometheus; every method must be cheap and must not block. The zero
// Config uses an observer that discards everything.
type Observer interface {
	// Activated counts an object activation of kind.
	Activated(kind string)
	// Hibernated counts an eviction of an idle object of kind.
	Hibernated(kind string)
	// MailboxFull counts a message refused with ErrMailboxFull.
	MailboxFull(kind string)
	// Panicked counts an object reset after a panic.
	Panicked(kind string)
	// Committed records one group commit: how many batches it held and how
	// long the store took.
	Committed(batches int, took time.Duration)
	// AlarmFired records how late an alarm was delivered.
	AlarmFired(kind string, lateness time.Duration)
	// StorageRefused counts a write refused over Config.MaxObjectBytes.
	StorageRefused(kind string)
}

// KindStats counts the objects of one kind.
type KindStats struct {
	Kind       string
	Active     int // with a goroutine
	Hibernated int // in memory as a map entry only (connections, alarms)
}

type nopObserver struct{}

func (nopObserver) Activated(string)                 {}
func (nopObserver) Hibernated(string)                {}
func (nopObserver) MailboxFull(string)               {}
func (nopObserver) StorageRefused(string)            {}
func (nopObserver) Panicked(string)                  {}
func (nopObserver) Committed(int, time.Duration)     {}
func (nopObserver) AlarmFired(string, time.Duration) {}

var _ Observer = nopObserver{}
