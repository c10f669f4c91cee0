package transport_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/transport"
	"github.com/hearth-server/hearth/transport/client"
)

// burst answers any frame with burstFrames reliable frames whose bodies
// are encoded already (so they take the pooled-buffer path), body i for
// seq i.
type burst struct{}

const burstFrames = 500

func (burst) Load(*session.Context) error { return nil }
func (burst) Receive(c *session.Context, m session.Message) (any, error) {
	if _, ok := m.Body.(codec.Frame); ok {
		for i := range burstFrames {
			c.Broadcast(&codec.Out{Kind: codec.KindEvent, Object: c.ID().String(), Seq: uint32(i), Body: codec.NewShared(i)}, 0)
		}
	}
	return nil, nil
}

// Frames written from pooled buffers arrive whole and in order on every
// transport, while many are in flight and buffers are being reused.
func TestPooledFramesArriveIntact(t *testing.T) {
	s := newTestServer(t, transport.Config{SendQueue: 2 * burstFrames})
	if err := s.rt.Register(session.Kind{Name: "burst", New: func(session.ID) session.Object { return burst{} }}); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*client.Client{"ws": dialWS(t, s, false), "quic": dialQUIC(t, s, s.clientTLS())} {
		t.Run(name, func(t *testing.T) {
			join(t, c, "burst/"+name, nil)
			if err := c.Send(&codec.Out{Kind: codec.KindEvent, Object: "burst/" + name, Body: "go"}); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for want := 0; want < burstFrames; {
				f, err := c.Recv(ctx)
				if err != nil {
					t.Fatalf("after %d frames: %v", want, err)
				}
				if f.Kind != codec.KindEvent {
					continue
				}
				var got int
				if err := f.Payload.Decode(&got); err != nil || f.Seq != uint32(want) || got != want {
					t.Fatalf("frame %d: seq %d body %d (%v)", want, f.Seq, got, err)
				}
				want++
			}
		})
	}
}
