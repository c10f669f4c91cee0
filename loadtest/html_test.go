package loadtest

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func reportWithTimelines() *Report {
	r := sampleReport()
	r.Config = GameConfig{Clients: 10, RoomPrefix: "x<y>"}
	start := time.Now()
	rt := newTimeline("round_trip", "inputs acknowledged", true, start)
	snaps := newTimeline("snapshots", "snapshots received", false, start)
	for s := range 5 {
		at := start.Add(time.Duration(s) * time.Second)
		for i := range 50 {
			rt.Record(at, time.Duration(i+s)*time.Millisecond)
		}
		snaps.Count(at, int64(200+s))
	}
	r.Timelines = []Timeline{rt.Summarize(), snaps.Summarize()}
	r.Notes = append(r.Notes, "<b>escaped</b>")
	return r
}

func TestRenderHTML(t *testing.T) {
	var b strings.Builder
	if err := reportWithTimelines().RenderHTML(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// latency and throughput of round_trip, throughput of snapshots
	if n := strings.Count(out, "<svg "); n != 3 {
		t.Errorf("%d plots, want 3", n)
	}
	for _, want := range []string{
		"<!DOCTYPE html>", "hearth loadtest game",
		"round_trip: latency per second", "round_trip: inputs acknowledged per second", "snapshots: snapshots received per second",
		"<polyline", ">p50<", ">p99<",
		"bytes_up_per_client", "123.456", // a figure
		"<td>round_trip</td><td>1</td>", // the latency table
		"bad_input", "cpu_cores", "&lt;b&gt;escaped&lt;/b&gt;", "x\\u003cy\\u003e",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, banned := range []string{"<script", "<link", " src=", "@import", "<b>escaped"} {
		if strings.Contains(out, banned) {
			t.Errorf("page has %q: not self-contained or not escaped", banned)
		}
	}
}

func TestWriteHTML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.html")
	r := &Report{Mode: "idle"} // no timelines, no server view
	if err := r.WriteHTML(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "hearth loadtest idle") || strings.Contains(string(b), "<svg") {
		t.Fatalf("%v\n%s", err, b)
	}
}

func TestSVGPlot(t *testing.T) {
	svg := svgPlot("t & u", "ms", []plotLine{{label: "a", color: "#000", ys: []float64{1, math.NaN(), 3, 4, math.Inf(1)}}})
	if !strings.HasPrefix(svg, "<svg ") || !strings.HasSuffix(svg, "</svg>") || !strings.Contains(svg, "t &amp; u") {
		t.Fatalf("%s", svg)
	}
	// the gap splits the line: a lone point, then a polyline of two
	if strings.Count(svg, "<circle") != 1 || strings.Count(svg, "<polyline") != 1 {
		t.Errorf("segments: %s", svg)
	}
	if strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
		t.Errorf("non-finite coordinates: %s", svg)
	}
	_ = svgPlot("empty", "", nil)
}

func TestNiceStep(t *testing.T) {
	for _, c := range []struct{ span, want float64 }{{10, 2}, {100, 20}, {7, 2}, {0.9, 0.2}, {0, 1}, {4500, 1000}, {60, 20}} {
		if got := niceStep(c.span, 5); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("niceStep(%v) = %v, want %v", c.span, got, c.want)
		}
	}
}
