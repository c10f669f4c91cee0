package iot

import (
	"testing"
	"time"
)

func reading(t time.Time, v float64) Reading {
	return Reading{Time: t.UnixNano(), Metrics: []Metric{{Name: "temp", Value: v}}}
}

// Each device has its own watermark: one device's fast clock does not make
// another's readings late; readings beyond the allowed lateness are late;
// future timestamps are clamped.
func TestDeviceEventTime(t *testing.T) {
	o := Options{}.withDefaults()
	base := time.Unix(1_700_000_000, 0)
	now := base.Add(time.Minute).UnixNano()
	var fast, slow device
	fast.observe(reading(base.Add(50*time.Second), 1), now, &o)
	if out := slow.observe(reading(base, 1), now, &o); out.Late {
		t.Fatal("another device's clock made this one late")
	}
	if out := slow.observe(reading(base.Add(-4*time.Second), 1), now, &o); out.Late {
		t.Fatal("4 s late is within the allowed 5 s")
	}
	if out := slow.observe(reading(base.Add(-6*time.Second), 1), now, &o); !out.Late {
		t.Fatal("6 s late must be late")
	}
	out := fast.observe(reading(base.Add(time.Hour), 1), now, &o)
	if !out.Clamped || fast.newest != now {
		t.Fatalf("an hour in the future: %+v, newest %d", out, fast.newest)
	}
	s := slow.lookup("temp").windows[0].Stats(base.UnixNano())
	if s.Count != 2 {
		t.Fatalf("the late reading must not count: %+v", s)
	}
}

func TestDeviceFindsAnomalies(t *testing.T) {
	o := Options{}.withDefaults()
	var d device
	start := time.Unix(1_700_000_000, 0)
	var found []Finding
	for i := range 600 {
		v := 20 + float64(i%5)*0.1
		if i == 450 {
			v = 40
		}
		out := d.observe(reading(start.Add(time.Duration(i)*time.Second), v), start.Add(time.Hour).UnixNano(), &o)
		found = append(found, out.Findings...)
	}
	if len(found) != 1 || found[0].Detector != "ewma_z" || found[0].Value != 40 {
		t.Fatalf("findings %+v, want the spike", found)
	}
}
