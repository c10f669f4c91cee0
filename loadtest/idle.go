package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearth-server/hearth/codec"
)

// IdleConfig configures `loadtest idle`. Zero fields take the defaults in
// their comments.
type IdleConfig struct {
	Target Target `json:"target"`
	// Clients to hold. Default 100.
	Clients int `json:"clients"`
	// Transport: ws, quic, webtransport or mix. Default ws.
	Transport string `json:"transport"`
	// RampUp spreads the connects. Default Duration / 4.
	RampUp time.Duration `json:"ramp_up"`
	// Duration bounds the whole run. Default 10 s.
	Duration time.Duration `json:"duration"`
	// Parallel bounds the connects in flight. Default 64.
	Parallel int `json:"parallel"`
	// MaxClients refuses larger runs. Default 100,000.
	MaxClients int `json:"max_clients"`
	// AllowRemote permits non-loopback targets.
	AllowRemote bool `json:"allow_remote"`
	// Progress, when set, gets a status line every second.
	Progress io.Writer `json:"-"`
}

func (c IdleConfig) withDefaults() (IdleConfig, error) {
	if c.Clients == 0 {
		c.Clients = 100
	}
	if c.Transport == "" {
		c.Transport = TransportWebSocket
	}
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
	}
	if c.RampUp == 0 {
		c.RampUp = c.Duration / 4
	}
	if c.Parallel == 0 {
		c.Parallel = 64
	}
	if c.MaxClients == 0 {
		c.MaxClients = 100_000
	}
	if c.Target.HTTP == "" {
		c.Target.HTTP = "127.0.0.1:8080"
	}
	if c.Target.QUIC == "" {
		c.Target.QUIC = "127.0.0.1:4433"
	}
	switch {
	case c.Clients < 1 || c.Clients > c.MaxClients:
		return c, fmt.Errorf("loadtest: clients must be 1 to %d (--max-clients)", c.MaxClients)
	case c.Duration <= 0 || c.RampUp < 0 || c.RampUp >= c.Duration:
		return c, errors.New("loadtest: need 0 ≤ ramp-up < duration")
	case c.Parallel < 1:
		return c, errors.New("loadtest: parallel must be at least 1")
	}
	if err := validTransport(c.Transport, true); err != nil {
		return c, err
	}
	if !c.AllowRemote {
		return c, checkLoopback(c.Target.HTTP, c.Target.QUIC)
	}
	return c, nil
}

// idleStats is what an idle run measures.
type idleStats struct {
	connect     *Hist
	connectTL   *timeline // connects per second, and their latency
	errors      Errors
	held        atomic.Int64 // connected now
	connected   atomic.Int64 // ever connected
	disconnects atomic.Int64
}

// RunIdle opens connections that only say hello and then sit, and
// reports what they cost the server.
func RunIdle(ctx context.Context, cfg IdleConfig) (*Report, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &dialer{target: cfg.Target}
	if needsTLS(cfg.Transport) {
		sum, err := fetchCertHash(ctx, cfg.Target.HTTP)
		if err != nil {
			return nil, err
		}
		d.tls = pinnedTLS(sum)
	}
	before := scrapeBefore(ctx, cfg.Target.HTTP)
	start := time.Now()
	st := &idleStats{connect: NewHist(), connectTL: newTimeline("connect", "connects", true, start)}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	stop := startProgress(ctx, cfg.Progress, start, cfg.Duration, func() string {
		return fmt.Sprintf("held %d/%d  disconnects %d", st.held.Load(), cfg.Clients, st.disconnects.Load())
	})
	var dials, holds sync.WaitGroup
	sem := make(chan struct{}, cfg.Parallel)
	for i := range cfg.Clients {
		dials.Add(1)
		t := transportFor(cfg.Transport, i)
		var src net.IP
		if t == TransportQUIC {
			src = sourceFor(cfg.Target.QUIC, i)
		}
		holds.Go(func() {
			holdIdle(ctx, d, t, src, start.Add(cfg.RampUp*time.Duration(i)/time.Duration(cfg.Clients)), sem, &dials, st)
		})
	}
	peak, heldAtPeak := scrapePeak(ctx, cfg, &dials, start, st)
	holds.Wait()
	stop()
	r := idleReport(cfg, st, start, heldAtPeak)
	if before != nil && peak != nil {
		r.Server = NewServerView(before, peak)
		addPerConn(r, r.Server, heldAtPeak)
	}
	return r, nil
}

