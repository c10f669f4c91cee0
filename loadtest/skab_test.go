package loadtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleCSV = "datetime;Accelerometer1RMS;Volume Flow RateRMS;anomaly;changepoint\n" +
	"2020-03-09 10:14:33;0.0265878;32.0;0.0;0.0\n" +
	"2020-03-09 10:14:34;oops;32.0;0.0;0.0\n" +
	"2020-03-09 10:14:35;0.0261697;NaN;0.0;0.0\n" +
	"2020-03-09 10:14:36;0.0261697;31.5;1.0;0.0\n"

func TestParseSeries(t *testing.T) {
	s, err := parseSeries(strings.NewReader(sampleCSV))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.metrics, ",") != "accelerometer1rms,volume_flow_raterms" || len(s.rows) != 2 || s.rows[1][1] != 31.5 {
		t.Fatalf("%+v", s)
	}
	if _, err := parseSeries(strings.NewReader("datetime;anomaly\n1;0\n")); err == nil {
		t.Fatal("no metric columns accepted")
	}
}

func TestLoadSKAB(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "valve1"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"valve1/1.csv", "valve1/0.csv"} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(sampleCSV), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := loadSKAB(dir)
	if err != nil || len(src) != 2 || src[0].name != filepath.Join("valve1", "0.csv") {
		t.Fatalf("%v %v", src, err)
	}
	if _, err := loadSKAB(t.TempDir()); err == nil {
		t.Fatal("empty directory accepted")
	}
}

// The real dataset, when it is next to the checkout.
func TestLoadSKABDataset(t *testing.T) {
	dir := filepath.Join("..", DefaultSKABDir)
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no SKAB dataset at", dir)
	}
	src, err := loadSKAB(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(src) < 30 || len(src[0].metrics) != 8 {
		t.Fatalf("%d series, %d metrics", len(src), len(src[0].metrics))
	}
}

func TestMetricName(t *testing.T) {
	for in, want := range map[string]string{"Volume Flow RateRMS": "volume_flow_raterms", " Temp.(C) ": "temp_c", "***": "", strings.Repeat("a", 80): strings.Repeat("a", 64)} {
		if got := metricName(in); got != want {
			t.Errorf("metricName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseSeries(f *testing.F) {
	f.Add(sampleCSV)
	f.Add("a;b\n1;2\n")
	f.Fuzz(func(t *testing.T, s string) {
		ser, err := parseSeries(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, row := range ser.rows {
			if len(row) != len(ser.metrics) {
				t.Fatalf("row of %d values for %d metrics", len(row), len(ser.metrics))
			}
		}
		for _, m := range ser.metrics {
			if m == "" || len(m) > 64 || strings.ContainsAny(m, ". *>") {
				t.Fatalf("bad metric name %q", m)
			}
		}
	})
}
