package loadtest

import (
	"net"
	"testing"
)

func TestSourceFor(t *testing.T) {
	for _, c := range []struct {
		target string
		i      int
		want   net.IP
	}{
		{"127.0.0.1:4433", 0, net.IPv4(127, 0, 0, 1)},
		{"127.0.0.1:4433", perSource - 1, net.IPv4(127, 0, 0, 1)},
		{"127.0.0.1:4433", perSource, net.IPv4(127, 0, 0, 2)},
		{"127.0.0.9:4433", 3*perSource + 5, net.IPv4(127, 0, 0, 4)},
		{"127.0.0.1:4433", 254 * perSource, nil}, // past 127.0.0.254
		{"[::1]:4433", 0, nil},
		{"localhost:4433", 0, nil},
		{"192.0.2.1:4433", 0, nil},
		{"nonsense", 0, nil},
	} {
		if got := sourceFor(c.target, c.i); !got.Equal(c.want) {
			t.Errorf("sourceFor(%s, %d) = %v, want %v", c.target, c.i, got, c.want)
		}
	}
	if n := sources(IdleConfig{Clients: perSource + 3, Transport: TransportMix, Target: Target{QUIC: "127.0.0.1:1"}}); n != 2 {
		t.Errorf("sources: %d", n)
	}
	if n := sources(IdleConfig{Clients: 5, Transport: TransportWebSocket, Target: Target{QUIC: "127.0.0.1:1"}}); n != 0 {
		t.Errorf("ws sources: %d", n)
	}
}
