package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// IoTConfig configures `loadtest iot`. Zero fields take the defaults in
// their comments.
type IoTConfig struct {
	// Preset fills the fields left zero (PresetSKAB).
	Preset string `json:"preset,omitempty"`
	// NATS is the server's NATS (URL or host:port). Default
	// nats://127.0.0.1:4222.
	NATS string `json:"nats"`
	// HTTP is the server's HTTP address, for /metrics; "-" skips the
	// server view. Default 127.0.0.1:8080.
	HTTP string `json:"http"`
	// Sensors publishing. Default 100 (with SKAB: one per CSV file).
	Sensors int `json:"sensors"`
	// Groups the sensors spread over (sensor i in group i mod Groups).
	// Default 1 per 100 sensors.
	Groups int `json:"groups"`
	// Rate is readings per second per sensor. Default 1.
	Rate float64 `json:"rate_hz"`
	// Format: json or msgpack. Default json.
	Format string `json:"format"`
	// Bad is the share of readings sent malformed, NaN or late (a third
	// each).
	Bad float64 `json:"bad"`
	// Duration of publishing. Default 10 s. The run then waits Settle for
	// the last aggregates.
	Duration time.Duration `json:"duration"`
	// Settle is the wait after publishing. Default 2.5 s (aggregates go
	// out every second).
	Settle time.Duration `json:"settle"`
	// GroupPrefix names the groups <prefix>-<n>. Default lt-<random>.
	GroupPrefix string `json:"group_prefix"`
	// SKAB, when set, is a directory of SKAB CSVs whose rows the sensors
	// replay (sensor i plays file i mod files) instead of a sine wave.
	SKAB string `json:"skab,omitempty"`
	// Spikes is how many anomalies to inject, each one reading of its own
	// sensor with every metric at 10,000 (see spikePlan); the run then
	// times each from publication to the alert it opens.
	Spikes int `json:"spikes,omitempty"`
	// SpikeDetectors: SpikeThreshold (default; configures the run's
	// groups over HTTP first) or SpikeDefault.
	SpikeDetectors string `json:"spike_detectors,omitempty"`
	// MaxClients refuses more sensors. Default 100,000.
	MaxClients int `json:"max_clients"`
	// AllowRemote permits a non-loopback NATS.
	AllowRemote bool `json:"allow_remote"`
	// Progress, when set, gets a status line every second.
	Progress io.Writer `json:"-"`
}

func (c IoTConfig) withDefaults() (IoTConfig, error) {
	if c.NATS == "" {
		c.NATS = "nats://127.0.0.1:4222"
	}
	if !strings.Contains(c.NATS, "://") {
		c.NATS = "nats://" + c.NATS
	}
	if c.HTTP == "" {
		c.HTTP = "127.0.0.1:8080"
	}
	if c.Sensors == 0 {
		c.Sensors = 100
	}
	if c.Groups == 0 {
		c.Groups = (c.Sensors + 99) / 100
	}
	if c.Rate == 0 {
		c.Rate = 1
	}
	if c.Format == "" {
		c.Format = FormatJSON
	}
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
	}
	if c.Settle == 0 {
		c.Settle = 2500 * time.Millisecond
	}
	if c.GroupPrefix == "" {
		c.GroupPrefix = fmt.Sprintf("lt-%06x", rand.Uint32()&0xffffff)
	}
	if c.MaxClients == 0 {
		c.MaxClients = 100_000
	}
	if c.Spikes > 0 && c.SpikeDetectors == "" {
		c.SpikeDetectors = SpikeThreshold
	}
	return c, c.validate()
}

func (c IoTConfig) validate() error {
	switch {
	case c.Sensors < 1 || c.Sensors > c.MaxClients:
		return fmt.Errorf("loadtest: sensors must be 1 to %d (--max-clients)", c.MaxClients)
	case c.Groups < 1 || c.Groups > c.Sensors:
		return errors.New("loadtest: groups must be 1 to the number of sensors")
	case c.Rate < 0 || c.Rate > 1000:
		return errors.New("loadtest: rate must be 0 to 1000 Hz per sensor")
	case c.Format != FormatJSON && c.Format != FormatMsgpack:
		return fmt.Errorf("loadtest: unknown format %q (json or msgpack)", c.Format)
	case c.Bad < 0 || c.Bad > 1:
		return errors.New("loadtest: bad is a fraction, 0 to 1")
	case c.Duration <= 0 || c.Settle < 0:
		return errors.New("loadtest: duration must be positive")
	case strings.ContainsAny(c.GroupPrefix, ".*> \x00/?#%"):
		return errors.New("loadtest: group prefix must be one NATS subject token")
	case c.Spikes < 0 || c.Spikes > c.Sensors:
		return errors.New("loadtest: spikes must be 0 to the number of sensors (one per sensor)")
	case c.Spikes > 0 && c.SpikeDetectors != SpikeThreshold && c.SpikeDetectors != SpikeDefault:
		return fmt.Errorf("loadtest: unknown spike detectors %q (threshold or default)", c.SpikeDetectors)
	case c.Spikes > 0 && c.SpikeDetectors == SpikeThreshold && c.HTTP == "-":
		return errors.New("loadtest: threshold spikes configure the groups over HTTP: give --http")
	case c.Spikes > 0 && c.Rate == 0:
		return errors.New("loadtest: spikes need a rate above 0")
	}
	if !c.AllowRemote {
		http := c.HTTP
		if http == "-" {
			http = ""
		}
		return checkLoopback(c.NATS, http)
	}
	return nil
}