// holdIdle connects one client when its turn comes and holds it until
// ctx ends.
func holdIdle(ctx context.Context, d *dialer, transport string, src net.IP, at time.Time, sem chan struct{}, dials *sync.WaitGroup, st *idleStats) {
	dialed := false
	done := func() {
		if !dialed {
			dialed = true
			dials.Done()
		}
	}
	defer done()
	if !sleepUntil(ctx, at) {
		return
	}
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	t0 := time.Now()
	dctx, cancel := context.WithTimeout(ctx, joinTimeout)
	c, release, err := d.dialFrom(dctx, transport, src)
	cancel()
	<-sem
	if err != nil {
		st.errors.AddErr(err, "dial")
		return
	}
	defer release()
	defer c.Close()
	st.connect.Record(time.Since(t0))
	st.connectTL.Record(time.Now(), time.Since(t0))
	st.connected.Add(1)
	st.held.Add(1)
	defer st.held.Add(-1)
	done()
	for {
		f, err := c.Recv(ctx)
		if err != nil {
			if ctx.Err() == nil {
				st.disconnects.Add(1)
				st.errors.AddErr(err, "disconnected")
			}
			return
		}
		if f.Kind == codec.KindError {
			st.errors.AddFrame(f)
		}
	}
}

// scrapePeak scrapes /metrics a second after the last connect (or half a
// second before the end, if that comes first).
func scrapePeak(ctx context.Context, cfg IdleConfig, dials *sync.WaitGroup, start time.Time, st *idleStats) (*Metrics, int64) {
	dialed := make(chan struct{})
	go func() { dials.Wait(); close(dialed) }()
	latest := start.Add(cfg.Duration - cfg.Duration/20)
	select {
	case <-dialed:
		if t := time.Now().Add(time.Second); t.Before(latest) {
			latest = t
		}
	case <-time.After(time.Until(latest)):
	}
	sleepUntil(ctx, latest)
	held := st.held.Load()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := Scrape(sctx, cfg.Target.HTTP)
	if err != nil {
		return nil, held
	}
	return m, held
}

func idleReport(cfg IdleConfig, st *idleStats, start time.Time, held int64) *Report {
	r := &Report{Mode: "idle", Config: cfg, Started: start, Elapsed: time.Since(start).Seconds(), Errors: st.errors.Snapshot()}
	r.Add("clients", float64(cfg.Clients), "")
	r.Add("connected", float64(st.connected.Load()), "")
	r.Add("held_at_peak", float64(held), "")
	r.Add("failed", float64(int64(cfg.Clients)-st.connected.Load()), "")
	r.Add("disconnects", float64(st.disconnects.Load()), "")
	if src := sources(cfg); src > 0 {
		r.Add("quic_source_addresses", float64(src), "")
	}
	r.Latencies = []Latency{st.connect.Summarize("connect")}
	r.Timelines = []Timeline{st.connectTL.Summarize()}
	r.Notes = append(r.Notes, idleSourceNote)
	return r
}

// addPerConn adds the server's cost per held connection.
func addPerConn(r *Report, v *ServerView, held int64) {
	if held == 0 {
		return
	}
	n := float64(held)
	r.Add("server_rss_per_conn", (v.RSSAfter-v.RSSBefore)/n, "B")
	r.Add("server_heap_per_conn", (v.HeapAfter-v.HeapBefore)/n, "B")
	r.Add("server_goroutines_per_conn", (v.GoroutinesAfter-v.GoroutinesBefore)/n, "")
	r.Notes = append(r.Notes, "server figures compare a scrape before the run with one taken while the connections were held; other work on the server (rooms hibernating, garbage collected) blurs them, so measure against a fresh server")
}

// sources counts the source addresses the run's QUIC clients bind (0:
// none bound).
func sources(cfg IdleConfig) int {
	n := 0
	for i := range cfg.Clients {
		if transportFor(cfg.Transport, i) == TransportQUIC {
			if ip := sourceFor(cfg.Target.QUIC, i); ip != nil {
				n = max(n, int(ip.To4()[3]))
			}
		}
	}
	return n
}

// idleSourceNote says which connections spread their source addresses.
const idleSourceNote = "source addresses: raw QUIC clients bind their own UDP socket, 20,000 per address over 127.0.0.1, .2, … (one socket per connection: client.DialQUIC makes a quic.Transport per dial, which cannot share a socket); WebSocket and WebTransport clients cannot (transport/client dials them through http.DefaultClient and its own HTTP/3 transport, taking no dialer), so past ~28,000 connections to one server address they run out of ephemeral ports"
