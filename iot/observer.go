package iot

import (
	"math/bits"
	"time"
)

// Observer receives a group's measurements. Its methods are called on
// group goroutines and must not block.
type Observer interface {
	// ReadingsApplied hands over the latencies of the readings applied
	// since the last call: each from its arrival (codec.Ingest.Received,
	// when the NATS client handed it over) until its windows and detectors
	// included it. counts[i] readings took at most bounds[i] (and more
	// than bounds[i-1]); the last count, one past bounds, took longer;
	// sum is their total. Groups call it when they publish aggregates;
	// bounds are always the same.
	ReadingsApplied(bounds []time.Duration, counts []uint64, sum time.Duration)
}

type noObserver struct{}

func (noObserver) ReadingsApplied([]time.Duration, []uint64, time.Duration) {}

// latencyBase is the first latency bucket's bound; each next one doubles
// it, so that 1 ms is a bound.
const latencyBase = 15625 * time.Nanosecond

// latencyBuckets is how many bounded buckets there are: up to 128 ms.
const latencyBuckets = 14

// latencyBounds are the buckets' upper bounds, latencyBase << i.
var latencyBounds = func() []time.Duration {
	b := make([]time.Duration, latencyBuckets)
	for i := range b {
		b[i] = latencyBase << i
	}
	return b
}()

// latencyCounts counts readings by latency, in buckets bounded by
// latencyBounds (the last counts what lies beyond them all). Counting is
// a few instructions, where a shared histogram costs atomics per reading.
type latencyCounts struct {
	counts [latencyBuckets + 1]uint64
	n      uint64
	sum    time.Duration
}

func (l *latencyCounts) add(d time.Duration) {
	i := 0
	if d > 0 {
		i = min(bits.Len64(uint64((d-1)/latencyBase)), latencyBuckets)
	}
	l.counts[i]++
	l.n++
	l.sum += d
}
