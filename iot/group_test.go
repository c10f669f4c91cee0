package iot_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/iot"
	"github.com/hearth-server/hearth/session"
)

// recorder is a Publisher that keeps what it was given.
type recorder struct {
	mu   sync.Mutex
	msgs map[string][]string
}

func (r *recorder) Publish(subject string, data []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.msgs == nil {
		r.msgs = map[string][]string{}
	}
	r.msgs[subject] = append(r.msgs[subject], string(data))
	return nil
}

func (r *recorder) on(subject string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.msgs[subject]...)
}

func TestGroupAggregatesAlertsLateAndRejected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &recorder{}
		rt, err := session.New(session.Config{Store: session.NewMemStore(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Shutdown(context.Background())
		cfg := iot.Config{QuietFor: 10 * time.Second, Publisher: pub}
		cfg.Detectors = func(string) []iot.Detector { return []iot.Detector{&iot.Threshold{Min: 0, Max: 100}} }
		if err := rt.Register(iot.Kind("group", cfg)); err != nil {
			t.Fatal(err)
		}
		id := session.ID{Kind: "group", Name: "pumps"}
		send := func(dev, payload string) {
			t.Helper()
			if err := rt.Send(id, codec.Ingest{Device: dev, Payload: []byte(payload), Received: time.Now().UnixNano()}); err != nil {
				t.Fatal(err)
			}
		}
		ms := time.Now().UnixMilli()
		for i := range 10 {
			send("p1", `{"ts": `+itoa(ms+int64(i)*100)+`, "metrics": {"temp": 20, "rpm": 50}}`)
			send("p2", `{"ts": `+itoa(ms+int64(i)*100)+`, "value": 30}`)
		}
		send("p1", `{"ts": `+itoa(ms+1000)+`, "metrics": {"temp": 150}}`)  // anomaly
		send("p1", `{"ts": `+itoa(ms-10_000)+`, "metrics": {"temp": 20}}`) // 10 s late
		send("p2", `{"value": "NaN"}`)
		send("p2", `not json at all`)
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()

		aggs := pub.on("hearth.agg.pumps")
		if len(aggs) == 0 {
			t.Fatal("no aggregates published")
		}
		var view iot.View
		if err := json.Unmarshal([]byte(aggs[len(aggs)-1]), &view); err != nil {
			t.Fatal(err)
		}
		temp := view.Metrics["temp"]["10s"]
		if temp.P50 < 19.7 || temp.P50 > 20.3 || temp.P99 < 19.7 {
			t.Fatalf("percentiles %+v", temp)
		}
		if view.Devices != 2 || temp.Count != 11 || temp.Max != 150 || view.Counts.Late != 1 || view.Counts.Rejected["value is not a finite number"] != 1 {
			t.Fatalf("view %+v", view)
		}
		if got := pub.on("hearth.late.pumps"); len(got) != 1 {
			t.Fatalf("late published: %v", got)
		}
		if got := pub.on("hearth.rejected"); len(got) != 2 || !strings.Contains(got[0], "pumps") {
			t.Fatalf("rejected published: %v", got)
		}
		alerts := pub.on("hearth.alerts.pumps")
		if len(alerts) != 1 || !strings.Contains(alerts[0], `"state":"open"`) || !strings.Contains(alerts[0], `"detector":"threshold"`) {
			t.Fatalf("alerts: %v", alerts)
		}
		if _, err := rt.Call(context.Background(), id, iot.AckAlert{ID: "0", By: "ops"}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(15 * time.Second) // quiet: the alert clears
		synctest.Wait()
		alerts = pub.on("hearth.alerts.pumps")
		if len(alerts) != 3 || !strings.Contains(alerts[1], `"acknowledged"`) || !strings.Contains(alerts[2], `"cleared"`) {
			t.Fatalf("alert lifecycle: %v", alerts)
		}
	})
}

func itoa(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A device that goes silent gets an offline alert (from the group's
// alarm); it clears when the device reports again.
func TestOfflineDevice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &recorder{}
		rt, _ := session.New(session.Config{Store: session.NewMemStore(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		defer rt.Shutdown(context.Background())
		_ = rt.Register(iot.Kind("group", iot.Config{OfflineAfter: time.Minute, Publisher: pub}))
		id := session.ID{Kind: "group", Name: "g"}
		send := func(dev string) {
			_ = rt.Send(id, codec.Ingest{Device: dev, Payload: []byte(`{"value": 1}`), Received: time.Now().UnixNano()})
		}
		send("p2") // p2 says one thing; p1 keeps talking
		for range 100 {
			send("p1")
			time.Sleep(2 * time.Second)
		}
		synctest.Wait()
		alerts := pub.on("hearth.alerts.g")
		if len(alerts) != 1 || !strings.Contains(alerts[0], `"device":"p2"`) || !strings.Contains(alerts[0], `"detector":"offline"`) {
			t.Fatalf("alerts %v, want p2 offline", alerts)
		}
		send("p2")
		synctest.Wait()
		if alerts = pub.on("hearth.alerts.g"); len(alerts) != 2 || !strings.Contains(alerts[1], `"cleared"`) {
			t.Fatalf("after p2 reports: %v", alerts)
		}
	})
}

// An offline alert open when the server stopped clears when the device
// reports to the restarted server.
func TestOfflineAlertClearsAfterRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := session.NewMemStore()
		pub := &recorder{}
		start := func() *session.Runtime {
			rt, _ := session.New(session.Config{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			_ = rt.Register(iot.Kind("group", iot.Config{OfflineAfter: time.Minute, Publisher: pub}))
			return rt
		}
		id := session.ID{Kind: "group", Name: "g"}
		send := func(rt *session.Runtime, dev string) {
			_ = rt.Send(id, codec.Ingest{Device: dev, Payload: []byte(`{"value": 1}`), Received: time.Now().UnixNano()})
		}
		rt := start()
		send(rt, "p2")
		for range 100 {
			send(rt, "p1")
			time.Sleep(2 * time.Second)
		}
		synctest.Wait()
		if alerts := pub.on("hearth.alerts.g"); len(alerts) != 1 {
			t.Fatalf("alerts %v, want p2 offline", alerts)
		}
		_ = rt.Shutdown(context.Background())
		rt = start()
		defer rt.Shutdown(context.Background())
		send(rt, "p2")
		synctest.Wait()
		if alerts := pub.on("hearth.alerts.g"); len(alerts) != 2 || !strings.Contains(alerts[1], `"cleared"`) {
			t.Fatalf("after p2 reports to the restarted server: %v", alerts)
		}
	})
}

// A restarted group resumes with its devices' windows and watermarks.
func TestGroupCheckpointSurvivesRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := session.NewMemStore()
		pub := &recorder{}
		start := func() *session.Runtime {
			rt, _ := session.New(session.Config{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			_ = rt.Register(iot.Kind("group", iot.Config{Publisher: pub}))
			return rt
		}
		rt := start()
		id := session.ID{Kind: "group", Name: "g"}
		ms := time.Now().UnixMilli()
		for i := range 30 {
			_ = rt.Send(id, codec.Ingest{Device: "p1", Payload: []byte(`{"ts": ` + itoa(ms-3000+int64(i)*100) + `, "value": ` + itoa(int64(i)) + `}`), Received: time.Now().UnixNano()})
		}
		time.Sleep(1500 * time.Millisecond) // a publication tick: checkpoint
		_ = rt.Shutdown(context.Background())

		rt = start()
		defer rt.Shutdown(context.Background())
		v, err := rt.Call(context.Background(), id, iot.DeviceQuery{Device: "p1"})
		if err != nil {
			t.Fatal(err)
		}
		st := v.(iot.DeviceView).Metrics["value"]["1m0s"]
		if st.Count != 30 || st.Max != 29 {
			t.Fatalf("after restart: %+v", st)
		}
		gv, _ := rt.Call(context.Background(), id, iot.Query{})
		if gs := gv.(iot.View).Metrics["value"]["1m0s"]; gs.Count != 30 {
			t.Fatalf("group windows after restart: %+v", gs)
		}
		// The watermark came back too: a reading 10 s behind is late.
		_ = rt.Send(id, codec.Ingest{Device: "p1", Payload: []byte(`{"ts": ` + itoa(ms-13000) + `, "value": 1}`), Received: time.Now().UnixNano()})
		synctest.Wait()
		c, _ := rt.Call(context.Background(), id, iot.CountsQuery{})
		if c.(iot.Counters).Late != 1 {
			t.Fatalf("counters after restart %+v", c)
		}
	})
}

// A configuration set on a group chooses its detectors, survives a
// restart, and bad ones are refused.
func TestGroupConfig(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := session.NewMemStore()
		pub := &recorder{}
		start := func() *session.Runtime {
			rt, _ := session.New(session.Config{Store: store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			_ = rt.Register(iot.Kind("group", iot.Config{Publisher: pub}))
			return rt
		}
		rt := start()
		id := session.ID{Kind: "group", Name: "g"}
		ctx := context.Background()
		if _, err := rt.Call(ctx, id, iot.SetConfig{Config: iot.GroupConfig{Detectors: []iot.DetectorSpec{{Metric: "temp", Type: "threshold", Min: 0, Max: 50}}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := rt.Call(ctx, id, iot.SetConfig{Config: iot.GroupConfig{Detectors: []iot.DetectorSpec{{Metric: "temp", Type: "nope"}}}}); err == nil {
			t.Fatal("a bad config was accepted")
		}
		_ = rt.Shutdown(ctx)
		rt = start()
		defer rt.Shutdown(ctx)
		_ = rt.Send(id, codec.Ingest{Device: "d", Payload: []byte(`{"metrics": {"temp": 60}}`), Received: time.Now().UnixNano()})
		synctest.Wait()
		if alerts := pub.on("hearth.alerts.g"); len(alerts) != 1 || !strings.Contains(alerts[0], `"threshold"`) {
			t.Fatalf("the stored threshold did not apply after restart: %v", alerts)
		}
		v, _ := rt.Call(ctx, id, iot.GetConfig{})
		if c := v.(iot.GroupConfig); len(c.Detectors) != 1 {
			t.Fatalf("config after restart: %+v", c)
		}
	})
}

// With group_relative configured, a device far from its peers at the same
// time raises an alert.
func TestGroupRelative(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &recorder{}
		rt, _ := session.New(session.Config{Store: session.NewMemStore(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		defer rt.Shutdown(context.Background())
		_ = rt.Register(iot.Kind("group", iot.Config{Publisher: pub}))
		id := session.ID{Kind: "group", Name: "g"}
		ctx := context.Background()
		conf := iot.GroupConfig{Detectors: []iot.DetectorSpec{{Metric: "temp", Type: "group_relative", Z: 4}}}
		if _, err := rt.Call(ctx, id, iot.SetConfig{Config: conf}); err != nil {
			t.Fatal(err)
		}
		// Enough readings that the group's statistics are cached between
		// recomputations when the odd one comes.
		for i := range 2000 {
			v := 20 + float64(i%5)*0.2
			if err := rt.Send(id, codec.Ingest{Device: "d" + itoa(int64(i%8)), Payload: []byte(`{"metrics": {"temp": ` + strconv.FormatFloat(v, 'f', 1, 64) + `}}`), Received: time.Now().UnixNano()}); err != nil {
				t.Fatal(err)
			}
			if i%256 == 255 {
				synctest.Wait()
			}
		}
		_ = rt.Send(id, codec.Ingest{Device: "odd", Payload: []byte(`{"metrics": {"temp": 35}}`), Received: time.Now().UnixNano()})
		synctest.Wait()
		alerts := pub.on("hearth.alerts.g")
		if len(alerts) != 1 || !strings.Contains(alerts[0], `"device":"odd"`) || !strings.Contains(alerts[0], "group_relative") {
			t.Fatalf("alerts %v", alerts)
		}
	})
}

// A group's own offline limit overrides the server's and takes effect at
// once.
func TestOfflineLimitPerGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &recorder{}
		rt, _ := session.New(session.Config{Store: session.NewMemStore(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		defer rt.Shutdown(context.Background())
		_ = rt.Register(iot.Kind("group", iot.Config{OfflineAfter: time.Hour, Publisher: pub}))
		id := session.ID{Kind: "group", Name: "g"}
		_ = rt.Send(id, codec.Ingest{Device: "p", Payload: []byte(`{"value": 1}`), Received: time.Now().UnixNano()})
		if _, err := rt.Call(context.Background(), id, iot.SetConfig{Config: iot.GroupConfig{OfflineAfterMs: 2000}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		alerts := pub.on("hearth.alerts.g")
		if len(alerts) != 1 || !strings.Contains(alerts[0], `"detector":"offline"`) {
			t.Fatalf("alerts %v, want p offline after 2 s", alerts)
		}
		if _, err := rt.Call(context.Background(), id, iot.SetConfig{Config: iot.GroupConfig{OfflineAfterMs: 10}}); !errors.Is(err, iot.ErrBadConfig) {
			t.Fatalf("10 ms offline limit: %v", err)
		}
	})
}
