package store

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hearth-server/hearth/session"
)

func TestExpiresAtRoundsUp(t *testing.T) {
	for _, tc := range []struct {
		now  time.Time
		ttl  time.Duration
		want int64
	}{
		{time.Unix(10, 0), time.Second, 11},
		{time.Unix(10, 900_000_000), time.Second, 12},
		{time.Unix(10, 1), 500 * time.Millisecond, 11},
		{time.Unix(10, 500_000_000), 500 * time.Millisecond, 11},
	} {
		got := expiresAt(tc.now, tc.ttl)
		if int64(got) != tc.want {
			t.Errorf("expiresAt(%v, %v) = %d, want %d", tc.now.UnixNano(), tc.ttl, got, tc.want)
		}
		// Badger drops a key once now.Unix() >= expiresAt: never before
		// now+ttl.
		if time.Unix(int64(got), 0).Before(tc.now.Add(tc.ttl)) {
			t.Errorf("expiresAt(%v, %v) = %d is early", tc.now.UnixNano(), tc.ttl, got)
		}
	}
}

// TestGCRecoversPanics: a panic in a collection is logged, not raised.
func TestGCRecoversPanics(t *testing.T) {
	var logs bytes.Buffer
	g := &gcLoop{db: nil, log: slog.New(slog.NewTextHandler(&logs, nil)), quit: make(chan struct{})}
	g.collect() // nil db: badger panics
	if !strings.Contains(logs.String(), "value-log GC panicked") {
		t.Fatalf("log: %q", logs.String())
	}
}

func TestBadgerLoggerLevels(t *testing.T) {
	var logs bytes.Buffer
	l := badgerLogger{slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	l.Infof("opened %d tables\n", 3)
	l.Debugf("too chatty")
	l.Warningf("careful")
	out := logs.String()
	for _, want := range []string{`level=DEBUG msg="opened 3 tables" component=badger`, `level=WARN msg=careful`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "too chatty") {
		t.Errorf("badger debug lines must sit below slog's debug:\n%s", out)
	}
}

func TestPrefixLen(t *testing.T) {
	id := session.ID{Kind: "kind", Name: "näme"}
	for _, space := range []byte{spaceData, spaceAlarm} {
		if got, want := prefixLen(id), len(objectPrefix(space, id, 0)); got != want {
			t.Fatalf("prefixLen = %d, want %d", got, want)
		}
	}
}
