package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	run := func() string {
		var out bytes.Buffer
		cmd := newRootCmd()
		cmd.SetOut(&out)
		cmd.SetArgs([]string{"version"})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out.String())
	}
	if got := run(); !strings.HasPrefix(got, "hearth ") || len(got) <= len("hearth ") {
		t.Fatalf("version without -ldflags: %q", got)
	}
	defer func(v string) { version = v }(version)
	version = "v1.2.3"
	if got := run(); got != "hearth v1.2.3" {
		t.Fatalf("version set by -ldflags: %q", got)
	}
}
