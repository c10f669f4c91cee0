package session_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearth-server/hearth/session"
)

// alarmObj sets alarms on request and records deliveries; it fails the
// first failures deliveries of each alarm.
type alarmObj struct {
	log      *alarmLog
	failures int
}

type alarmLog struct {
	mu    sync.Mutex
	fired []session.AlarmFired
	at    []time.Time
}

func (l *alarmLog) add(f session.AlarmFired) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fired = append(l.fired, f)
	l.at = append(l.at, time.Now())
}

func (l *alarmLog) snapshot() ([]session.AlarmFired, []time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]session.AlarmFired(nil), l.fired...), append([]time.Time(nil), l.at...)
}

type setAlarm struct {
	name string
	in   time.Duration
}

func (o *alarmObj) Load(*session.Context) error { return nil }

func (o *alarmObj) Receive(c *session.Context, m session.Message) (any, error) {
	switch b := m.Body.(type) {
	case setAlarm:
		return nil, c.SetAlarm(b.name, time.Now().Add(b.in))
	case session.AlarmFired:
		o.log.add(b)
		if b.Attempt < o.failures {
			return nil, errors.New("not yet")
		}
		return nil, c.Storage().Put("fired/"+b.Name, []byte{1})
	}
	return nil, nil
}

func alarmKind(log *alarmLog, failures int) session.Kind {
	return session.Kind{Name: "al", New: func(session.ID) session.Object {
		return &alarmObj{log: log, failures: failures}
	}}
}

// Semantic 5: many named alarms per object fire into the object, in time
// order, each once when handled.
func TestAlarmsFire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &alarmLog{}
		rt := newRuntime(t, session.NewMemStore(), session.Config{}, alarmKind(log, 0))
		id := session.ID{Kind: "al", Name: "x"}
		start := time.Now()
		call(t, rt, id, setAlarm{"b", 2 * time.Second})
		call(t, rt, id, setAlarm{"a", time.Second})
		call(t, rt, id, setAlarm{"c", 3 * time.Second})
		time.Sleep(time.Minute)
		fired, at := log.snapshot()
		if len(fired) != 3 {
			t.Fatalf("fired %v, want a, b, c once each", fired)
		}
		for i, want := range []string{"a", "b", "c"} {
			if fired[i].Name != want || at[i].Sub(start) != time.Duration(i+1)*time.Second {
				t.Errorf("alarm %d: %s at +%v, want %s at +%ds", i, fired[i].Name, at[i].Sub(start), want, i+1)
			}
		}
		_ = rt.Shutdown(context.Background())
	})
}

// A failing alarm is retried with doubling backoff until it succeeds.
func TestAlarmRetriesWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		log := &alarmLog{}
		cfg := session.Config{AlarmRetryMin: time.Second, AlarmRetryMax: 4 * time.Second}
		rt := newRuntime(t, session.NewMemStore(), cfg, alarmKind(log, 4))
		id := session.ID{Kind: "al", Name: "x"}
		call(t, rt, id, setAlarm{"r", 0})
		time.Sleep(time.Minute)
		fired, at := log.snapshot()
		if len(fired) != 5 {
			t.Fatalf("delivered %d times, want 5 (4 failures, then success)", len(fired))
		}
		wantGaps := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
		for i, want := range wantGaps {
			if gap := at[i+1].Sub(at[i]); gap != want || fired[i+1].Attempt != i+1 {
				t.Errorf("retry %d after %v (attempt %d), want after %v", i+1, gap, fired[i+1].Attempt, want)
			}
		}
		_ = rt.Shutdown(context.Background())
	})
}

// Alarms are persisted and re-armed when a new runtime registers the kind;
// one that came due while no runtime ran fires at once.
func TestAlarmsSurviveRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := session.NewMemStore()
		log := &alarmLog{}
		rt := newRuntime(t, store, session.Config{}, alarmKind(log, 0))
		id := session.ID{Kind: "al", Name: "x"}
		call(t, rt, id, setAlarm{"later", 10 * time.Second})
		call(t, rt, id, setAlarm{"much-later", time.Hour})
		if err := rt.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Second)

		rt2 := newRuntime(t, store, session.Config{}, alarmKind(log, 0))
		synctest.Wait()
		if fired, _ := log.snapshot(); len(fired) != 1 || fired[0].Name != "later" {
			t.Fatalf("after restart fired %v, want [later]", fired)
		}
		time.Sleep(time.Hour)
		if fired, _ := log.snapshot(); len(fired) != 2 || fired[1].Name != "much-later" {
			t.Fatalf("fired %v, want later then much-later", fired)
		}
		_ = rt2.Shutdown(context.Background())
	})
}

// An alarm whose delivery was lost with an object reset fires again.
func TestAlarmAtLeastOnceAfterReset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &gatedStore{Store: session.NewMemStore()}
		log := &alarmLog{}
		rt := newRuntime(t, store, session.Config{}, alarmKind(log, 0))
		id := session.ID{Kind: "al", Name: "x"}
		call(t, rt, id, setAlarm{"once", time.Second})
		store.setFail(errors.New("transient"))
		time.Sleep(2 * time.Second) // delivered; its commit fails
		store.setFail(nil)
		time.Sleep(2 * time.Minute) // the lease runs out; delivered again
		fired, _ := log.snapshot()
		if len(fired) < 2 {
			t.Fatalf("alarm delivered %d times; a lost delivery must be retried", len(fired))
		}
		v, err := store.Get(id, "fired/once")
		if err != nil || v[0] != 1 {
			t.Fatalf("handler's write missing after retry: %v", err)
		}
		_ = rt.Shutdown(context.Background())
	})
}
