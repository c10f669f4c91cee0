package transport_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/transport"
)

func TestMetricsReportRuntime(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := transport.NewMetrics(reg)
	m.SetStats(func() []session.KindStats { return []session.KindStats{{Kind: "room", Active: 3, Hibernated: 5}} })
	m.Activated("room")
	m.MailboxFull("room")
	m.Committed(12, 2*time.Millisecond)
	m.AlarmFired("room", -time.Second)
	const want = `
# HELP hearth_objects Objects in the runtime by kind and state (active or hibernated).
# TYPE hearth_objects gauge
hearth_objects{kind="room",state="active"} 3
hearth_objects{kind="room",state="hibernated"} 5
# HELP hearth_mailbox_full_total Messages refused because the object's mailbox was full.
# TYPE hearth_mailbox_full_total counter
hearth_mailbox_full_total{kind="room"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "hearth_objects", "hearth_mailbox_full_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(reg, "hearth_storage_commit_seconds", "hearth_alarm_lateness_seconds"); n != 2 {
		t.Fatalf("histograms collected: %d", n)
	}
}

func TestHealthzFollowsReadiness(t *testing.T) {
	reg := prometheus.NewRegistry()
	transport.NewMetrics(reg)
	h := transport.NewHTTP(reg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go h.Serve(ln)
	defer h.Shutdown(context.Background())
	url := "http://" + ln.Addr().String()
	if code, _ := get(t, url+"/healthz"); code != http.StatusServiceUnavailable {
		t.Fatalf("before ready: %d", code)
	}
	h.SetReady(true)
	if code, _ := get(t, url+"/healthz"); code != http.StatusOK {
		t.Fatalf("ready: %d", code)
	}
	if code, body := get(t, url+"/metrics"); code != http.StatusOK || !strings.Contains(body, "hearth_storage_commit_seconds") {
		t.Fatalf("/metrics: %d", code)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The dashboard is served from the binary, with a policy that keeps the
// page on this origin, and no path leaves the embedded tree.
func TestDashboardServed(t *testing.T) {
	srv := httptest.NewServer(transport.Dashboard())
	defer srv.Close()
	for path, want := range map[string]int{"/": 200, "/app.js": 200, "/style.css": 200, "/../go.mod": 404, "/%2e%2e/dashboard.go": 404, "/nope": 404} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, res.StatusCode, want)
		}
		if path == "/" && (!strings.Contains(string(body), "app.js") || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'")) {
			t.Errorf("index: %q, CSP %q", body, res.Header.Get("Content-Security-Policy"))
		}
	}
}
