package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A data directory that cannot be used ends serve with one clear line on
// stderr and exit code 1, not a panic.
func TestServeRefusesUnusableDataDir(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	c := startChild(t, "--data", file, "--http", "127.0.0.1:0", "--nats", "127.0.0.1:0", "--quic", "127.0.0.1:0")
	err := c.cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v\n%s", err, c.output())
	}
	out := strings.TrimSpace(c.output())
	if strings.Count(out, "\n") != 0 || !strings.HasPrefix(out, "hearth: store: ") || !strings.Contains(out, "not a directory") {
		t.Fatalf("stderr, want one line naming the problem:\n%s", out)
	}
}
