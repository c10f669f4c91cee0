package loadtest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is every figure of one run.
type Report struct {
	Mode      string         `json:"mode"`
	Config    any            `json:"config"`
	Started   time.Time      `json:"started"`
	Elapsed   float64        `json:"elapsed_seconds"`
	Figures   []Figure       `json:"figures"`
	Latencies []Latency      `json:"latencies"`
	Errors    map[string]int `json:"errors"`
	Server    *ServerView    `json:"server,omitempty"`
	// Timelines are the run's main series, second by second.
	Timelines []Timeline `json:"timelines,omitempty"`
	Notes     []string   `json:"notes,omitempty"`
}

// Figure is one named measurement.
type Figure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit,omitempty"`
}

// Latency summarizes one histogram, in milliseconds.
type Latency struct {
	Name  string  `json:"name"`
	Count int64   `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p99_9_ms"`
	Max   float64 `json:"max_ms"`
}

// Add appends a figure.
func (r *Report) Add(name string, value float64, unit string) {
	r.Figures = append(r.Figures, Figure{Name: name, Value: value, Unit: unit})
}

// Figure returns the value of the named figure, and whether there is one.
func (r *Report) Figure(name string) (float64, bool) {
	for _, f := range r.Figures {
		if f.Name == name {
			return f.Value, true
		}
	}
	return 0, false
}

// Latency returns the named latency summary, and whether there is one.
func (r *Report) Latency(name string) (Latency, bool) {
	for _, l := range r.Latencies {
		if l.Name == name {
			return l, true
		}
	}
	return Latency{}, false
}

// Timeline returns the named timeline, and whether there is one.
func (r *Report) Timeline(name string) (Timeline, bool) {
	for _, t := range r.Timelines {
		if t.Name == name {
			return t, true
		}
	}
	return Timeline{}, false
}

// WriteJSON writes the report, indented, to path.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("loadtest: report: %w", err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Print writes the report as tables.
func (r *Report) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "hearth loadtest %s: %.1f s\t\n\n", r.Mode, r.Elapsed)
	for _, f := range r.Figures {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", f.Name, formatValue(f.Value), f.Unit)
	}
	if len(r.Latencies) > 0 {
		fmt.Fprintf(tw, "\nlatency (ms)\tcount\tmean\tp50\tp90\tp99\tp99.9\tmax\t\n")
		for _, l := range r.Latencies {
			fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t\n",
				l.Name, l.Count, l.Mean, l.P50, l.P90, l.P99, l.P999, l.Max)
		}
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(tw, "\nerrors\tcount\t\n")
		for _, code := range slices.Sorted(maps.Keys(r.Errors)) {
			fmt.Fprintf(tw, "%s\t%d\t\n", code, r.Errors[code])
		}
	}
	if r.Server != nil {
		fmt.Fprintf(tw, "\nserver (from /metrics)\t\t\t\n")
		for _, f := range r.Server.Figures() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t\n", f.Name, formatValue(f.Value), f.Unit)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(tw, "\nnote: %s\t\n", strings.ReplaceAll(n, "\t", " "))
	}
	return tw.Flush()
}

func formatValue(v float64) string {
	if v == float64(int64(v)) && v < 1e15 && v > -1e15 {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.3f", v)
}
