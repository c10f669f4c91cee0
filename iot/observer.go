package iot

import "time"

// Observer receives a group's measurements. Its methods are called on
// group goroutines and must not block.
type Observer interface {
	// ReadingApplied records how long a reading took from its arrival
	// (codec.Ingest.Received, when the NATS client handed it over) until
	// its windows and detectors were updated.
	ReadingApplied(took time.Duration)
}

type noObserver struct{}

func (noObserver) ReadingApplied(time.Duration) {}
