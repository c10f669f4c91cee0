package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// Spike detector modes: which detectors the groups run while spikes are
// injected.
const (
	// SpikeThreshold configures every group of the run, before the first
	// reading, with one static threshold detector (PUT
	// /api/iot/groups/{g}/config): no warm-up, so a spike can come at any
	// moment and the latency measured is the pipeline's, not a
	// detector's learning time.
	SpikeThreshold = "threshold"
	// SpikeDefault leaves the server's default detectors (EWMA z-score
	// with 300 readings of warm-up per device, flatline) and injects each
	// spike only after its sensor's warm-up.
	SpikeDefault = "default"
)

// spikeValue is the value every metric of a spike reading takes: far
// outside the sine's 15–25 and SKAB's ranges, and outside the threshold
// configured.
const spikeValue = 10_000

// spikeWarmup is the reading a spike comes at earliest with the default
// detectors: past EWMAZ's 300 readings of warm-up, with a margin.
const spikeWarmup = 320

// thresholdConfig is the group config SpikeThreshold puts.
const thresholdConfig = `{"detectors":[{"metric":"*","type":"threshold","min":-1000,"max":1000}]}`

// spikePlan places n spikes: spike k on sensor k·sensors/n, at reading
// seq of its sensor, spread evenly over the middle of the run (from a
// fifth to four fifths of the duration; with the default detectors, from
// the end of warm-up). It returns sensor index → reading seq, or an error
// when the run is too short for the warm-up.
func spikePlan(cfg IoTConfig) (map[int]uint64, error) {
	if cfg.Spikes == 0 {
		return nil, nil
	}
	total := cfg.Duration.Seconds() * cfg.Rate // readings per sensor
	first, last := total/5, total*4/5
	if cfg.SpikeDetectors == SpikeDefault {
		first = spikeWarmup
		last = max(last, total*9/10)
		if last < first {
			return nil, fmt.Errorf("loadtest: with the default detectors, spikes need %d readings per sensor first: run at least %.0f s at --rate %g",
				spikeWarmup, float64(spikeWarmup)/cfg.Rate/0.9+1, cfg.Rate)
		}
	}
	plan := make(map[int]uint64, cfg.Spikes)
	for k := range cfg.Spikes {
		at := first
		if cfg.Spikes > 1 {
			at += (last - first) * float64(k) / float64(cfg.Spikes-1)
		}
		plan[k*cfg.Sensors/cfg.Spikes] = max(uint64(at), 1)
	}
	return plan, nil
}

// configureGroups puts thresholdConfig on every group of the run.
func configureGroups(ctx context.Context, cfg IoTConfig) error {
	hc := &http.Client{Timeout: 10 * time.Second}
	errc := make(chan error, cfg.Groups)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for g := range cfg.Groups {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errc <- putGroupConfig(ctx, hc, cfg.HTTP, fmt.Sprintf("%s-%d", cfg.GroupPrefix, g))
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			return err
		}
	}
	return nil
}

func putGroupConfig(ctx context.Context, hc *http.Client, addr, group string) error {
	url := "http://" + addr + "/api/iot/groups/" + group + "/config"
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader([]byte(thresholdConfig)))
	if err != nil {
		return fmt.Errorf("loadtest: group config: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("loadtest: group config: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("loadtest: group config %s: %s: %s", group, resp.Status, strings.TrimSpace(string(b)))
	}
	return nil
}

// alertMsg is the part of a hearth.alerts.<group> message the harness
// reads.
type alertMsg struct {
	ID      string    `json:"id"`
	Device  string    `json:"device"`
	Metric  string    `json:"metric"`
	State   string    `json:"state"`
	Opened  time.Time `json:"opened"`
	Finding struct {
		Detector string  `json:"detector"`
		Value    float64 `json:"value"`
	} `json:"finding"`
}

// decodeAlert reads an alert message.
func decodeAlert(b []byte) (alertMsg, error) {
	var a alertMsg
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("loadtest: alert: %w", err)
	}
	return a, nil
}

// spike is one injected anomaly.
type spike struct {
	sent    int64 // unix ns
	matched bool
}

