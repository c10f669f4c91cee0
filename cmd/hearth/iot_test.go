package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// Sensors publishing to the embedded NATS server reach their device group:
// aggregates come back on hearth.agg.<group>, a reading past the allowed
// lateness on hearth.late.<group>, garbage and bad subjects on
// hearth.rejected.
func TestSensorsOverNATS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	s := startInProcess(t, t.TempDir())
	nc, err := nats.Connect(s.msg.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	agg, _ := nc.SubscribeSync("hearth.agg.pumps")
	late, _ := nc.SubscribeSync("hearth.late.pumps")
	rejected, _ := nc.SubscribeSync("hearth.rejected")
	_ = nc.Flush()

	ms := time.Now().UnixMilli()
	for i := range 20 {
		payload := `{"ts": ` + strconv.FormatInt(ms-2000+int64(i)*100, 10) + `, "metrics": {"temp": ` + strconv.Itoa(20+i%3) + `}}`
		if err := nc.Publish("iot.pumps.p"+strconv.Itoa(i%2), []byte(payload)); err != nil {
			t.Fatal(err)
		}
	}
	_ = nc.Publish("iot.pumps.p0", []byte(`{"ts": `+strconv.FormatInt(ms-60_000, 10)+`, "value": 1}`))
	_ = nc.Publish("iot.pumps.p0", []byte(`{"value": "NaN"}`))
	_ = nc.Publish("iot.toofew", []byte(`{"value": 1}`))
	_ = nc.Flush()

	m, err := agg.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("no aggregates: %v", err)
	}
	var view struct {
		Devices int
		Metrics map[string]map[string]struct{ Count int }
	}
	if err := json.Unmarshal(m.Data, &view); err != nil || view.Devices != 2 || view.Metrics["temp"]["1m0s"].Count != 20 {
		t.Fatalf("aggregates %s (%v)", m.Data, err)
	}
	if _, err := late.NextMsg(5 * time.Second); err != nil {
		t.Fatalf("late reading not published: %v", err)
	}
	var reasons []string
	for range 2 {
		m, err := rejected.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("rejections published: %v (%v)", reasons, err)
		}
		reasons = append(reasons, string(m.Data))
	}
	all := strings.Join(reasons, " ")
	if !strings.Contains(all, "not a finite number") || !strings.Contains(all, `"reason":"subject"`) {
		t.Fatalf("rejections: %v", reasons)
	}

	base := "http://" + s.httpLn.Addr().String() + "/api/iot/groups"
	for url, want := range map[string]string{
		base:                       `"pumps"`,
		base + "/pumps":            `"devices":2`,
		base + "/pumps/devices/p1": `"device":"p1"`,
		base + "/pumps/alerts":     `"alerts":[]`,
	} {
		if code, body := httpGet(t, url); code != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d %s", url, code, body)
		}
	}
	if code, body := httpDo(t, "PUT", base+"/pumps/config", `{"detectors": [{"metric": "temp", "type": "threshold", "min": 0, "max": 21}]}`); code != 200 {
		t.Errorf("PUT config: %d %s", code, body)
	}
	if code, _ := httpDo(t, "PUT", base+"/pumps/config", `{"detectors": [{"metric": "temp", "type": "psychic"}]}`); code != 400 {
		t.Errorf("PUT bad config: %d, want 400", code)
	}
	if code, body := httpGet(t, base+"/pumps/config"); code != 200 || !strings.Contains(body, `"threshold"`) {
		t.Errorf("GET config: %d %s", code, body)
	}
	for _, url := range []string{base + "/nosuch", base + "/pumps/devices/nosuch"} {
		if code, _ := httpGet(t, url); code != 404 {
			t.Errorf("GET %s: %d, want 404", url, code)
		}
	}
}

func httpDo(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
