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
