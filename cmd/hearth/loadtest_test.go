package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-server/hearth/loadtest"
)

// runLoadtestCmd runs `hearth loadtest args…` with --json and returns the
// report it wrote and the table it printed.
func runLoadtestCmd(t *testing.T, args ...string) (*loadtest.Report, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report.json")
	cmd := newRootCmd()
	var stdout bytes.Buffer
	cmd.SetOut(&stdout)
	cmd.SetErr(&stdout)
	cmd.SetArgs(append([]string{"loadtest"}, append(args, "--json", out)...))
	if err := cmd.Execute(); err != nil {
		t.Fatalf("loadtest %v: %v\n%s", args, err, stdout.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var r loadtest.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r, stdout.String()
}

// figure returns a figure of r, failing the test when it is missing.
func figure(t *testing.T, r *loadtest.Report, name string) float64 {
	t.Helper()
	v, ok := r.Figure(name)
	if !ok {
		t.Fatalf("report lacks %s", name)
	}
	return v
}

// Each load-test mode runs for two seconds against an in-process server,
// and its figures are present and sane.
func TestLoadtestModes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	s := startInProcess(t, t.TempDir())
	addrs := []string{"--http", s.httpLn.Addr().String(), "--quic", s.quic.Addr().String(), "--nats", s.msg.addr(), "--duration", "2s"}

	t.Run("game", func(t *testing.T) {
		r, table := runLoadtestCmd(t, append([]string{"game", "--clients", "9", "--rooms", "2", "--transport", "mix",
			"--input-rate", "20", "--churn", "1"}, addrs...)...)
		if got := figure(t, r, "joined"); got != 9 {
			t.Errorf("joined %v of 9", got)
		}
		for _, name := range []string{"snapshots_received", "inputs_sent", "resumes", "bytes_up_per_client", "bytes_down_per_client"} {
			if figure(t, r, name) <= 0 {
				t.Errorf("%s = 0", name)
			}
		}
		if d := figure(t, r, "disconnects"); d != 0 || len(r.Errors) != 0 {
			t.Errorf("disconnects %v, errors %v", d, r.Errors)
		}
		for _, name := range []string{"connect", "join", "round_trip", "snapshot_jitter", "snapshot_age", "resume"} {
			if l, ok := r.Latency(name); !ok || l.Count == 0 || l.Max < l.P50 {
				t.Errorf("latency %s: %+v", name, l)
			}
		}
		if r.Server == nil || r.Server.Ticks == 0 || r.Server.SnapshotsSent == 0 || r.Server.CPUSeconds <= 0 {
			t.Errorf("server view %+v", r.Server)
		}
		if !strings.Contains(table, "round_trip") {
			t.Errorf("summary table:\n%s", table)
		}
		if tl, ok := r.Timeline("round_trip"); !ok || !tl.Latency || len(tl.Points) == 0 {
			t.Errorf("round trip timeline %+v", tl)
		}
	})
	t.Run("iot", func(t *testing.T) {
		r, _ := runLoadtestCmd(t, append([]string{"iot", "--sensors", "50", "--groups", "3", "--rate", "10", "--bad", "0.1",
			"--format", "msgpack"}, addrs...)...)
		if figure(t, r, "published") < 500 || figure(t, r, "aggregates_received") == 0 || figure(t, r, "groups_reporting") != 3 {
			t.Errorf("figures %+v", r.Figures)
		}
		if u := figure(t, r, "unaccounted"); u != 0 {
			t.Errorf("%v readings the groups never counted", u)
		}
		sentBad := figure(t, r, "sent_malformed") + figure(t, r, "sent_nan")
		if got := figure(t, r, "server_rejected"); got != sentBad || figure(t, r, "rejected_messages") != sentBad {
			t.Errorf("rejected: server %v, published %v, sent %v", got, figure(t, r, "rejected_messages"), sentBad)
		}
		if l, ok := r.Latency("ingest_to_aggregate"); !ok || l.Count == 0 || l.Max > 5000 {
			t.Errorf("ingest to aggregate %+v", l)
		}
		if len(r.Errors) != 0 {
			t.Errorf("errors %v", r.Errors)
		}
	})
	t.Run("idle", func(t *testing.T) {
		r, _ := runLoadtestCmd(t, append([]string{"idle", "--clients", "30", "--transport", "mix"}, addrs...)...)
		if figure(t, r, "held_at_peak") != 30 || figure(t, r, "failed") != 0 || figure(t, r, "disconnects") != 0 {
			t.Errorf("figures %+v, errors %v", r.Figures, r.Errors)
		}
		if _, ok := r.Figure("server_rss_per_conn"); !ok || r.Server == nil || r.Server.GoroutinesAfter <= r.Server.GoroutinesBefore {
			t.Errorf("server view %+v", r.Server)
		}
	})
}

// Spikes injected by `loadtest iot --spikes` each open an alert, timed
// from publication; --report writes the HTML page with its plots. (Its
// own test and server: TestLoadtestModes stays under 10 s.)
func TestLoadtestIoTSpikes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	s := startInProcess(t, t.TempDir())
	addrs := []string{"--http", s.httpLn.Addr().String(), "--quic", s.quic.Addr().String(), "--nats", s.msg.addr(), "--duration", "2s"}
	html := filepath.Join(t.TempDir(), "report.html")
	r, table := runLoadtestCmd(t, append([]string{"iot", "--sensors", "20", "--groups", "2", "--rate", "10",
		"--spikes", "4", "--report", html}, addrs...)...)
	if inj := figure(t, r, "spikes_injected"); inj != 4 || figure(t, r, "spikes_alerted") != inj || figure(t, r, "alerts_not_spikes") != 0 {
		t.Errorf("figures %+v", r.Figures)
	}
	if l, ok := r.Latency("spike_to_alert"); !ok || l.Count != 4 || l.Max > 2000 {
		t.Errorf("spike to alert %+v", l)
	}
	if tl, ok := r.Timeline("published"); !ok || len(tl.Points) < 2 || tl.Points[1].Count == 0 {
		t.Errorf("published timeline %+v", tl)
	}
	b, err := os.ReadFile(html)
	if err != nil || strings.Count(string(b), "<svg ") < 4 || !strings.Contains(string(b), "spike_to_alert") {
		t.Errorf("html report (%v):\n%.500s", err, b)
	}
	if !strings.Contains(table, "spike_to_alert") || len(r.Errors) != 0 {
		t.Errorf("errors %v, table:\n%s", r.Errors, table)
	}
}

// A target off this machine is refused before any traffic.
func TestLoadtestRefusesRemote(t *testing.T) {
	cmd := newRootCmd()
	cmd.SetArgs([]string{"loadtest", "game", "--http", "192.0.2.1:8080", "--quic", "192.0.2.1:4433"})
	cmd.SetOut(&bytes.Buffer{})
	if err := cmd.Execute(); !errors.Is(err, loadtest.ErrRemote) {
		t.Fatalf("remote target: %v", err)
	}
}
