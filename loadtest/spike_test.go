package loadtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

const sampleAlert = `{"id":"3","device":"d7","metric":"value","state":"open","opened":"2025-01-02T03:04:05.123Z",
"last":"2025-01-02T03:04:05.123Z","count":1,"finding":{"detector":"threshold","value":10000,"expected_low":-1000,
"expected_high":1000,"score":9,"reason":"above max"},"worst_score":9}`

func TestDecodeAlert(t *testing.T) {
	a, err := decodeAlert([]byte(sampleAlert))
	if err != nil || a.Device != "d7" || a.State != "open" || a.Finding.Detector != "threshold" || a.Finding.Value != spikeValue || a.Opened.IsZero() {
		t.Fatalf("%+v %v", a, err)
	}
	if _, err := decodeAlert([]byte(`{"opened":"yesterday"}`)); err == nil {
		t.Fatal("bad time decoded")
	}
}

func FuzzDecodeAlert(f *testing.F) {
	f.Add([]byte(sampleAlert))
	f.Add([]byte(`{"state":"cleared","finding":{"value":1e400}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := decodeAlert(b)
		if err == nil && a.State == "open" {
			_ = a.Finding.Value == spikeValue
		}
	})
}

func TestSpikePlan(t *testing.T) {
	cfg := IoTConfig{Sensors: 100, Spikes: 4, Rate: 10, Duration: 20 * time.Second, SpikeDetectors: SpikeThreshold}
	plan, err := spikePlan(cfg)
	if err != nil || len(plan) != 4 {
		t.Fatalf("%v %v", plan, err)
	}
	// sensors 0, 25, 50, 75; readings 40 … 160 of 200
	if plan[0] != 40 || plan[25] != 80 || plan[50] != 120 || plan[75] != 160 {
		t.Errorf("plan %v", plan)
	}
	cfg.SpikeDetectors = SpikeDefault
	if _, err := spikePlan(cfg); err == nil {
		t.Error("200 readings per sensor allowed the default detectors' warm-up")
	}
	cfg.Duration = time.Minute
	plan, err = spikePlan(cfg)
	if err != nil || plan[0] != spikeWarmup || plan[75] != 540 {
		t.Errorf("default detectors: %v %v", plan, err)
	}
	cfg.Spikes = 1
	if plan, _ := spikePlan(cfg); len(plan) != 1 || plan[0] != spikeWarmup {
		t.Errorf("one spike: %v", plan)
	}
	if plan, _ := spikePlan(IoTConfig{}); plan != nil {
		t.Errorf("no spikes: %v", plan)
	}
}

func TestSpikesMatchAlerts(t *testing.T) {
	var errs Errors
	s := newSpikes("lt", newTimeline("spike_to_alert", "spikes", true, time.Now()), &errs)
	s.sent("lt-0", "d7", time.Now().Add(-30*time.Millisecond))
	s.sent("lt-1", "d8", time.Now())
	msg := func(group, body string) *nats.Msg {
		return &nats.Msg{Subject: "hearth.alerts." + group, Data: []byte(body)}
	}
	s.onAlert(msg("lt-0", sampleAlert))                                            // the spike's alert
	s.onAlert(msg("lt-0", strings.Replace(sampleAlert, "threshold", "ewma_z", 1))) // a second detector on it
	s.onAlert(msg("lt-0", strings.Replace(sampleAlert, `"state":"open"`, `"state":"cleared"`, 1)))
	s.onAlert(msg("lt-1", strings.Replace(sampleAlert, "10000", "26", 1))) // not the spike's value
	s.onAlert(msg("other-0", sampleAlert))                                 // another run
	s.onAlert(msg("lt-0", "{"))
	var r Report
	s.report(&r, IoTConfig{SpikeDetectors: SpikeThreshold})
	for name, want := range map[string]float64{"spikes_injected": 2, "spikes_alerted": 1, "spikes_missed": 1,
		"alerts_opened": 3, "alerts_extra_on_spikes": 1, "alerts_not_spikes": 1, "alerts_opened_by_threshold": 2, "alerts_opened_by_ewma_z": 1} {
		if got, ok := r.Figure(name); !ok || got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if l, ok := r.Latency("spike_to_alert"); !ok || l.Count != 1 || l.P50 < 30 {
		t.Errorf("latency %+v", l)
	}
	if tl, ok := r.Timeline("spike_to_alert"); !ok || len(tl.Points) != 1 {
		t.Errorf("timeline %+v", tl)
	}
	if errs.Snapshot()["bad_alert"] != 1 {
		t.Errorf("errors %v", errs.Snapshot())
	}
}

func TestConfigureGroups(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got[r.Method+" "+r.URL.Path] = string(b)
		mu.Unlock()
		if strings.Contains(r.URL.Path, "-2/") {
			http.Error(w, `{"error":"nope"}`, http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	cfg := IoTConfig{HTTP: addr, GroupPrefix: "lt", Groups: 2}
	if err := configureGroups(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["PUT /api/iot/groups/lt-1/config"] != thresholdConfig {
		t.Fatalf("requests %v", got)
	}
	cfg.Groups = 3
	if err := configureGroups(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("refused config: %v", err)
	}
}
