package iot

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
)

// Config configures the device-group kind. Zero fields take defaults.
type Config struct {
	Options
	// AggEvery is how often a group publishes its aggregates while
	// readings arrive. Default 1 s.
	AggEvery time.Duration
	// QuietFor clears an alert after that long without findings.
	// Default 2 min.
	QuietFor time.Duration
	// OfflineAfter opens an "offline" alert for a device silent that long
	// (server time). Default 1 min.
	OfflineAfter time.Duration
	// Publisher receives aggregates, alerts, late and rejected readings.
	Publisher Publisher
	// Observer receives measurements; default none.
	Observer Observer
	// NoCheckpoint keeps device state in memory only (benchmarks, and
	// groups whose windows may start afresh after a restart). Alerts and
	// configuration are stored regardless.
	NoCheckpoint bool
}

func (c Config) withDefaults() Config {
	c.Options = c.Options.withDefaults()
	if c.AggEvery <= 0 {
		c.AggEvery = time.Second
	}
	if c.QuietFor <= 0 {
		c.QuietFor = 2 * time.Minute
	}
	if c.OfflineAfter <= 0 {
		c.OfflineAfter = time.Minute
	}
	if c.Publisher == nil {
		c.Publisher = discard{}
	}
	if c.Observer == nil {
		c.Observer = noObserver{}
	}
	return c
}

type discard struct{}

func (discard) Publish(string, []byte) error { return nil }

// Kind returns the session kind for device groups.
func Kind(name string, cfg Config) session.Kind {
	cfg = cfg.withDefaults()
	// Readings arrive in bursts from NATS, which has no back-pressure: a
	// deep mailbox absorbs them; past it, readings are refused and
	// published to hearth.rejected, never dropped silently.
	return session.Kind{Name: name, MailboxSize: 1 << 16, New: func(id session.ID) session.Object {
		return &Group{id: id, cfg: cfg}
	}}
}

// Group is a device group: its devices' state, the group's own windows per
// metric, counters and alerts.
type Group struct {
	id      session.ID
	cfg     Config
	devices map[string]*device
	windows map[string][]*Window  // per metric, all devices together
	peers   map[string]*peerStats // per metric, for group_relative
	alerts  map[alertID]*Alert    // open and acknowledged
	offline int                   // how many of them are offline alerts
	nextID  int
	counts  Counters
	active  bool          // readings since the last publication
	watch   bool          // the offline alarm is set
	dirty   []*device     // devices changed since the last checkpoint
	conf    GroupConfig   // stored configuration
	opts    Options       // cfg.Options with conf applied
	acks    []func()      // durable-ingest acks waiting for the next checkpoint
	latency latencyCounts // since the last publication
	ck      ckLog         // the checkpoint log
	ckEnc   ckEncoder     // encodes its values, buffers reused
	dec     Decoder       // decodes readings, buffers reused
}

// Counters are what a group has seen.
type Counters struct {
	Readings int64            `json:"readings"`
	Late     int64            `json:"late"`
	Dups     int64            `json:"duplicates"`
	Clamped  int64            `json:"clamped"`
	Rejected map[string]int64 `json:"rejected"`
}

var _ session.Object = (*Group)(nil)

// Load restores the group's alerts.
func (g *Group) Load(c *session.Context) error {
	g.devices = map[string]*device{}
	g.windows = map[string][]*Window{}
	g.peers = map[string]*peerStats{}
	g.alerts = map[alertID]*Alert{}
	g.counts.Rejected = map[string]int64{}
	if err := g.loadConfig(c); err != nil {
		return err
	}
	if err := g.restoreDevices(c); err != nil {
		return err
	}
	if err := g.restoreGroupWindows(c); err != nil {
		return err
	}
	if len(g.devices) > 0 {
		g.watch = true
		_ = c.SetAlarm(offlineAlarm, time.Now().Add(g.offlineAfter()/2))
	}
	return c.Storage().List("alert/", func(_ string, v []byte) bool {
		var a Alert
		if msgpack.Unmarshal(v, &a) == nil && a.State != AlertCleared {
			a.groupKey = alertKey(a.Device, a.Metric, a.Finding.Detector)
			g.alerts[a.groupKey] = &a
			if a.Finding.Detector == offlineDetector {
				g.offline++
			}
			if n, err := strconv.Atoi(a.ID); err == nil && n >= g.nextID {
				g.nextID = n + 1
			}
		}
		return true
	})
}

