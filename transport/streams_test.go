package transport_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/transport"
	"github.com/hearth-server/hearth/transport/client"
)

// counterSource serves "count/<name>": a number that goes up at every
// sample, and "count/gone" once gone is set, fails as unknown.
type counterSource struct {
	n, samples atomic.Int64
	gone       atomic.Bool
}

func (s *counterSource) get(_ context.Context, topic string) (any, error) {
	s.samples.Add(1)
	if topic == "count/none" || (topic == "count/gone" && s.gone.Load()) {
		return nil, fmt.Errorf("%w: %s", transport.ErrUnknownTopic, topic)
	}
	return map[string]any{"n": s.n.Add(1)}, nil
}

func subscribe(t *testing.T, c *client.Client, topic string, hz float64) (codec.Frame, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Subscribe(ctx, topic, codec.Subscribe{MaxHz: hz})
}

// countUpdates reads topic's updates for d.
func countUpdates(c *client.Client, topic string, d time.Duration) (n int, lastSeq uint32) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		f, err := c.Recv(ctx)
		if err != nil {
			return n, lastSeq
		}
		if f.Kind == codec.KindUpdate && f.Object == topic {
			n++
			lastSeq = f.Seq
		}
	}
}

// A subscriber gets the current value at once, then updates at no more
// than its rate; two subscribers share one sampling loop; after the last
// one leaves the source is no longer sampled.
func TestStreamsRateAndSharing(t *testing.T) {
	src := &counterSource{}
	s := newTestServer(t, transport.Config{StreamHz: 20})
	s.hub.Topic("count", src.get)
	fast, slow := dialWS(t, s, true), dialWS(t, s, false)
	if _, err := subscribe(t, fast, "count/a", 0); err != nil {
		t.Fatal(err)
	}
	first, err := subscribe(t, slow, "count/a", 2)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]int
	if err := first.Payload.Decode(&v); err != nil || v["n"] < 1 {
		t.Fatalf("first update %v %v", v, err)
	}
	done := make(chan int)
	go func() { n, _ := countUpdates(fast, "count/a", time.Second); done <- n }()
	nSlow, _ := countUpdates(slow, "count/a", time.Second)
	nFast := <-done
	if nSlow > 3 || nFast > 21 || nFast <= nSlow {
		t.Fatalf("in 1 s: %d updates at 20 Hz, %d at 2 Hz", nFast, nSlow)
	}
	_ = fast.Unsubscribe("count/a")
	_ = slow.Unsubscribe("count/a")
	time.Sleep(200 * time.Millisecond)
	before := src.samples.Load()
	time.Sleep(300 * time.Millisecond)
	if after := src.samples.Load(); after != before {
		t.Fatalf("source sampled %d times with nobody subscribed", after-before)
	}
}

// Unknown topics are refused with an error; a topic whose source goes
// away ends with an error; neither harms the connection.
func TestStreamsUnknownAndEnded(t *testing.T) {
	src := &counterSource{}
	s := newTestServer(t, transport.Config{})
	s.hub.Topic("count", src.get)
	c := dialWS(t, s, false)
	for _, topic := range []string{"nope/x", "count/none"} {
		_, err := subscribe(t, c, topic, 0)
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Code != codec.CodeUnknownObject {
			t.Fatalf("subscribe %s: %v", topic, err)
		}
	}
	if _, err := subscribe(t, c, "count/gone", 0); err != nil {
		t.Fatal(err)
	}
	src.gone.Store(true)
	f := recvKind(t, c, codec.KindError)
	if f.Object != "count/gone" {
		t.Fatalf("error for %q", f.Object)
	}
	if _, err := subscribe(t, c, "count/ok", 0); err != nil {
		t.Fatalf("connection unusable after an ended stream: %v", err)
	}
}

// With auth on, a viewer token watches, a player token does not, and an
// expired token is told so.
func TestStreamsAuth(t *testing.T) {
	auth, err := transport.NewAuth("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	src := &counterSource{}
	s := newTestServer(t, transport.Config{Auth: auth})
	s.hub.Topic("count", src.get)
	c := dialWS(t, s, true)
	try := func(role string, ttl time.Duration) error {
		tok, err := auth.Mint("*", "p1", role, ttl)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = c.Subscribe(ctx, "count/x", codec.Subscribe{Token: tok})
		return err
	}
	if err := try(transport.RoleViewer, time.Minute); err != nil {
		t.Fatalf("viewer: %v", err)
	}
	var ce *client.Error
	if err := try(transport.RolePlayer, time.Minute); !errors.As(err, &ce) || ce.Code != codec.CodeUnauthorized {
		t.Fatalf("player: %v", err)
	}
	if err := try(transport.RoleViewer, -time.Minute); !errors.As(err, &ce) || ce.Code != codec.CodeTokenExpired {
		t.Fatalf("expired: %v", err)
	}
}

// Malformed subscriptions and subscriptions beyond the per-connection
// limit are answered with errors; the connection carries on.
func TestStreamsBadSubscriptions(t *testing.T) {
	src := &counterSource{}
	s := newTestServer(t, transport.Config{MaxSubscriptions: 2})
	s.hub.Topic("count", src.get)
	c := dialWS(t, s, false)
	for _, body := range []any{map[string]any{"max_hz": "fast"}, map[string]any{"max_hz": -1}, "not a map"} {
		must(t, c.Send(&codec.Out{Kind: codec.KindSubscribe, Object: "count/a", Body: body}))
		f := recvKind(t, c, codec.KindError)
		var e codec.Error
		if f.Payload.Decode(&e); e.Code != codec.CodeBadFrame {
			t.Fatalf("subscribe with %v: %+v", body, e)
		}
	}
	for _, topic := range []string{"count/a", "count/b", "count/a"} { // the same topic twice counts once
		if _, err := subscribe(t, c, topic, 0); err != nil {
			t.Fatalf("%s: %v", topic, err)
		}
	}
	_, err := subscribe(t, c, "count/c", 0)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != codec.CodeRefused {
		t.Fatalf("third topic over a limit of 2: %v", err)
	}
	must(t, c.Unsubscribe("count/b"))
	time.Sleep(50 * time.Millisecond)
	if _, err := subscribe(t, c, "count/c", 0); err != nil {
		t.Fatalf("after unsubscribing one: %v", err)
	}
}
