package iot

import "time"

// Options configure a device group's processing. The zero value takes the
// defaults named in the comments.
type Options struct {
	// Windows are the window lengths kept per (device, metric) and per
	// (group, metric). Default 10 s, 1 min, 5 min, 1 h.
	Windows []time.Duration
	// AllowedLateness is how far behind a device's newest event time a
	// reading may arrive and still count. Default 5 s.
	AllowedLateness time.Duration
	// MaxFuture is how far ahead of the server's clock a timestamp may
	// be; later ones are clamped to now and counted. Default 1 min.
	MaxFuture time.Duration
	// Detectors builds the detectors for one (device, metric). Default:
	// DefaultDetectors.
	Detectors func(metric string) []Detector
}

func (o Options) withDefaults() Options {
	if len(o.Windows) == 0 {
		o.Windows = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, time.Hour}
	}
	if o.AllowedLateness <= 0 {
		o.AllowedLateness = 5 * time.Second
	}
	if o.MaxFuture <= 0 {
		o.MaxFuture = time.Minute
	}
	if o.Detectors == nil {
		o.Detectors = DefaultDetectors
	}
	return o
}

// DefaultDetectors is the combination that works without tuning: a slow
// EWMA z-score (it learns a sensor's normal over its first 300 readings
// and then flags departures of 3 standard deviations, spikes and level
// shifts alike) and a flatline check for stuck sensors. On SKAB it scores
// F1 0.65 with alerts cleared after 120 quiet readings (TestSKABScores).
func DefaultDetectors(string) []Detector {
	return []Detector{
		&EWMAZ{Alpha: 0.002, Z: 3, Warmup: 300},
		&Flatline{Count: 120, Epsilon: 0},
	}
}

// device is one sensor's state: its event-time watermark and, per metric,
// windows and detectors.
type device struct {
	name     string
	dirty    bool  // listed for the next checkpoint (Group.dirty)
	newest   int64 // newest event time seen, unix ns
	lastSeen int64 // server time of the newest message, unix ns
	seqs     seqWindow
	metrics  []*metricState // few per device: a scan beats a map
}

type metricState struct {
	name      string
	windows   []*Window
	detectors []Detector
}

// Outcome is what observing one reading did.
type Outcome struct {
	Late     bool      // older than the watermark: not counted, to be published
	Dup      bool      // its seq was seen already: not counted again
	Clamped  bool      // timestamp was in the future and set to now
	Findings []Finding // anomalies, with the metric in Finding.Reason's context
	Metrics  []string  // the metrics the findings belong to, index for index
}

// observe applies one reading to the device at server time now (unix ns).
func (d *device) observe(r Reading, now int64, o *Options) Outcome {
	var out Outcome
	if r.Time > now+int64(o.MaxFuture) {
		r.Time, out.Clamped = now, true
	}
	if r.HasSeq && !d.seqs.admit(r.Seq, d.metrics == nil || r.Time > d.newest) {
		out.Dup = true
		return out
	}
	if d.metrics != nil && r.Time < d.newest-int64(o.AllowedLateness) {
		out.Late = true
		return out
	}
	if d.metrics == nil {
		d.metrics = make([]*metricState, 0, len(r.Metrics))
	}
	d.newest = max(d.newest, r.Time)
	for _, m := range r.Metrics {
		ms := d.metric(m.Name, o)
		key := pctKey(m.Value)
		touchWindows(ms.windows)
		for _, w := range ms.windows {
			w.add(r.Time, m.Value, key)
		}
		for _, det := range ms.detectors {
			if f, ok := det.Observe(r.Time, m.Value); ok {
				out.Findings = append(out.Findings, f)
				out.Metrics = append(out.Metrics, m.Name)
			}
		}
	}
	return out
}

// metric returns the state of metric name, creating it.
func (d *device) metric(name string, o *Options) *metricState {
	if ms := d.lookup(name); ms != nil {
		return ms
	}
	ms := &metricState{name: name, detectors: o.Detectors(name), windows: deviceWindows(o.Windows)}
	d.metrics = append(d.metrics, ms)
	return ms
}

// lookup returns the state of metric name, nil if there is none.
func (d *device) lookup(name string) *metricState {
	for _, ms := range d.metrics {
		if ms.name == name {
			return ms
		}
	}
	return nil
}

// deviceWindows makes a metric's windows, keeping percentiles, with their
// structs in one block and their panes in another: a reading touches
// every window, and neighbours in memory cost fewer cache misses than
// allocations scattered over the heap.
func deviceWindows(lens []time.Duration) []*Window {
	ws := make([]*Window, len(lens))
	block := make([]Window, len(lens))
	panes := make([]pane, len(lens)*DefaultPanes)
	for i, l := range lens {
		w := &block[i]
		w.init(l, panes[i*DefaultPanes:(i+1)*DefaultPanes:(i+1)*DefaultPanes])
		w.KeepPercentiles(pctLimit)
		ws[i] = w
	}
	return ws
}

// touchWindows reads each window's newest pane and newest sketch entry
// before any is updated. The loads are independent, so the processor
// fetches them from memory in parallel; updating the windows one after
// another would wait for each fetch in turn. With thousands of devices a
// device's windows are rarely in cache.
func touchWindows(ws []*Window) {
	var sum uint32
	for _, w := range ws {
		sum += w.panes[w.slot].n
		for i := len(w.ents) - 1; i >= max(len(w.ents)-48, 0); i -= 16 { // a cache line apart
			sum += w.ents[i]
		}
	}
	if sum == 1<<32-1 { // never in practice; keeps the loads
		touched++
	}
}

var touched int
