package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// GameConfig configures `loadtest game`. Zero fields take the defaults
// in their comments.
type GameConfig struct {
	// Preset fills the fields left zero (PresetNakamaMatch).
	Preset string `json:"preset,omitempty"`
	Target Target `json:"target"`
	// Clients to run. Default 10.
	Clients int `json:"clients"`
	// Rooms the clients spread over (client i joins room i mod Rooms).
	// Default: one per 10 clients.
	Rooms int `json:"rooms"`
	// Transport: quic, ws, webtransport or mix. Default quic.
	Transport string `json:"transport"`
	// JSON makes WebSocket clients use JSON frames.
	JSON bool `json:"json"`
	// InputRate is inputs per second per client. Default 10.
	InputRate float64 `json:"input_rate_hz"`
	// RampUp spreads the clients' starts. Default Duration / 10.
	RampUp time.Duration `json:"ramp_up"`
	// Duration bounds the whole run. Default 10 s.
	Duration time.Duration `json:"duration"`
	// Churn is the share of clients that drop once, at a random moment,
	// and resume their slot with their token.
	Churn float64 `json:"churn"`
	// RoomPrefix names the rooms room/<prefix>-<n>. Default lt-<random>,
	// so that runs never meet each other's slots.
	RoomPrefix string `json:"room_prefix"`
	// MaxClients refuses larger runs. Default 10,000.
	MaxClients int `json:"max_clients"`
	// AllowRemote permits non-loopback targets.
	AllowRemote bool `json:"allow_remote"`
	// Progress, when set, gets a status line every second.
	Progress io.Writer `json:"-"`
}

func (c GameConfig) withDefaults() (GameConfig, error) {
	if err := c.applyPreset(); err != nil {
		return c, err
	}
	if c.Clients == 0 {
		c.Clients = 10
	}
	if c.Rooms == 0 {
		c.Rooms = (c.Clients + 9) / 10
	}
	if c.Transport == "" {
		c.Transport = TransportQUIC
	}
	if c.InputRate == 0 {
		c.InputRate = 10
	}
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
	}
	if c.RampUp == 0 {
		c.RampUp = c.Duration / 10
	}
	if c.RoomPrefix == "" {
		c.RoomPrefix = fmt.Sprintf("lt-%06x", rand.Uint32()&0xffffff)
	}
	if c.MaxClients == 0 {
		c.MaxClients = 10_000
	}
	if c.Target.HTTP == "" {
		c.Target.HTTP = "127.0.0.1:8080"
	}
	if c.Target.QUIC == "" {
		c.Target.QUIC = "127.0.0.1:4433"
	}
	return c, c.validate()
}

func (c GameConfig) validate() error {
	switch {
	case c.Clients < 1 || c.Clients > c.MaxClients:
		return fmt.Errorf("loadtest: clients must be 1 to %d (--max-clients)", c.MaxClients)
	case c.Rooms < 1 || c.Rooms > c.Clients:
		return errors.New("loadtest: rooms must be 1 to the number of clients")
	case c.InputRate < 0 || c.InputRate > 100:
		return errors.New("loadtest: input rate must be 0 to 100 Hz (the server allows 200 frames/s)")
	case c.Duration <= 0 || c.RampUp < 0 || c.RampUp >= c.Duration:
		return errors.New("loadtest: need 0 ≤ ramp-up < duration")
	case c.Churn < 0 || c.Churn > 1:
		return errors.New("loadtest: churn is a fraction, 0 to 1")
	}
	if err := validTransport(c.Transport, true); err != nil {
		return err
	}
	if !c.AllowRemote {
		return checkLoopback(c.Target.HTTP, c.Target.QUIC)
	}
	return nil
}

