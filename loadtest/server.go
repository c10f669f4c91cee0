package loadtest

import (
	"context"
	"math"
	"time"
)

// ServerView is what the server's /metrics say about a run: the
// difference between a scrape before and one after (or at the peak).
type ServerView struct {
	CPUSeconds         float64 `json:"cpu_seconds"`
	CPUCores           float64 `json:"cpu_cores"` // CPU seconds per wall second
	RSSBefore          float64 `json:"rss_before_bytes"`
	RSSAfter           float64 `json:"rss_after_bytes"`
	HeapBefore         float64 `json:"heap_inuse_before_bytes"`
	HeapAfter          float64 `json:"heap_inuse_after_bytes"`
	GoroutinesBefore   float64 `json:"goroutines_before"`
	GoroutinesAfter    float64 `json:"goroutines_after"`
	Ticks              float64 `json:"ticks"`
	TickLatenessMeanMs float64 `json:"tick_lateness_mean_ms"`
	TickLatenessP99Ms  float64 `json:"tick_lateness_p99_ms"` // bucket upper bound
	TicksSkipped       float64 `json:"ticks_skipped"`
	SnapshotsSent      float64 `json:"snapshots_sent"`
	InputsRejected     float64 `json:"inputs_rejected"`
	MailboxFull        float64 `json:"mailbox_full"`
}

// NewServerView compares two scrapes.
func NewServerView(before, after *Metrics) *ServerView {
	delta := func(name string) float64 { return after.Value(name) - before.Value(name) }
	v := &ServerView{
		CPUSeconds:       delta("process_cpu_seconds_total"),
		RSSBefore:        before.Value("process_resident_memory_bytes"),
		RSSAfter:         after.Value("process_resident_memory_bytes"),
		HeapBefore:       before.Value("go_memstats_heap_inuse_bytes"),
		HeapAfter:        after.Value("go_memstats_heap_inuse_bytes"),
		GoroutinesBefore: before.Value("go_goroutines"),
		GoroutinesAfter:  after.Value("go_goroutines"),
		TicksSkipped:     delta("hearth_ticks_skipped_total"),
		SnapshotsSent:    delta("hearth_snapshots_total"),
		InputsRejected:   delta("hearth_inputs_rejected_total"),
		MailboxFull:      delta("hearth_mailbox_full_total"),
	}
	if wall := after.At.Sub(before.At).Seconds(); wall > 0 {
		v.CPUCores = v.CPUSeconds / wall
	}
	late := after.Histogram("hearth_tick_lateness_seconds").Since(before.Histogram("hearth_tick_lateness_seconds"))
	v.Ticks = float64(late.Count)
	v.TickLatenessMeanMs = finite(late.Mean() * 1000)
	v.TickLatenessP99Ms = finite(late.Quantile(0.99) * 1000)
	return v
}

// finite maps NaN and ±Inf (no data, past the last bucket) to -1, which
// JSON can carry.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return -1
	}
	return v
}

// Figures lists the view for the summary table.
func (v *ServerView) Figures() []Figure {
	const mib = 1 << 20
	return []Figure{
		{"cpu", v.CPUSeconds, "s"},
		{"cpu_cores", v.CPUCores, "cores"},
		{"rss_before", v.RSSBefore / mib, "MiB"},
		{"rss_after", v.RSSAfter / mib, "MiB"},
		{"heap_inuse_before", v.HeapBefore / mib, "MiB"},
		{"heap_inuse_after", v.HeapAfter / mib, "MiB"},
		{"goroutines_after", v.GoroutinesAfter, ""},
		{"ticks", v.Ticks, ""},
		{"tick_lateness_mean", v.TickLatenessMeanMs, "ms"},
		{"tick_lateness_p99", v.TickLatenessP99Ms, "ms (bucket bound, -1: none)"},
		{"ticks_skipped", v.TicksSkipped, ""},
		{"snapshots_sent", v.SnapshotsSent, ""},
		{"inputs_rejected", v.InputsRejected, ""},
		{"mailbox_full", v.MailboxFull, ""},
	}
}

// scrapeBefore takes the first scrape of a run; a server without
// /metrics gives no server view rather than failing the run.
func scrapeBefore(ctx context.Context, addr string) *Metrics {
	if addr == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	m, err := Scrape(ctx, addr)
	if err != nil {
		return nil
	}
	return m
}

// serverView scrapes again and compares, or returns nil when either
// scrape failed.
func serverView(addr string, before *Metrics) *ServerView {
	if before == nil {
		return nil
	}
	after := scrapeBefore(context.Background(), addr)
	if after == nil {
		return nil
	}
	return NewServerView(before, after)
}
