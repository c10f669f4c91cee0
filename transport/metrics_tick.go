package transport

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// roomMetrics are the game rooms' measurements. Metrics implements the
// room observer interface declared by package tick with them.
type roomMetrics struct {
	lateness      prometheus.Histogram
	skipped       prometheus.Counter
	snapshotBytes prometheus.Counter
	snapshots     prometheus.Counter
	resumes       prometheus.Counter
	rejected      *prometheus.CounterVec
}

func newRoomMetrics(reg prometheus.Registerer) roomMetrics {
	m := roomMetrics{
		lateness: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hearth_tick_lateness_seconds", Help: "How late each room tick ran after its scheduled time.",
			Buckets: prometheus.ExponentialBuckets(25e-6, 2, 14),
		}),
		skipped:       prometheus.NewCounter(prometheus.CounterOpts{Name: "hearth_ticks_skipped_total", Help: "Ticks skipped after an overrun beyond the catch-up limit."}),
		snapshotBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "hearth_snapshot_bytes_total", Help: "Bytes of snapshot frames sent to clients."}),
		snapshots:     prometheus.NewCounter(prometheus.CounterOpts{Name: "hearth_snapshots_total", Help: "Snapshot frames sent to clients."}),
		resumes:       prometheus.NewCounter(prometheus.CounterOpts{Name: "hearth_resumes_total", Help: "Players that resumed their slot."}),
		rejected:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hearth_inputs_rejected_total", Help: "Game inputs refused, by reason."}, []string{"reason"}),
	}
	reg.MustRegister(m.lateness, m.skipped, m.snapshotBytes, m.snapshots, m.resumes, m.rejected)
	return m
}

// TickLateness records one tick's lateness.
func (m *Metrics) TickLateness(d time.Duration) { m.rooms.lateness.Observe(d.Seconds()) }

// TicksSkipped counts skipped ticks.
func (m *Metrics) TicksSkipped(n uint64) { m.rooms.skipped.Add(float64(n)) }

// SnapshotSent counts a snapshot frame of n bytes.
func (m *Metrics) SnapshotSent(n int) {
	m.rooms.snapshots.Inc()
	m.rooms.snapshotBytes.Add(float64(n))
}

// Resumed counts a resumed player.
func (m *Metrics) Resumed() { m.rooms.resumes.Inc() }

// InputRejected counts a refused input.
func (m *Metrics) InputRejected(reason string) { m.rooms.rejected.WithLabelValues(reason).Inc() }
