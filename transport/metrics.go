package transport

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hearth-server/hearth/session"
)

// Metrics is the runtime's session.Observer in Prometheus form, plus a
// collector of object counts read from the runtime on every scrape.
type Metrics struct {
	activations *prometheus.CounterVec
	hibernation *prometheus.CounterVec
	mailboxFull *prometheus.CounterVec
	panics      *prometheus.CounterVec
	storageFull *prometheus.CounterVec
	commitTime  prometheus.Histogram
	commitSize  prometheus.Histogram
	alarmLate   *prometheus.HistogramVec
	objects     *prometheus.Desc
	stats       func() []session.KindStats
	hubDescs    map[string]*prometheus.Desc
	hub         func() HubStats
	rooms       roomMetrics
	roomCount   func() (rooms, players, spectators int)

	ingestLatency *ingestLatency
}

var (
	_ session.Observer     = (*Metrics)(nil)
	_ prometheus.Collector = (*Metrics)(nil)
)

// NewMetrics registers hearth's runtime metrics with reg. stats, when not
// nil, reports object counts at scrape time; SetStats may supply it later.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		activations: counterVec("hearth_object_activations_total", "Objects activated, per kind."),
		hibernation: counterVec("hearth_object_hibernations_total", "Idle objects hibernated, per kind."),
		mailboxFull: counterVec("hearth_mailbox_full_total", "Messages refused because the object's mailbox was full."),
		panics:      counterVec("hearth_object_panics_total", "Objects reset after a panic."),
		storageFull: counterVec("hearth_object_storage_refused_total", "Writes refused over --max-object-bytes, per kind."),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "hearth_storage_commit_seconds",
			Help:    "Time the store took for one group commit.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2, 15),
		}),
		commitSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "hearth_storage_commit_batches",
			Help:    "Object batches per group commit.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		alarmLate: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hearth_alarm_lateness_seconds",
			Help:    "How late alarms were delivered after their due time.",
			Buckets: prometheus.ExponentialBuckets(100e-6, 2, 16),
		}, []string{"kind"}),
		objects: prometheus.NewDesc("hearth_objects", "Objects in the runtime by kind and state (active or hibernated).",
			[]string{"kind", "state"}, nil),
		hubDescs: map[string]*prometheus.Desc{
			"conns":   prometheus.NewDesc("hearth_connections", "Client connections open, all transports.", nil, nil),
			"dropped": prometheus.NewDesc("hearth_frames_dropped_total", "Unreliable frames replaced by a newer one before being written (coalesced snapshots).", nil, nil),
			"slow":    prometheus.NewDesc("hearth_slow_consumers_total", "Connections closed because the client stopped reading.", nil, nil),
			"decode":  prometheus.NewDesc("hearth_decode_errors_total", "Frames from clients that could not be decoded.", nil, nil),
			"rate":    prometheus.NewDesc("hearth_rate_limited_total", "Frames refused over a connection's rate limit.", nil, nil),
			"limits":  prometheus.NewDesc("hearth_limit_refusals_total", "Requests refused by a configured limit: connections (--max-conns), object_connections (--max-conns-per-object), object_rate (--object-rate), objects (--max-active-objects).", []string{"limit"}, nil),
			"rooms":   prometheus.NewDesc("hearth_rooms", "Game rooms with players or ticking.", nil, nil),
			"players": prometheus.NewDesc("hearth_room_players", "Players in game rooms, by role.", []string{"role"}, nil),
		},
	}
	reg.MustRegister(m.activations, m.hibernation, m.mailboxFull, m.panics, m.storageFull, m.commitTime, m.commitSize, m.alarmLate, m)
	m.rooms = newRoomMetrics(reg)
	m.ingestLatency = newIngestLatency(reg)
	return m
}

func counterVec(name, help string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"kind"})
}

// SetHub sets the source of connection counters; call before serving.
func (m *Metrics) SetHub(stats func() HubStats) { m.hub = stats }

// SetRooms sets the source of game-room counts; call before serving.
func (m *Metrics) SetRooms(count func() (rooms, players, spectators int)) { m.roomCount = count }

// SetStats sets the source of object counts; call before serving.
func (m *Metrics) SetStats(stats func() []session.KindStats) { m.stats = stats }

// Activated implements session.Observer.
func (m *Metrics) Activated(kind string) { m.activations.WithLabelValues(kind).Inc() }

// Hibernated implements session.Observer.
func (m *Metrics) Hibernated(kind string) { m.hibernation.WithLabelValues(kind).Inc() }

// MailboxFull implements session.Observer.
func (m *Metrics) MailboxFull(kind string) { m.mailboxFull.WithLabelValues(kind).Inc() }

// Panicked implements session.Observer.
func (m *Metrics) Panicked(kind string) { m.panics.WithLabelValues(kind).Inc() }

// StorageRefused implements session.Observer.
func (m *Metrics) StorageRefused(kind string) { m.storageFull.WithLabelValues(kind).Inc() }

// Committed implements session.Observer.
func (m *Metrics) Committed(batches int, took time.Duration) {
	m.commitTime.Observe(took.Seconds())
	m.commitSize.Observe(float64(batches))
}

// AlarmFired implements session.Observer.
func (m *Metrics) AlarmFired(kind string, lateness time.Duration) {
	m.alarmLate.WithLabelValues(kind).Observe(max(lateness, 0).Seconds())
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.objects
	for _, d := range m.hubDescs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	if m.hub != nil {
		h := m.hub()
		ch <- prometheus.MustNewConstMetric(m.hubDescs["conns"], prometheus.GaugeValue, float64(h.Conns))
		ch <- prometheus.MustNewConstMetric(m.hubDescs["dropped"], prometheus.CounterValue, float64(h.Dropped))
		ch <- prometheus.MustNewConstMetric(m.hubDescs["slow"], prometheus.CounterValue, float64(h.SlowClosed))
		ch <- prometheus.MustNewConstMetric(m.hubDescs["decode"], prometheus.CounterValue, float64(h.DecodeErrors))
		ch <- prometheus.MustNewConstMetric(m.hubDescs["rate"], prometheus.CounterValue, float64(h.RateLimited))
		ch <- prometheus.MustNewConstMetric(m.hubDescs["limits"], prometheus.CounterValue, float64(h.RefusedConns), "connections")
		ch <- prometheus.MustNewConstMetric(m.hubDescs["limits"], prometheus.CounterValue, float64(h.ObjectFull), "object_connections")
		ch <- prometheus.MustNewConstMetric(m.hubDescs["limits"], prometheus.CounterValue, float64(h.ObjectRate), "object_rate")
		ch <- prometheus.MustNewConstMetric(m.hubDescs["limits"], prometheus.CounterValue, float64(h.TooMany), "objects")
	}
	if m.roomCount != nil {
		rooms, players, spectators := m.roomCount()
		ch <- prometheus.MustNewConstMetric(m.hubDescs["rooms"], prometheus.GaugeValue, float64(rooms))
		ch <- prometheus.MustNewConstMetric(m.hubDescs["players"], prometheus.GaugeValue, float64(players), "player")
		ch <- prometheus.MustNewConstMetric(m.hubDescs["players"], prometheus.GaugeValue, float64(spectators), "spectator")
	}
	if m.stats == nil {
		return
	}
	for _, s := range m.stats() {
		ch <- prometheus.MustNewConstMetric(m.objects, prometheus.GaugeValue, float64(s.Active), s.Kind, "active")
		ch <- prometheus.MustNewConstMetric(m.objects, prometheus.GaugeValue, float64(s.Hibernated), s.Kind, "hibernated")
	}
}
