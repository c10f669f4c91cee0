package tick_test

import (
	"context"
	"sync"
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

// fullCounter signals refusals by full mailboxes.
type fullCounter struct{ full chan struct{} }

func (f *fullCounter) MailboxFull(string) {
	select {
	case f.full <- struct{}{}:
	default:
	}
}
func (*fullCounter) Activated(string)                 {}
func (*fullCounter) Hibernated(string)                {}
func (*fullCounter) Panicked(string)                  {}
func (*fullCounter) StorageRefused(string)            {}
func (*fullCounter) Committed(int, time.Duration)     {}
func (*fullCounter) AlarmFired(string, time.Duration) {}

// blocker holds its first message until released, so its one-message
// mailbox fills.
type blocker struct {
	ticked
	entered, release chan struct{}
}

func (b *blocker) Receive(c *session.Context, m session.Message) (any, error) {
	if m.Body == "block" {
		close(b.entered)
		<-b.release
	}
	return b.ticked.Receive(c, m)
}

// A tick a full mailbox refuses is delivered later, not lost: a room asks
// for its next tick only when it runs one.
func TestClockRetriesFullMailbox(t *testing.T) {
	obs := &fullCounter{full: make(chan struct{}, 1)}
	rt, err := session.New(session.Config{Store: session.NewMemStore(), Logger: quiet(), Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Shutdown(context.Background())
	obj := &blocker{ticked: ticked{got: make(chan time.Time, 4)}, entered: make(chan struct{}), release: make(chan struct{})}
	release := sync.OnceFunc(func() { close(obj.release) })
	defer release() // before the runtime's shutdown, which waits for the object
	_ = rt.Register(session.Kind{Name: "t", MailboxSize: 1, New: func(session.ID) session.Object { return obj }})
	ref, err := rt.Ref(session.ID{Kind: "t", Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ref.Send("block"); err != nil {
		t.Fatal(err)
	}
	<-obj.entered
	if err := ref.Send("filler"); err != nil {
		t.Fatal(err)
	}
	if err := ref.Send("refused"); err == nil {
		t.Fatal("a second message went into a mailbox of one")
	}
	<-obs.full // its refusal
	c := tick.NewClock()
	defer c.Close()
	c.At(time.Now(), ref)
	select {
	case <-obs.full: // the clock's tick was refused
	case <-time.After(5 * time.Second):
		t.Fatal("the clock never tried the tick")
	}
	release()
	select {
	case <-obj.got:
	case <-time.After(5 * time.Second):
		t.Fatal("a tick refused by a full mailbox was lost")
	}
}
