package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/iot"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/transport"
	"github.com/hearth-server/hearth/transport/client"
)

// --demo: bots playing the arena in a few rooms, through the real Go
// client over QUIC and WebSocket, and simulated pump sensors publishing
// to NATS, with injected anomalies, a stuck sensor and a device that goes
// offline, so the dashboard has live games, charts and alerts.

const (
	demoRooms       = 3
	demoBotsPerRoom = 3
	demoGroup       = "demo-pumps"
	demoDevices     = 6
	demoSensorEvery = 200 * time.Millisecond
)

// demo is the running demo traffic; stop ends it.
type demo struct {
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startDemo starts bots against the server's own listeners and sensors
// against its NATS.
func (s *server) startDemo(auth *transport.Auth) (*demo, error) {
	ctx, cancel := context.WithCancel(context.Background())
	d := &demo{log: s.log.With("part", "demo"), ctx: ctx, cancel: cancel}
	if err := configureDemoGroup(ctx, s.runtime); err != nil {
		cancel()
		return nil, err
	}
	nc, err := nats.Connect(s.msg.addr(), append(s.msg.sensorOptions(), nats.Name("hearth-demo-sensors"))...)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("demo: nats: %w", err)
	}
	d.wg.Go(func() {
		defer nc.Close()
		d.sensors(nc)
	})
	wsURL := "ws://" + s.httpLn.Addr().String() + "/ws"
	for r := range demoRooms {
		room := fmt.Sprintf("room/demo-%d", r+1)
		for b := range demoBotsPerRoom {
			overQUIC := (r+b)%2 == 0
			dial := func(ctx context.Context) (*client.Client, error) {
				if overQUIC {
					return client.DialQUIC(ctx, s.quic.Addr().String(), client.Options{Name: "demo-bot", TLS: &tls.Config{RootCAs: s.certs.Pool()}})
				}
				return client.DialWebSocket(ctx, wsURL, client.Options{Name: "demo-bot"})
			}
			player := fmt.Sprintf("bot-%d-%d", r+1, b+1)
			d.wg.Go(func() { d.bot(dial, room, token(auth, room, player), uint64(r*10+b)) })
		}
	}
	d.log.Info("demo running", "rooms", demoRooms, "bots", demoRooms*demoBotsPerRoom, "group", demoGroup, "devices", demoDevices)
	return d, nil
}

func (d *demo) stop() {
	d.cancel()
	d.wg.Wait()
}

// token mints a bot's player token when auth is on.
func token(auth *transport.Auth, room, player string) string {
	if auth == nil {
		return ""
	}
	t, _ := auth.Mint(room, player, transport.RolePlayer, 24*time.Hour)
	return t
}

// configureDemoGroup gives the demo group detectors that learn within
// seconds (the defaults take minutes to warm up).
func configureDemoGroup(ctx context.Context, rt *session.Runtime) error {
	conf := iot.GroupConfig{Detectors: []iot.DetectorSpec{
		{Metric: "*", Type: "rolling_z", Count: 50, Z: 5},
		{Metric: "*", Type: "flatline", Count: 50},
		{Metric: "temperature", Type: "threshold", Min: 0, Max: 90},
	}}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := rt.Call(ctx, session.ID{Kind: "group", Name: demoGroup}, iot.SetConfig{Config: conf})
	return err
}

// bot plays until the demo stops, reconnecting after a failure.
func (d *demo) bot(dial func(context.Context) (*client.Client, error), room, tok string, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	for d.ctx.Err() == nil {
		if err := d.play(dial, room, tok, rng); err != nil && d.ctx.Err() == nil {
			d.log.Debug("bot reconnecting", "room", room, "err", err)
			select {
			case <-d.ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// play joins room and steers toward a new random point every few
// seconds, acknowledging the newest snapshot with each input.
func (d *demo) play(dial func(context.Context) (*client.Client, error), room, tok string, rng *rand.Rand) error {
	ctx, cancel := context.WithTimeout(d.ctx, 5*time.Second)
	c, err := dial(ctx)
	if err == nil {
		_, err = c.Join(ctx, room, codec.JoinRequest{Token: tok})
	}
	cancel()
	if err != nil {
		if c != nil {
			_ = c.Close()
		}
		return err
	}
	defer c.Close()
	var snap atomic.Uint32
	go func() {
		for {
			f, err := c.Recv(d.ctx)
			if err != nil {
				return
			}
			if f.Kind == codec.KindSnapshot {
				snap.Store(max(snap.Load(), f.Seq))
			}
		}
	}()
	tk := time.NewTicker(50 * time.Millisecond)
	defer tk.Stop()
	var seq uint32
	var dir [2]float64
	for {
		select {
		case <-d.ctx.Done():
			return nil
		case <-tk.C:
		}
		if seq%60 == 0 {
			a := rng.Float64() * 2 * math.Pi
			dir = [2]float64{math.Cos(a), math.Sin(a)}
		}
		seq++
		in := &codec.Out{Kind: codec.KindInput, Object: room, Seq: seq, Ack: snap.Load(), Body: [][2]float64{dir, dir}}
		if err := c.Send(in); err != nil {
			return err
		}
	}
}

// sensors publishes every device's reading every demoSensorEvery:
// temperature, pressure and vibration around a slow daily-like cycle.
// pump-3 has a vibration fault for 5 s of every minute, pump-2's
// temperature sticks after 90 s, pump-5 goes offline after 45 s, and a
// malformed message goes out every 30 s.
func (d *demo) sensors(nc *nats.Conn) {
	rng := rand.New(rand.NewPCG(42, 42))
	start := time.Now()
	tk := time.NewTicker(demoSensorEvery)
	defer tk.Stop()
	var seq uint64
	for {
		select {
		case <-d.ctx.Done():
			return
		case now := <-tk.C:
			seq++
			up := now.Sub(start)
			for i := 1; i <= demoDevices; i++ {
				if i == 5 && up > 45*time.Second {
					continue
				}
				b, _ := json.Marshal(map[string]any{"ts": now.UnixMilli(), "seq": seq, "metrics": reading(i, up, rng)})
				_ = nc.Publish(fmt.Sprintf("iot.%s.pump-%d", demoGroup, i), b)
			}
			if seq%uint64(30*time.Second/demoSensorEvery) == 0 {
				_ = nc.Publish("iot."+demoGroup+".pump-1", []byte(`{"ts": "yesterday", "value": "hot"}`))
			}
		}
	}
}

func reading(device int, up time.Duration, rng *rand.Rand) map[string]float64 {
	t := up.Seconds()
	temp := 60 + float64(device) + 3*math.Sin(2*math.Pi*t/120) + 0.3*rng.NormFloat64()
	if device == 2 && up > 90*time.Second {
		temp = 61.5 // stuck
	}
	vib := 0.5 + 0.05*rng.NormFloat64()
	if device == 3 && int(t)%60 >= 50 && int(t)%60 < 55 {
		vib += 3
	}
	return map[string]float64{
		"temperature": math.Round(temp*100) / 100,
		"pressure":    math.Round((2+0.05*rng.NormFloat64())*1000) / 1000,
		"vibration":   math.Round(vib*1000) / 1000,
	}
}
