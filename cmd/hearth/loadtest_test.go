package main

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/hearth-server/hearth/loadtest"
)

func TestLoadtestGame(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	s := startInProcess(t, t.TempDir())
	r, err := loadtest.RunGame(context.Background(), loadtest.GameConfig{
		Target:  loadtest.Target{HTTP: s.httpLn.Addr().String(), QUIC: s.quic.Addr().String()},
		Clients: 9, Rooms: 2, Transport: "mix", Duration: 2 * time.Second, Churn: 0.5, InputRate: 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Print(os.Stdout)
}

func TestLoadtestIoT(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	s := startInProcess(t, t.TempDir())
	r, err := loadtest.RunIoT(context.Background(), loadtest.IoTConfig{
		NATS: s.msg.addr(), HTTP: s.httpLn.Addr().String(),
		Sensors: 50, Groups: 3, Rate: 10, Bad: 0.1, Format: "msgpack", Duration: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Print(os.Stdout)
}

func TestLoadtestIdle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	s := startInProcess(t, t.TempDir())
	r, err := loadtest.RunIdle(context.Background(), loadtest.IdleConfig{
		Target:  loadtest.Target{HTTP: s.httpLn.Addr().String(), QUIC: s.quic.Addr().String()},
		Clients: 40, Transport: "mix", Duration: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	r.Print(os.Stdout)
}
