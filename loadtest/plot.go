package loadtest

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// plotLine is one series of a plot: y per x, NaN for a gap.
type plotLine struct {
	label string
	color string
	ys    []float64
}

// Plot geometry, in SVG user units.
const (
	plotW, plotH                  = 760, 260
	padL, padR, padTop, padBottom = 64, 16, 28, 40
)

// svgPlot draws lines over x = 0, 1, 2, … (seconds) as a self-contained
// SVG element: axes, nice ticks, a legend.
func svgPlot(title, yUnit string, lines []plotLine) string {
	n := 0
	ymax := 0.0
	for _, l := range lines {
		n = max(n, len(l.ys))
		for _, y := range l.ys {
			if !math.IsNaN(y) && !math.IsInf(y, 0) {
				ymax = max(ymax, y)
			}
		}
	}
	xmax := float64(max(n-1, 1))
	ystep := niceStep(ymax, 5)
	ytop := math.Max(ystep, math.Ceil(ymax/ystep)*ystep)
	x := func(v float64) float64 { return padL + v/xmax*(plotW-padL-padR) }
	y := func(v float64) float64 { return plotH - padBottom - v/ytop*(plotH-padTop-padBottom) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="plot" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		plotW, plotH, plotW, plotH, html.EscapeString(title))
	fmt.Fprintf(&b, `<text x="%d" y="16" font-size="13" font-weight="bold">%s</text>`, padL, html.EscapeString(title))
	// y grid and labels
	for v := 0.0; v <= ytop*1.0001; v += ystep {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, padL, plotW-padR, y(v), y(v))
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="11" text-anchor="end">%s</text>`, padL-6, y(v)+4, tickLabel(v))
	}
	// x ticks
	xstep := niceStep(xmax, 8)
	for v := 0.0; v <= xmax*1.0001; v += xstep {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#999"/>`, x(v), x(v), plotH-padBottom, plotH-padBottom+4)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>`, x(v), plotH-padBottom+16, tickLabel(v))
	}
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#333"/>`, padL, plotW-padR, plotH-padBottom, plotH-padBottom)
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#333"/>`, padL, padL, padTop, plotH-padBottom)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="middle">seconds since start</text>`, (padL+plotW-padR)/2, plotH-6)
	fmt.Fprintf(&b, `<text x="12" y="%d" font-size="11" text-anchor="middle" transform="rotate(-90 12 %d)">%s</text>`,
		(padTop+plotH-padBottom)/2, (padTop+plotH-padBottom)/2, html.EscapeString(yUnit))
	for i, l := range lines {
		fmt.Fprintf(&b, `<rect x="%d" y="6" width="10" height="10" fill="%s"/><text x="%d" y="15" font-size="11">%s</text>`,
			plotW-padR-220+i*110, l.color, plotW-padR-206+i*110, html.EscapeString(l.label))
		for _, pts := range segments(l.ys, x, y) {
			if len(pts) == 1 {
				fmt.Fprintf(&b, `<circle cx="%s" r="2" fill="%s"/>`, strings.Replace(pts[0], ",", `" cy="`, 1), l.color)
				continue
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`, l.color, strings.Join(pts, " "))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// segments splits a line at its gaps (NaN) into point lists "x,y".
func segments(ys []float64, x, y func(float64) float64) [][]string {
	var out [][]string
	var cur []string
	for i, v := range ys {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, fmt.Sprintf("%.1f,%.1f", x(float64(i)), y(v)))
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// niceStep returns a step of 1, 2 or 5 × 10^k that cuts span into about
// n intervals.
func niceStep(span float64, n int) float64 {
	if span <= 0 || math.IsNaN(span) || math.IsInf(span, 0) {
		return 1
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

func tickLabel(v float64) string {
	switch {
	case v == 0:
		return "0"
	case math.Abs(v) >= 1e6:
		return fmt.Sprintf("%gM", math.Round(v/1e5)/10)
	case math.Abs(v) >= 1e4:
		return fmt.Sprintf("%gk", math.Round(v/100)/10)
	}
	return fmt.Sprintf("%g", math.Round(v*1000)/1000)
}
