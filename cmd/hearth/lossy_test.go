package main

import (
	"context"
	"crypto/tls"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/transport/client"
)

// lossyConn is a UDP socket that loses a share of the packets it sends
// and receives, as a bad network would. It offers only net.PacketConn, so
// quic-go cannot go around it to the socket's batch calls.
type lossyConn struct {
	net.PacketConn
	loss float64

	mu      sync.Mutex
	rng     *rand.Rand
	dropped atomic.Int64
}

func newLossyConn(t *testing.T, loss float64) *lossyConn {
	t.Helper()
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { udp.Close() })
	return &lossyConn{PacketConn: udp, loss: loss, rng: rand.New(rand.NewPCG(1, 2))}
}

func (l *lossyConn) lose() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rng.Float64() < l.loss {
		l.dropped.Add(1)
		return true
	}
	return false
}

func (l *lossyConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if l.lose() {
		return len(b), nil
	}
	return l.PacketConn.WriteTo(b, addr)
}

func (l *lossyConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := l.PacketConn.ReadFrom(b)
		if err != nil || !l.lose() {
			return n, addr, err
		}
	}
}

// Over QUIC losing 10 % of packets each way, a player's inputs still
// reach the room, snapshots keep coming, and the player resumes its slot
// over another lossy connection.
func TestQUICUnderPacketLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	s := startInProcess(t, t.TempDir())
	const room = "room/lossy"
	dial := func(pc net.PacketConn) *client.Client {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := client.DialQUIC(ctx, s.quic.Addr().String(), client.Options{TLS: &tls.Config{RootCAs: s.certs.Pool()}, PacketConn: pc})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	first := newLossyConn(t, 0.10)
	c := dial(first)
	b := newBot(t, c, room, tick.JoinData{})
	quiet := 0 // seconds without a snapshot
	for range 3 {
		before := b.snap
		for i := range 20 { // one second at 20 Hz, zigzagging
			b.move(t, room, float64(1-2*(i%2)), 0.5)
			b.read(t, 50*time.Millisecond)
		}
		if b.snap == before {
			quiet++
		}
	}
	b.read(t, 300*time.Millisecond)
	if quiet > 0 || b.acked < 50 {
		t.Fatalf("through 10 %% loss: %d seconds without a snapshot; the room applied inputs up to %d of 60", quiet, b.acked)
	}
	if first.dropped.Load() == 0 {
		t.Fatal("the lossy socket lost nothing: the test tested nothing")
	}
	me := b.players()
	if len(me) != 1 {
		t.Fatalf("the bot sees %d players", len(me))
	}
	for _, pos := range me {
		if pos == [2]int64{} {
			t.Fatal("no position")
		}
	}

	c.Close()
	c2 := dial(newLossyConn(t, 0.10))
	back := newBot(t, c2, room, tick.JoinData{Resume: b.joined.Resume})
	if !back.joined.Resumed || back.joined.Player != b.joined.Player {
		t.Fatalf("resume: %+v, was %+v", back.joined, b.joined)
	}
	back.read(t, 500*time.Millisecond)
	if back.snap == 0 {
		t.Fatal("no snapshot after resuming")
	}
	t.Logf("inputs applied up to %d of 60; packets lost by the first socket: %d", b.acked, first.dropped.Load())
}
