package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A part that stops on its own, by error or by panic, is reported once.
func TestServerRunReportsFailure(t *testing.T) {
	cases := map[string]struct {
		serve func() error
		want  string
	}{
		"error": {func() error { return errors.New("boom") }, "http: boom"},
		"panic": {func() error { panic("boom") }, "http server panicked"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := &server{log: discardLogger(), failed: make(chan error, 1)}
			s.run("http", c.serve)
			select {
			case err := <-s.failed:
				if !strings.Contains(err.Error(), c.want) {
					t.Fatalf("failure %q, want %q", err, c.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no failure reported")
			}
		})
	}
	// A clean end (Shutdown) is not a failure.
	s := &server{log: discardLogger(), failed: make(chan error, 1)}
	done := make(chan struct{})
	s.run("http", func() error { defer close(done); return nil })
	<-done
	time.Sleep(10 * time.Millisecond)
	if len(s.failed) != 0 {
		t.Fatal("clean end reported as a failure")
	}
}
