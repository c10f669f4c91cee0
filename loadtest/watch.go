package loadtest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// aggEvery is how often a busy group publishes its aggregates.
const aggEvery = time.Second

// counts are a group's own counters, as its aggregates carry them.
type counts struct {
	Readings int64            `json:"readings"`
	Late     int64            `json:"late"`
	Dups     int64            `json:"duplicates"`
	Rejected map[string]int64 `json:"rejected"`
}

func (c counts) rejected() int64 {
	var n int64
	for _, v := range c.Rejected {
		n += v
	}
	return n
}

// processed is every reading the group took in, whatever became of it.
func (c counts) processed() int64 { return c.Readings + c.Late + c.Dups + c.rejected() }

// aggregate is the part of a hearth.agg.<group> message the harness
// reads.
type aggregate struct {
	Group  string `json:"group"`
	Counts counts `json:"counts"`
}

// decodeAggregate reads an aggregate message.
func decodeAggregate(b []byte) (aggregate, error) {
	var a aggregate
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("loadtest: aggregate: %w", err)
	}
	return a, nil
}

// groupTrack remembers when each reading for one group was published and
// what the group last said.
type groupTrack struct {
	mu     sync.Mutex
	sentAt []int64 // unix ns of reading n+1
	last   counts
	seen   bool
}

// watch follows what hearth publishes about the run's groups.
type watch struct {
	prefix string
	groups []*groupTrack
	st     *iotStats
	subs   []*nats.Subscription
	spikes *spikes // nil: no spikes injected

	aggregates, late, rejected atomic.Int64
}

func newWatch(cfg IoTConfig, st *iotStats) *watch {
	w := &watch{prefix: cfg.GroupPrefix + "-", st: st, groups: make([]*groupTrack, cfg.Groups)}
	for i := range w.groups {
		w.groups[i] = &groupTrack{}
	}
	return w
}

func (w *watch) subscribe(nc *nats.Conn) error {
	for subj, fn := range map[string]nats.MsgHandler{
		"hearth.agg.>":    w.onAggregate,
		"hearth.late.>":   w.onLate,
		"hearth.rejected": w.onRejected,
	} {
		sub, err := nc.Subscribe(subj, fn)
		if err != nil {
			return fmt.Errorf("loadtest: subscribe %s: %w", subj, err)
		}
		_ = sub.SetPendingLimits(-1, 256<<20)
		w.subs = append(w.subs, sub)
	}
	if w.spikes != nil {
		sub, err := w.spikes.subscribe(nc)
		if err != nil {
			return err
		}
		w.subs = append(w.subs, sub)
	}
	return nc.Flush()
}

func (w *watch) close() {
	for _, s := range w.subs {
		_ = s.Unsubscribe()
	}
}

// group returns the track of a group name of this run, or nil.
func (w *watch) group(name string) *groupTrack {
	rest, ok := strings.CutPrefix(name, w.prefix)
	if !ok {
		return nil
	}
	i, err := strconv.Atoi(rest)
	if err != nil || i < 0 || i >= len(w.groups) {
		return nil
	}
	return w.groups[i]
}

// sent notes that group g's next reading left at t.
func (w *watch) sent(g int, t time.Time) {
	gt := w.groups[g]
	gt.mu.Lock()
	gt.sentAt = append(gt.sentAt, t.UnixNano())
	gt.mu.Unlock()
}

func (w *watch) onAggregate(m *nats.Msg) {
	now := time.Now()
	gt := w.group(strings.TrimPrefix(m.Subject, "hearth.agg."))
	if gt == nil {
		return
	}
	a, err := decodeAggregate(m.Data)
	if err != nil {
		w.st.errors.Add("bad_aggregate")
		return
	}
	w.aggregates.Add(1)
	gt.mu.Lock()
	defer gt.mu.Unlock()
	if prev, n := gt.last.processed(), a.Counts.processed(); n > prev && n <= int64(len(gt.sentAt)) {
		w.st.fresh.RecordCorrected(now.Sub(time.Unix(0, gt.sentAt[n-1])), aggEvery)
		for _, at := range gt.sentAt[prev:n] {
			d := now.Sub(time.Unix(0, at))
			w.st.latency.Record(d)
			w.st.latencyTL.Record(now, d)
		}
	}
	gt.last, gt.seen = a.Counts, true
}

func (w *watch) onLate(m *nats.Msg) {
	if w.group(strings.TrimPrefix(m.Subject, "hearth.late.")) != nil {
		w.late.Add(1)
	}
}

func (w *watch) onRejected(m *nats.Msg) {
	var r struct {
		Group string `json:"group"`
	}
	if json.Unmarshal(m.Data, &r) == nil && w.group(r.Group) != nil {
		w.rejected.Add(1)
	}
}

// totals sums the groups' last counters.
func (w *watch) totals() counts {
	var t counts
	for _, gt := range w.groups {
		gt.mu.Lock()
		t.Readings += gt.last.Readings
		t.Late += gt.last.Late
		t.Dups += gt.last.Dups
		if n := gt.last.rejected(); n > 0 {
			if t.Rejected == nil {
				t.Rejected = map[string]int64{}
			}
			t.Rejected["all"] += n
		}
		gt.mu.Unlock()
	}
	return t
}

// reporting counts the groups heard from.
func (w *watch) reporting() int {
	n := 0
	for _, gt := range w.groups {
		gt.mu.Lock()
		if gt.seen {
			n++
		}
		gt.mu.Unlock()
	}
	return n
}