// spikes follows injected anomalies and the alerts they open.
type spikes struct {
	prefix string
	lat    *Hist
	tl     *timeline
	errors *Errors

	mu    sync.Mutex
	byKey map[string]*spike // group/device

	injected, detected, extra, other, opened atomic.Int64
	byDetectorMu                             sync.Mutex
	byDetector                               map[string]int64
}

func newSpikes(prefix string, tl *timeline, errs *Errors) *spikes {
	return &spikes{prefix: prefix + "-", lat: NewHist(), tl: tl, errors: errs, byKey: map[string]*spike{}, byDetector: map[string]int64{}}
}

// sent notes that device of group published its spike at t.
func (s *spikes) sent(group, device string, t time.Time) {
	s.mu.Lock()
	s.byKey[group+"/"+device] = &spike{sent: t.UnixNano()}
	s.mu.Unlock()
	s.injected.Add(1)
}

func (s *spikes) subscribe(nc *nats.Conn) (*nats.Subscription, error) {
	sub, err := nc.Subscribe("hearth.alerts.>", s.onAlert)
	if err != nil {
		return nil, fmt.Errorf("loadtest: subscribe alerts: %w", err)
	}
	_ = sub.SetPendingLimits(-1, 64<<20)
	return sub, nil
}

// onAlert matches an opened alert to its spike: the first alert on a
// spiked device whose finding is the spike's value times the spike.
func (s *spikes) onAlert(m *nats.Msg) {
	now := time.Now()
	group := strings.TrimPrefix(m.Subject, "hearth.alerts.")
	if !strings.HasPrefix(group, s.prefix) {
		return
	}
	a, err := decodeAlert(m.Data)
	if err != nil {
		s.errors.Add("bad_alert")
		return
	}
	if a.State != "open" {
		return
	}
	s.opened.Add(1)
	s.byDetectorMu.Lock()
	s.byDetector[a.Finding.Detector]++
	s.byDetectorMu.Unlock()
	s.mu.Lock()
	sp := s.byKey[group+"/"+a.Device]
	var d time.Duration
	first := false
	switch {
	case sp == nil || a.Finding.Value != spikeValue:
		s.other.Add(1)
	case sp.matched:
		s.extra.Add(1) // another metric or detector on the same spike
	default:
		sp.matched, first = true, true
		d = now.Sub(time.Unix(0, sp.sent))
	}
	s.mu.Unlock()
	if first {
		s.detected.Add(1)
		s.lat.Record(d)
		s.tl.Record(now, d)
	}
}

// report adds the spike figures to r.
func (s *spikes) report(r *Report, cfg IoTConfig) {
	inj, det := s.injected.Load(), s.detected.Load()
	r.Add("spikes_injected", float64(inj), "")
	r.Add("spikes_alerted", float64(det), "")
	r.Add("spikes_missed", float64(inj-det), "")
	r.Add("alerts_opened", float64(s.opened.Load()), "")
	r.Add("alerts_extra_on_spikes", float64(s.extra.Load()), "")
	r.Add("alerts_not_spikes", float64(s.other.Load()), "")
	s.byDetectorMu.Lock()
	for det, n := range s.byDetector {
		r.Add("alerts_opened_by_"+det, float64(n), "")
	}
	s.byDetectorMu.Unlock()
	r.Latencies = append(r.Latencies, s.lat.Summarize("spike_to_alert"))
	r.Timelines = append(r.Timelines, s.tl.Summarize())
	if cfg.SpikeDetectors == SpikeDefault {
		r.Notes = append(r.Notes, fmt.Sprintf("spikes: the server's default detectors (EWMA z-score, 300 readings of warm-up per device); each spike comes after reading %d of its sensor", spikeWarmup))
	} else {
		r.Notes = append(r.Notes, "spikes: every group of the run was configured first (PUT /api/iot/groups/{g}/config) with one threshold detector, min -1000, max 1000, in place of the default EWMA z-score and flatline detectors, so no warm-up delays detection; the server then runs that cheaper detector on every reading")
	}
	r.Notes = append(r.Notes, fmt.Sprintf("spike_to_alert: a spike is one reading with every metric at %d, on its own sensor (one per sensor: an alert stays open 2 min); latency from its publication to the hearth.alerts message opening its alert (NATS in, the group, the durable commit of the output gate, NATS out); not corrected for coordinated omission (spikes are single events); alerts_not_spikes are alerts opened on readings that were not spikes", spikeValue))
}
