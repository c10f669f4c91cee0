package loadtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleReport() *Report {
	r := &Report{Mode: "game", Elapsed: 2, Errors: map[string]int{"dial": 2, "bad_input": 1}}
	r.Add("clients", 10, "")
	r.Add("bytes_up_per_client", 123.456, "B/s")
	h := NewHist()
	h.Record(1500)
	r.Latencies = []Latency{h.Summarize("round_trip")}
	r.Server = &ServerView{CPUSeconds: 1.5, Ticks: 40}
	r.Notes = []string{"a note"}
	return r
}

func TestReportPrint(t *testing.T) {
	var b strings.Builder
	if err := sampleReport().Print(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"hearth loadtest game", "clients", "123.456", "round_trip", "p99.9", "bad_input", "cpu", "note: a note"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "bad_input") > strings.Index(out, "dial") {
		t.Errorf("error codes not sorted:\n%s", out)
	}
}

func TestReportJSONRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if err := sampleReport().WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if v, ok := r.Figure("bytes_up_per_client"); !ok || v != 123.456 {
		t.Errorf("figure %v %v", v, ok)
	}
	if l, ok := r.Latency("round_trip"); !ok || l.Count != 1 {
		t.Errorf("latency %+v", l)
	}
	if r.Server == nil || r.Server.Ticks != 40 || r.Errors["dial"] != 2 {
		t.Errorf("report %+v", r)
	}
	if _, ok := r.Figure("nosuch"); ok {
		t.Error("found a figure that is not there")
	}
}
