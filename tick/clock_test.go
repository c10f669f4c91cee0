package tick_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/tick"
)

// ticked records the Ticks a Clock delivers.
type ticked struct{ got chan time.Time }

func (*ticked) Load(*session.Context) error { return nil }
func (t *ticked) Receive(_ *session.Context, m session.Message) (any, error) {
	if tk, ok := m.Body.(tick.Tick); ok {
		t.got <- tk.Due
	}
	return nil, nil
}

// The Clock delivers each scheduled Tick, earliest first, also after it
// has been idle with nothing scheduled.
func TestClockDeliversInOrder(t *testing.T) {
	rt, err := session.New(session.Config{Store: session.NewMemStore(), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Shutdown(context.Background())
	obj := &ticked{got: make(chan time.Time, 16)}
	_ = rt.Register(session.Kind{Name: "t", New: func(session.ID) session.Object { return obj }})
	ref, err := rt.Ref(session.ID{Kind: "t", Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	c := tick.NewClock()
	defer c.Close()
	expect := func(want ...time.Time) {
		t.Helper()
		for _, w := range want {
			select {
			case got := <-obj.got:
				if !got.Equal(w) {
					t.Fatalf("tick due %v, want %v", got, w)
				}
				if late := time.Since(w); late < 0 {
					t.Fatalf("tick delivered %v early", -late)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("tick due %v never came", w)
			}
		}
	}
	now := time.Now()
	a, b, d := now.Add(20*time.Millisecond), now.Add(5*time.Millisecond), now.Add(10*time.Millisecond)
	c.At(a, ref)
	c.At(b, ref)
	c.At(d, ref)
	expect(b, d, a)
	time.Sleep(20 * time.Millisecond) // idle: the clock waits for work
	later := time.Now().Add(5 * time.Millisecond)
	c.At(later, ref)
	expect(later)
}
