package loadtest

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// startProgress writes a status line to w every second until ctx ends
// or the returned stop is called. A nil w shows nothing.
func startProgress(ctx context.Context, w io.Writer, start time.Time, total time.Duration, status func() string) (stop func()) {
	if w == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				fmt.Fprintln(w)
				return
			case <-t.C:
				fmt.Fprintf(w, "\r[%3.0fs/%.0fs] %s ", time.Since(start).Seconds(), total.Seconds(), status())
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}