// Messages a group answers besides ingest.
type (
	// AckAlert acknowledges an open alert.
	AckAlert struct{ ID, By string }
	// Query asks for the group's aggregates, counters and alerts.
	Query struct{}
	// DeviceQuery asks for one device's windows.
	DeviceQuery struct{ Device string }
	// CountsQuery asks for the group's counters only.
	CountsQuery struct{}
	// GetConfig asks for the group's configuration.
	GetConfig struct{}
	// SetConfig replaces it (validated, stored durably).
	SetConfig struct{ Config GroupConfig }
)

// DeviceView is a group's answer to DeviceQuery.
type DeviceView struct {
	Device  string                      `json:"device"`
	Newest  time.Time                   `json:"newest_reading"`
	Metrics map[string]map[string]Stats `json:"metrics"`
}

var errNoAlert = errors.New("iot: no open alert")

// ErrNoDevice answers a DeviceQuery for a device the group has not seen.
var ErrNoDevice = errors.New("iot: no such device")

// View is a group's answer to Query.
type View struct {
	Group   string                      `json:"group"`
	Devices int                         `json:"devices"`
	Metrics map[string]map[string]Stats `json:"metrics"` // metric → window → stats
	Counts  Counters                    `json:"counts"`
	Alerts  []*Alert                    `json:"alerts"`
}

// Receive handles readings, the publication tick, acks and queries.
func (g *Group) Receive(c *session.Context, m session.Message) (any, error) {
	switch b := m.Body.(type) {
	case codec.Ingest:
		g.ingest(c, b)
	case session.Wake:
		g.publish(c, b.Now)
	case session.AlarmFired:
		if b.Name == offlineAlarm {
			g.checkOffline(c, time.Now())
		}
	case AckAlert:
		return nil, g.ack(c, b)
	case Query:
		return g.view(time.Now()), nil
	case DeviceQuery:
		return g.deviceView(b.Device, time.Now())
	case GetConfig:
		return g.conf, nil
	case SetConfig:
		return nil, g.setConfig(c, b.Config)
	case CountsQuery:
		c := g.counts
		c.Rejected = maps.Clone(g.counts.Rejected)
		return c, nil
	}
	return nil, nil
}

func (g *Group) ingest(c *session.Context, in codec.Ingest) {
	now := time.Unix(0, in.Received)
	r, err := g.dec.Decode(in.Payload, now)
	if err != nil {
		g.reject(in.Device, err)
		ackNow(in.Ack)
		return
	}
	d, ok := g.devices[in.Device]
	if !ok {
		d = &device{name: in.Device}
		g.devices[in.Device] = d
	}
	g.seen(c, in.Device, d, now)
	out := d.observe(r, now.UnixNano(), &g.opts)
	if out.Clamped {
		g.counts.Clamped++
	}
	if out.Dup { // a redelivery: ack with the original, once it is durable
		g.counts.Dups++
		if in.Ack != nil {
			g.acks = append(g.acks, in.Ack)
		}
		return
	}
	if out.Late {
		ackNow(in.Ack)
		g.counts.Late++
		g.emit(SubjectLate+g.id.Name, map[string]any{"device": in.Device, "ts": r.Time / 1e6, "watermark": (d.newest - int64(g.opts.AllowedLateness)) / 1e6})
		return
	}
	g.counts.Readings++
	g.markDirty(d)
	if in.Ack != nil {
		g.acks = append(g.acks, in.Ack)
	}
	for _, m := range r.Metrics {
		if f, ok := g.groupRelative(m, r.Time); ok {
			g.alert(c, in.Device, m.Name, f, now)
		}
		key := pctKey(m.Value)
		for _, w := range g.groupWindows(m.Name) {
			w.add(r.Time, m.Value, key)
		}
	}
	for i, f := range out.Findings {
		g.alert(c, in.Device, out.Metrics[i], f, now)
	}
	if in.Received != 0 {
		g.latency.add(time.Since(now))
	}
	if !g.active {
		g.active = true
		c.WakeAt(g.nextPublication(now))
	}
}

func (g *Group) groupWindows(metric string) []*Window {
	ws, ok := g.windows[metric]
	if !ok {
		for _, l := range g.cfg.Windows {
			w := NewWindow(l, 0)
			w.KeepPercentiles(groupPctLimit)
			ws = append(ws, w)
		}
		g.windows[metric] = ws
	}
	return ws
}

