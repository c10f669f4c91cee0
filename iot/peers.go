package iot

import (
	"fmt"
	"math"
	"time"
)

// peerStats are a metric's group statistics as group_relative last
// computed them. Merging a window's panes costs as much as the window has
// panes, so they are recomputed only after a sixteenth more readings than
// they count, or peerRefresh of event time: amortized O(1) per reading.
type peerStats struct {
	st   Stats
	at   int64 // event time they are for
	left int   // readings until they are recomputed
}

const peerRefresh = int64(time.Second)

// groupRelative compares a reading with the group's shortest window for
// its metric (other devices at about the same time), when the group's
// configuration asks for it.
func (g *Group) groupRelative(m Metric, t int64) (Finding, bool) {
	z, ok := g.conf.groupRelativeZ(m.Name)
	if !ok {
		return Finding{}, false
	}
	st := g.peerStats(m.Name, t)
	if st.Count < 10 || st.Stddev == 0 {
		return Finding{}, false
	}
	dev := math.Abs(m.Value - st.Mean)
	if dev <= z*st.Stddev {
		return Finding{}, false
	}
	return Finding{Detector: "group_relative", Value: m.Value, Low: st.Mean - z*st.Stddev, High: st.Mean + z*st.Stddev,
		Score: dev / (z * st.Stddev), Reason: fmt.Sprintf("%.1f group standard deviations from the group mean %.4g", dev/st.Stddev, st.Mean)}, true
}

// peerStats returns metric's group statistics at about event time t.
func (g *Group) peerStats(metric string, t int64) Stats {
	p := g.peers[metric]
	if p == nil {
		p = &peerStats{}
		g.peers[metric] = p
	}
	p.left--
	if p.left < 0 || t-p.at >= peerRefresh || p.at-t >= peerRefresh {
		p.st, _, _ = g.groupWindows(metric)[0].moments(t)
		p.at = t
		p.left = p.st.Count / 16
	}
	return p.st
}