// iotStats is what an iot run measures.
type iotStats struct {
	latency   *Hist // every reading, until an aggregate counts it
	fresh     *Hist // the newest reading an aggregate counts
	latencyTL *timeline
	pubTL     *timeline
	published atomic.Int64
	bad       [len(badKinds)]atomic.Int64
	errors    Errors
}

// RunIoT publishes sensor readings to a hearth server's NATS and reports
// what came back.
func RunIoT(ctx context.Context, cfg IoTConfig) (*Report, error) {
	if err := cfg.applyPreset(); err != nil {
		return nil, err
	}
	var src []series
	if cfg.SKAB != "" {
		var err error
		if src, err = loadSKAB(cfg.SKAB); err != nil {
			return nil, err
		}
		if cfg.Sensors == 0 {
			cfg.Sensors = len(src)
		}
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(cfg.NATS, nats.Name("hearth-loadtest"), nats.Timeout(5*time.Second))
	if err != nil {
		return nil, fmt.Errorf("loadtest: nats: %w", err)
	}
	defer nc.Close()
	plan, err := spikePlan(cfg)
	if err != nil {
		return nil, err
	}
	if len(plan) > 0 && cfg.SpikeDetectors == SpikeThreshold {
		if err := configureGroups(ctx, cfg); err != nil {
			return nil, err
		}
	}
	t0 := time.Now()
	st := &iotStats{latency: NewHist(), fresh: NewHist(),
		latencyTL: newTimeline("ingest_to_aggregate", "readings counted", true, t0),
		pubTL:     newTimeline("published", "readings published", false, t0)}
	w := newWatch(cfg, st)
	if len(plan) > 0 {
		w.spikes = newSpikes(cfg.GroupPrefix, newTimeline("spike_to_alert", "spikes alerted", true, t0), &st.errors)
	}
	if err := w.subscribe(nc); err != nil {
		return nil, err
	}
	httpAddr := cfg.HTTP
	if httpAddr == "-" {
		httpAddr = ""
	}
	before := scrapeBefore(ctx, httpAddr)
	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	stop := startProgress(pctx, cfg.Progress, start, cfg.Duration, func() string {
		return fmt.Sprintf("published %d  aggregates %d", st.published.Load(), w.aggregates.Load())
	})
	publish(pctx, nc, cfg, src, plan, w, st)
	stop()
	elapsed := time.Since(start)
	if err := nc.FlushTimeout(5 * time.Second); err != nil {
		st.errors.AddErr(err, "flush")
	}
	sleepUntil(ctx, time.Now().Add(cfg.Settle))
	w.close()
	r := iotReport(cfg, st, w, start, elapsed)
	r.Server = serverView(httpAddr, before)
	return r, nil
}

// publish runs the sensors until ctx ends. Each worker owns whole groups,
// so that the readings of one group leave in the order the watch
// numbered them.
func publish(ctx context.Context, nc *nats.Conn, cfg IoTConfig, src []series, plan map[int]uint64, w *watch, st *iotStats) {
	workers := min(cfg.Groups, 16)
	var wg sync.WaitGroup
	for k := range workers {
		var sensors []*sensor
		for i := range cfg.Sensors {
			if g := i % cfg.Groups; g%workers == k {
				s := newSensor(i, cfg, src)
				s.spikeAt = plan[i]
				sensors = append(sensors, s)
			}
		}
		wg.Go(func() { runWorker(ctx, nc, cfg, sensors, w, st) })
	}
	wg.Wait()
}

func iotReport(cfg IoTConfig, st *iotStats, w *watch, start time.Time, elapsed time.Duration) *Report {
	r := &Report{Mode: "iot", Config: cfg, Started: start, Elapsed: time.Since(start).Seconds(), Errors: st.errors.Snapshot()}
	pub := st.published.Load()
	r.Add("sensors", float64(cfg.Sensors), "")
	r.Add("groups", float64(cfg.Groups), "")
	r.Add("target_rate", float64(cfg.Sensors)*cfg.Rate, "msg/s")
	r.Add("published", float64(pub), "")
	r.Add("publish_rate", float64(pub)/elapsed.Seconds(), "msg/s")
	for i, k := range badKinds {
		r.Add("sent_"+k, float64(st.bad[i].Load()), "")
	}
	c := w.totals()
	r.Add("server_readings", float64(c.Readings), "")
	r.Add("server_late", float64(c.Late), "")
	r.Add("server_rejected", float64(c.rejected()), "")
	r.Add("server_duplicates", float64(c.Dups), "")
	r.Add("unaccounted", float64(pub-c.processed()), "")
	r.Add("aggregates_received", float64(w.aggregates.Load()), "")
	r.Add("groups_reporting", float64(w.reporting()), "")
	r.Add("late_messages", float64(w.late.Load()), "")
	r.Add("rejected_messages", float64(w.rejected.Load()), "")
	r.Latencies = []Latency{st.latency.Summarize("ingest_to_aggregate"), st.fresh.Summarize("aggregate_freshness")}
	r.Timelines = []Timeline{st.latencyTL.Summarize(), st.pubTL.Summarize()}
	if w.spikes != nil {
		w.spikes.report(r, cfg)
	}
	r.Notes = append(r.Notes,
		"ingest_to_aggregate: every reading, from its publication to the first aggregate of its group that counts it (includes the wait for the group's next aggregate, every 1 s)",
		"aggregate_freshness: per aggregate, the age of the newest reading it counts",
		"server_* figures are the groups' own counters from their last aggregate; unaccounted = published − what they counted",
		"sent_late may exceed server_late: a late reading that is its device's first has no watermark to be late against")
	return r
}