// reject counts a refused reading by reason and publishes it.
func (g *Group) reject(dev string, err error) {
	reason := "malformed"
	for _, e := range []error{ErrNoValue, ErrNotANumber, ErrTooLarge, ErrBadTime, ErrBadMetric, ErrTooManyMets} {
		if errors.Is(err, e) {
			reason = e.Error()[len("iot: "):]
		}
	}
	g.counts.Rejected[reason]++
	g.emit(SubjectRejected, map[string]any{"group": g.id.Name, "device": dev, "reason": reason, "error": err.Error()})
}

// alert opens an alert or refreshes the open one for the same device,
// metric and detector.
func (g *Group) alert(c *session.Context, dev, metric string, f Finding, now time.Time) {
	key := alertKey(dev, metric, f.Detector)
	a, ok := g.alerts[key]
	if ok {
		a.Count++
		a.Last = now
		a.Worst = max(a.Worst, f.Score)
		return
	}
	a = &Alert{ID: strconv.Itoa(g.nextID), Device: dev, Metric: metric, State: AlertOpen, Opened: now, Last: now,
		Count: 1, Finding: f, Worst: f.Score, groupKey: key}
	g.nextID++
	g.alerts[key] = a
	g.store(c, a)
}

// store saves an alert and publishes its new state.
func (g *Group) store(c *session.Context, a *Alert) {
	if b, err := msgpack.Marshal(a); err == nil {
		_ = c.Storage().Put("alert/"+a.ID, b)
	}
	g.emit(SubjectAlerts+g.id.Name, a)
}

func (g *Group) ack(c *session.Context, b AckAlert) error {
	for _, a := range g.alerts {
		if a.ID == b.ID {
			a.State, a.AckedBy = AlertAcked, b.By
			g.store(c, a)
			return nil
		}
	}
	return fmt.Errorf("%w: %q in group %s", errNoAlert, b.ID, g.id.Name)
}

// publish sends the aggregates, clears quiet alerts, and keeps the
// publication tick going while there is activity.
func (g *Group) publish(c *session.Context, now time.Time) {
	if g.active {
		g.emit(SubjectAgg+g.id.Name, g.view(now))
	}
	if g.latency.n > 0 {
		g.cfg.Observer.ReadingsApplied(latencyBounds, g.latency.counts[:], g.latency.sum)
		g.latency = latencyCounts{}
	}
	g.checkpoint(c)
	for key, a := range g.alerts {
		if a.Finding.Detector != offlineDetector && now.Sub(a.Last) >= g.cfg.QuietFor {
			a.State, a.Cleared = AlertCleared, now
			g.store(c, a)
			delete(g.alerts, key)
		}
	}
	wasActive := g.active
	g.active = false
	if wasActive || len(g.alerts) > 0 {
		c.WakeAt(g.nextPublication(now))
	}
}

func (g *Group) view(now time.Time) View {
	v := View{Group: g.id.Name, Devices: len(g.devices), Metrics: map[string]map[string]Stats{}, Counts: g.counts}
	v.Counts.Rejected = maps.Clone(g.counts.Rejected) // the view leaves the group's goroutine
	for name, ws := range g.windows {
		per := map[string]Stats{}
		for _, w := range ws {
			per[w.Len.String()] = w.Stats(now.UnixNano())
		}
		v.Metrics[name] = per
	}
	for _, a := range g.alerts {
		copied := *a
		v.Alerts = append(v.Alerts, &copied)
	}
	return v
}

// emit publishes v as JSON.
func (g *Group) emit(subject string, v any) {
	if b, err := json.Marshal(v); err == nil {
		_ = g.cfg.Publisher.Publish(subject, b)
	}
}

func (g *Group) deviceView(name string, now time.Time) (DeviceView, error) {
	d, ok := g.devices[name]
	if !ok {
		return DeviceView{}, fmt.Errorf("%w: %q in group %s", ErrNoDevice, name, g.id.Name)
	}
	v := DeviceView{Device: name, Newest: time.Unix(0, d.newest).UTC(), Metrics: map[string]map[string]Stats{}}
	for _, ms := range d.metrics {
		per := map[string]Stats{}
		for _, w := range ms.windows {
			per[w.Len.String()] = w.Stats(now.UnixNano())
		}
		v.Metrics[ms.name] = per
	}
	return v, nil
}