// gameStats is what a game run's clients measure, shared by them all.
type gameStats struct {
	connect, join, rtt, jitter, age, resume *Hist
	errors                                  Errors

	// per second: round trips (inputs acknowledged), snapshots, inputs
	rttTL, snapTL, inputTL *timeline

	connected   atomic.Int64 // clients connected now
	joined      atomic.Int64 // joins that succeeded, resumes excluded
	snapshots   atomic.Int64
	inputs      atomic.Int64
	resumes     atomic.Int64
	disconnects atomic.Int64
	bytesOut    atomic.Int64
	bytesIn     atomic.Int64
	connNanos   atomic.Int64 // connected time summed over clients
}

func newGameStats(start time.Time) *gameStats {
	return &gameStats{connect: NewHist(), join: NewHist(), rtt: NewHist(), jitter: NewHist(), age: NewHist(), resume: NewHist(),
		rttTL:   newTimeline("round_trip", "inputs acknowledged", true, start),
		snapTL:  newTimeline("snapshots", "snapshots received", false, start),
		inputTL: newTimeline("inputs", "inputs sent", false, start),
	}
}

// RunGame runs game clients against a hearth server and reports what
// they measured.
func RunGame(ctx context.Context, cfg GameConfig) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &dialer{target: cfg.Target, json: cfg.JSON}
	if needsTLS(cfg.Transport) {
		sum, err := fetchCertHash(ctx, cfg.Target.HTTP)
		if err != nil {
			return nil, err
		}
		d.tls = pinnedTLS(sum)
	}
	before := scrapeBefore(ctx, cfg.Target.HTTP)
	start := time.Now()
	st := newGameStats(start)
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	stop := startProgress(ctx, cfg.Progress, start, cfg.Duration, func() string {
		return fmt.Sprintf("clients %d/%d  snapshots %d  inputs %d  resumes %d", st.connected.Load(), cfg.Clients,
			st.snapshots.Load(), st.inputs.Load(), st.resumes.Load())
	})
	var wg sync.WaitGroup
	for i := range cfg.Clients {
		p := newPlayer(i, cfg, d, st, start)
		wg.Go(func() { p.run(ctx) })
	}
	wg.Wait()
	stop()
	r := gameReport(cfg, st, start)
	r.Server = serverView(cfg.Target.HTTP, before)
	r.Notes = append(r.Notes, presetNotes(cfg)...)
	return r, nil
}

func gameReport(cfg GameConfig, st *gameStats, start time.Time) *Report {
	r := &Report{Mode: "game", Config: cfg, Started: start, Elapsed: time.Since(start).Seconds(), Errors: st.errors.Snapshot()}
	connSec := float64(st.connNanos.Load()) / 1e9
	perClient := func(b int64) float64 {
		if connSec == 0 {
			return 0
		}
		return float64(b) / connSec
	}
	r.Add("clients", float64(cfg.Clients), "")
	r.Add("joined", float64(st.joined.Load()), "")
	r.Add("snapshots_received", float64(st.snapshots.Load()), "")
	r.Add("inputs_sent", float64(st.inputs.Load()), "")
	r.Add("resumes", float64(st.resumes.Load()), "")
	r.Add("disconnects", float64(st.disconnects.Load()), "")
	r.Add("client_seconds", connSec, "s")
	r.Add("bytes_up_per_client", perClient(st.bytesOut.Load()), "B/s")
	r.Add("bytes_down_per_client", perClient(st.bytesIn.Load()), "B/s")
	r.Latencies = []Latency{
		st.connect.Summarize("connect"),
		st.join.Summarize("join"),
		st.rtt.Summarize("round_trip"),
		st.jitter.Summarize("snapshot_jitter"),
		st.age.Summarize("snapshot_age"),
		st.resume.Summarize("resume"),
	}
	r.Timelines = []Timeline{st.rttTL.Summarize(), st.snapTL.Summarize(), st.inputTL.Summarize()}
	r.Notes = append(r.Notes,
		"round_trip: input sent until a snapshot acknowledges it; includes waiting for the room's next tick (up to one tick period: 50 ms at 20 Hz)",
		"snapshot_age: a snapshot's delay beyond the least delay seen on its connection")
	return r
}
