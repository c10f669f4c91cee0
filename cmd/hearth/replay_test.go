package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReplayCommand(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("timestamp,value\n")
	for i := range 400 {
		v := []string{"20", "20.5", "19.5"}[i%3]
		if i == 350 {
			v = "95"
		}
		csv.WriteString("17000000" + pad(i) + "000," + v + "\n")
	}
	path := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs([]string{"replay", "--csv", path})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 401 || lines[0] != "timestamp,value,anomaly_score,alert" {
		t.Fatalf("output header %q, %d lines", lines[0], len(lines))
	}
	if !strings.HasSuffix(lines[351], ",1") || !strings.HasSuffix(lines[300], ",0") {
		t.Fatalf("row 350 (the spike) %q, row 299 %q", lines[351], lines[300])
	}
	if !strings.Contains(errOut.String(), "400 rows") {
		t.Fatalf("summary %q", errOut.String())
	}
}

func pad(i int) string { return fmt.Sprintf("%05d", i) }