// offlineAlarm is the group's alarm for checking silent devices.
const offlineAlarm = "offline"

// offlineDetector names offline alerts.
const offlineDetector = "offline"

// seen notes that a device reported at now: it clears the device's
// offline alert, and arms the offline check.
func (g *Group) seen(c *session.Context, name string, d *device, now time.Time) {
	d.lastSeen = now.UnixNano()
	if g.offline > 0 { // an offline alert may be open for this device
		key := alertKey(name, "", offlineDetector)
		if a, ok := g.alerts[key]; ok {
			a.State, a.Cleared = AlertCleared, now
			g.store(c, a)
			delete(g.alerts, key)
			g.offline--
		}
	}
	if !g.watch {
		g.watch = true
		_ = c.SetAlarm(offlineAlarm, now.Add(g.offlineAfter()/2))
	}
}

// checkOffline opens an alert for every device silent longer than
// OfflineAfter, and re-arms itself while there are devices.
func (g *Group) checkOffline(c *session.Context, now time.Time) {
	for name, d := range g.devices {
		silent := now.Sub(time.Unix(0, d.lastSeen))
		key := alertKey(name, "", offlineDetector)
		if _, open := g.alerts[key]; open || silent < g.offlineAfter() {
			continue
		}
		f := Finding{Detector: offlineDetector, Value: silent.Seconds(), Low: 0, High: g.offlineAfter().Seconds(),
			Score:  silent.Seconds() / g.offlineAfter().Seconds(),
			Reason: fmt.Sprintf("no reading for %s (limit %s)", silent.Round(time.Second), g.offlineAfter())}
		a := &Alert{ID: strconv.Itoa(g.nextID), Device: name, State: AlertOpen, Opened: now, Last: now, Count: 1,
			Finding: f, Worst: f.Score, groupKey: key}
		g.nextID++
		g.alerts[key] = a
		g.offline++
		g.store(c, a)
	}
	g.watch = len(g.devices) > 0
	if g.watch {
		_ = c.SetAlarm(offlineAlarm, now.Add(g.offlineAfter()/2))
	}
}

// offlineAfter is how long a device may be silent before it is offline.
func (g *Group) offlineAfter() time.Duration {
	if g.conf.OfflineAfterMs > 0 {
		return time.Duration(g.conf.OfflineAfterMs) * time.Millisecond
	}
	return g.cfg.OfflineAfter
}

// loadConfig reads the stored configuration and applies it.
func (g *Group) loadConfig(c *session.Context) error {
	b, err := c.Storage().Get("config")
	switch {
	case errors.Is(err, session.ErrNotFound):
	case err != nil:
		return err
	default:
		if err := msgpack.Unmarshal(b, &g.conf); err != nil {
			return fmt.Errorf("iot: group %s config: %w", g.id.Name, err)
		}
	}
	g.applyConfig()
	return nil
}

// applyConfig derives the options the group runs with.
func (g *Group) applyConfig() {
	g.opts = g.cfg.Options
	if g.conf.AllowedLatenessMs > 0 {
		g.opts.AllowedLateness = time.Duration(g.conf.AllowedLatenessMs) * time.Millisecond
	}
	conf, base := g.conf, g.cfg.Options.Detectors
	g.opts.Detectors = func(metric string) []Detector {
		if ds := conf.detectorsFor(metric); ds != nil {
			return ds
		}
		return base(metric)
	}
}

// setConfig validates, stores and applies a new configuration; existing
// devices get the new detectors (fresh state) at once.
func (g *Group) setConfig(c *session.Context, conf GroupConfig) error {
	if err := conf.Validate(); err != nil {
		return err
	}
	b, err := msgpack.Marshal(conf)
	if err != nil {
		return err
	}
	if err := c.Storage().Put("config", b); err != nil {
		return err
	}
	g.conf = conf
	g.applyConfig()
	if g.watch { // the offline limit may have changed
		_ = c.SetAlarm(offlineAlarm, time.Now().Add(g.offlineAfter()/2))
	}
	for _, d := range g.devices {
		for _, ms := range d.metrics {
			ms.detectors = g.opts.Detectors(ms.name)
		}
		g.markDirty(d)
	}
	return nil
}

// ackNow acknowledges a durable-ingest message that changes no state.
func ackNow(ack func()) {
	if ack != nil {
		ack()
	}
}
