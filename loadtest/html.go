package loadtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"math"
	"os"
	"slices"
)

// htmlPage is the report page: self-contained, no script, no external
// style or font; the plots are inline SVG.
var htmlPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"value": formatValue,
	"ms":    func(v float64) string { return fmt.Sprintf("%.2f", v) },
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>hearth loadtest {{.R.Mode}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}
table{border-collapse:collapse;margin:8px 0 20px}
td,th{border-bottom:1px solid #ddd;padding:3px 10px;text-align:right}
td:first-child,th:first-child{text-align:left}
pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:12px}
svg.plot{display:block;margin:8px 0 24px;font-family:system-ui,sans-serif}
</style></head><body>
<h1>hearth loadtest {{.R.Mode}}</h1>
<p>started {{.R.Started.Format "2006-01-02 15:04:05 MST"}}, {{printf "%.1f" .R.Elapsed}} s</p>
{{if .Plots}}<h2>Over time</h2>
{{range .Plots}}{{.}}
{{end}}{{end}}
<h2>Figures</h2>
<table><tr><th>figure</th><th>value</th><th>unit</th></tr>
{{range .R.Figures}}<tr><td>{{.Name}}</td><td>{{value .Value}}</td><td>{{.Unit}}</td></tr>
{{end}}</table>
{{if .R.Latencies}}<h2>Latency (ms)</h2>
<table><tr><th>series</th><th>count</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>
{{range .R.Latencies}}<tr><td>{{.Name}}</td><td>{{.Count}}</td><td>{{ms .Mean}}</td><td>{{ms .P50}}</td><td>{{ms .P90}}</td><td>{{ms .P99}}</td><td>{{ms .P999}}</td><td>{{ms .Max}}</td></tr>
{{end}}</table>{{end}}
{{if .Errors}}<h2>Errors</h2>
<table><tr><th>code</th><th>count</th></tr>
{{range .Errors}}<tr><td>{{.}}</td><td>{{index $.R.Errors .}}</td></tr>
{{end}}</table>{{end}}
{{if .Server}}<h2>Server (from /metrics)</h2>
<table><tr><th>figure</th><th>value</th><th>unit</th></tr>
{{range .Server}}<tr><td>{{.Name}}</td><td>{{value .Value}}</td><td>{{.Unit}}</td></tr>
{{end}}</table>{{end}}
{{if .R.Notes}}<h2>Notes</h2><ul>
{{range .R.Notes}}<li>{{.}}</li>
{{end}}</ul>{{end}}
<h2>Configuration</h2>
<pre>{{.Config}}</pre>
</body></html>
`))

// WriteHTML writes the report as one self-contained HTML file.
func (r *Report) WriteHTML(path string) error {
	var b bytes.Buffer
	if err := r.RenderHTML(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// RenderHTML writes the report page: tables of every figure and, per
// timeline, plots of p50 and p99 latency and of events per second.
func (r *Report) RenderHTML(w io.Writer) error {
	cfg, err := json.MarshalIndent(r.Config, "", "  ")
	if err != nil {
		return fmt.Errorf("loadtest: html report: %w", err)
	}
	data := struct {
		R      *Report
		Plots  []template.HTML
		Errors []string
		Server []Figure
		Config string
	}{R: r, Plots: timelinePlots(r.Timelines), Errors: slices.Sorted(maps.Keys(r.Errors)), Config: string(cfg)}
	if r.Server != nil {
		data.Server = r.Server.Figures()
	}
	if err := htmlPage.Execute(w, data); err != nil {
		return fmt.Errorf("loadtest: html report: %w", err)
	}
	return nil
}

// timelinePlots draws, per timeline, its latency (p50, p99) when it has
// one and its events per second.
func timelinePlots(tls []Timeline) []template.HTML {
	var out []template.HTML
	for _, tl := range tls {
		if len(tl.Points) == 0 {
			continue
		}
		counts := make([]float64, len(tl.Points))
		p50 := make([]float64, len(tl.Points))
		p99 := make([]float64, len(tl.Points))
		for i, p := range tl.Points {
			counts[i] = float64(p.Count)
			p50[i], p99[i] = math.NaN(), math.NaN()
			if p.Count > 0 && tl.Latency {
				p50[i], p99[i] = p.P50, p.P99
			}
		}
		if tl.Latency {
			// The SVG is built from numbers and escaped labels only.
			out = append(out, template.HTML(svgPlot(tl.Name+": latency per second", "ms", []plotLine{ //nolint:gosec
				{label: "p50", color: "#1f77b4", ys: p50},
				{label: "p99", color: "#d62728", ys: p99},
			})))
		}
		out = append(out, template.HTML(svgPlot(tl.Name+": "+tl.Unit+" per second", "per second", []plotLine{ //nolint:gosec
			{label: tl.Unit, color: "#2ca02c", ys: counts},
		})))
	}
	return out
}
