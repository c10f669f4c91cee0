package loadtest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckLoopback(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:8080", "127.0.0.9:1", "[::1]:4433", "localhost:80", "nats://127.0.0.1:4222", ""} {
		if err := checkLoopback(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"10.0.0.1:8080", "example.com:80", "nats://192.0.2.1:4222", "0.0.0.0:8080"} {
		if err := checkLoopback(bad); !errors.Is(err, ErrRemote) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if err := checkLoopback("no-port"); err == nil || errors.Is(err, ErrRemote) {
		t.Errorf("malformed address: %v", err)
	}
}

func TestConfigsBounded(t *testing.T) {
	if _, err := (GameConfig{Clients: 20, MaxClients: 10}).withDefaults(); err == nil {
		t.Error("game over --max-clients accepted")
	}
	if _, err := (GameConfig{RampUp: time.Minute, Duration: time.Second}).withDefaults(); err == nil {
		t.Error("ramp-up longer than the run accepted")
	}
	if _, err := (GameConfig{Transport: "carrier-pigeon"}).withDefaults(); err == nil {
		t.Error("unknown transport accepted")
	}
	if _, err := (IoTConfig{Sensors: 200_000}).withDefaults(); err == nil {
		t.Error("iot over the default bound accepted")
	}
	if _, err := (IoTConfig{GroupPrefix: "a.b"}).withDefaults(); err == nil {
		t.Error("group prefix with a dot accepted")
	}
	if _, err := (IdleConfig{Target: Target{HTTP: "10.0.0.1:80"}}).withDefaults(); !errors.Is(err, ErrRemote) {
		t.Errorf("idle against a remote host: %v", err)
	}
	if _, err := (IdleConfig{Target: Target{HTTP: "10.0.0.1:80"}, AllowRemote: true}).withDefaults(); err != nil {
		t.Errorf("--allow-remote: %v", err)
	}
}

func TestPresets(t *testing.T) {
	g, err := GameConfig{Preset: PresetNakamaMatch, Clients: 95}.withDefaults()
	if err != nil || g.Rooms != 10 || g.InputRate != 2 {
		t.Fatalf("nakama-match: %+v %v", g, err)
	}
	g, _ = GameConfig{Preset: PresetNakamaMatch, InputRate: 5}.withDefaults()
	if g.InputRate != 5 || g.Clients != 100 {
		t.Fatalf("flags must beat the preset: %+v", g)
	}
	c := IoTConfig{Preset: PresetSKAB}
	if err := c.applyPreset(); err != nil || c.SKAB != DefaultSKABDir || c.Groups != 1 {
		t.Fatalf("skab: %+v %v", c, err)
	}
	g, err = GameConfig{Preset: PresetColyseus, Clients: 20}.withDefaults()
	if err != nil || g.Rooms != 3 || g.InputRate != 60 {
		t.Fatalf("colyseus: %+v %v", g, err)
	}
	if g, _ := (GameConfig{Preset: PresetColyseus}).withDefaults(); g.Clients != 96 || g.Rooms != 12 {
		t.Fatalf("colyseus defaults: %+v", g)
	}
	if n := presetNotes(g); len(n) != 1 || !strings.Contains(n[0], "60 Hz simulation") {
		t.Fatalf("colyseus note %q", n)
	}
	if n := presetNotes(GameConfig{}); len(n) != 0 {
		t.Fatalf("notes without a preset: %q", n)
	}
	if _, err := (GameConfig{Preset: "nosuch"}).withDefaults(); err == nil {
		t.Fatal("unknown preset accepted")
	}
}
