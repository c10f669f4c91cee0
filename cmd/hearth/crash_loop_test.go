package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/transport/client"
)

var long = flag.Bool("long", false, "run the long versions of the crash tests (hundreds of kills)")

// crashLoad is what the crash loop keeps doing to the server, and what
// the server acknowledged of it.
type crashLoad struct {
	devices   int
	published []atomic.Uint64 // per device: readings attempted (seq 1…n)
	acked     []atomic.Uint64 // per device: readings JetStream acknowledged
	lateness  atomic.Int64    // the newest group config the API acknowledged
	attempted atomic.Int64    // the newest group config sent
}

// TestCrashLoop SIGKILLs a loaded server at random moments and restarts
// it on the same data directory, again and again: sensors publish through
// JetStream (durable ingest, each reading with a seq), players move in a
// room, the group's configuration is rewritten (sync durability); after
// each restart the last acknowledged configuration is there and the room
// ticks again, and at the end the group has counted every reading
// JetStream acknowledged exactly once and its offline alarm still fires.
// 3 kills by default; -long: 100.
func TestCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	kills := 3
	if *long {
		kills = 100
	}
	load := &crashLoad{devices: 8}
	load.published = make([]atomic.Uint64, load.devices)
	load.acked = make([]atomic.Uint64, load.devices)
	data := t.TempDir()
	args := []string{"--data", data, "--http", "127.0.0.1:0", "--nats", "127.0.0.1:0", "--quic", "127.0.0.1:0",
		"--durable-ingest", "--durability", "sync"}
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	var roomsBack time.Duration
	for i := range kills {
		srv := startChild(t, args...)
		ready := srv.waitFor(t, "hearth ready")
		up := time.Now()
		base := "http://" + ready["http"].(string)
		if i > 0 {
			load.checkConfig(t, base)
			waitTicking(t, base, "room/crash")
			roomsBack = max(roomsBack, time.Since(up))
		}
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { load.sensors(ctx, t, ready["nats"].(string)) })
		wg.Go(func() { load.configs(ctx, base) })
		wg.Go(func() { play(ctx, ready["http"].(string)) })
		run := time.Duration(300+rng.IntN(1200)) * time.Millisecond
		if i == 0 {
			run += 1500 * time.Millisecond // the room saves once before the first kill
		}
		time.Sleep(run)
		_ = srv.cmd.Process.Signal(syscall.SIGKILL)
		_ = srv.cmd.Wait()
		stop()
		wg.Wait()
	}
	srv := startChild(t, args...)
	ready := srv.waitFor(t, "hearth ready")
	base := "http://" + ready["http"].(string)
	load.checkConfig(t, base)
	var acked, published uint64
	for d := range load.devices {
		acked += load.acked[d].Load()
		published += load.published[d].Load()
	}
	deadline := time.Now().Add(30 * time.Second)
	count := 0
	for ; time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if count = hourCount(base + "/api/iot/groups/crash"); uint64(count) >= acked {
			break
		}
	}
	if uint64(count) < acked || uint64(count) > published {
		t.Fatalf("after %d kills the group counted %d readings; JetStream acknowledged %d of %d published", kills, count, acked, published)
	}
	// The sensors are silent now: the group's offline alarm, armed before
	// the kills, still fires.
	offline := 0
	for deadline := time.Now().Add(15 * time.Second); offline < load.devices && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, body := httpGet(t, base+"/api/iot/groups/crash/alerts")
		offline = strings.Count(body, `"detector":"offline"`)
	}
	if offline < load.devices {
		t.Fatalf("%d of %d silent devices reported offline after the restart", offline, load.devices)
	}
	t.Logf("%d kills: %d readings acknowledged (%d published), %d counted once each; room ticking again within %v of ready",
		kills, acked, published, count, roomsBack)
}

// sensors publishes readings with per-device seqs through JetStream until
// ctx ends or the server dies, counting what JetStream acknowledged. A
// reading whose publish failed may or may not be stored.
func (l *crashLoad) sensors(ctx context.Context, t *testing.T, url string) {
	nc, err := nats.Connect(url, nats.MaxReconnects(0))
	if err != nil {
		return
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	for d := 0; ctx.Err() == nil; d = (d + 1) % l.devices {
		seq := l.published[d].Add(1)
		body := fmt.Sprintf(`{"ts": %d, "value": 1, "seq": %d}`, time.Now().UnixMilli(), seq)
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := js.Publish(pctx, fmt.Sprintf("iot.crash.d%d", d), []byte(body))
		cancel()
		if err != nil {
			return // the server died: later seqs of this run are not acknowledged
		}
		l.acked[d].Add(1)
	}
}

// configs rewrites the group's allowed lateness until ctx ends,
// recording the newest value the API acknowledged.
func (l *crashLoad) configs(ctx context.Context, base string) {
	for ctx.Err() == nil {
		v := l.attempted.Add(1) + 60_000
		body := fmt.Sprintf(`{"allowed_lateness_ms": %d, "offline_after_ms": 2000}`, v)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, base+"/api/iot/groups/crash/config", bytes.NewBufferString(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			l.lateness.Store(v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkConfig finds the last acknowledged configuration, or the one in
// flight when the server died.
func (l *crashLoad) checkConfig(t *testing.T, base string) {
	t.Helper()
	want, inFlight := l.lateness.Load(), l.attempted.Load()+60_000
	if want == 0 {
		return
	}
	res, err := http.Get(base + "/api/iot/groups/crash/config")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var conf struct {
		Lateness int64 `json:"allowed_lateness_ms"`
	}
	_ = json.NewDecoder(res.Body).Decode(&conf)
	if conf.Lateness != want && conf.Lateness != inFlight {
		t.Fatalf("after the kill the group config has lateness %d; %d was acknowledged", conf.Lateness, want)
	}
}

// play moves a player around room/crash until ctx ends.
func play(ctx context.Context, http string) {
	c, err := client.DialWebSocket(ctx, "ws://"+http+"/ws", client.Options{})
	if err != nil {
		return
	}
	defer c.Close()
	if _, err := c.Join(ctx, "room/crash", codec.JoinRequest{Data: tick.JoinData{}}); err != nil {
		return
	}
	for seq := uint32(1); ctx.Err() == nil; seq++ {
		dir := [2]float64{float64(seq%3) - 1, 1}
		if c.Send(&codec.Out{Kind: codec.KindInput, Object: "room/crash", Seq: seq, Body: [][2]float64{dir}}) != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitTicking waits until room is listed as ticking.
func waitTicking(t *testing.T, base, room string) {
	t.Helper()
	start := time.Now()
	for time.Since(start) < 10*time.Second {
		var list struct {
			Rooms []struct {
				Room    string `json:"room"`
				Ticking bool   `json:"ticking"`
			} `json:"rooms"`
		}
		if res, err := http.Get(base + "/api/rooms"); err == nil {
			_ = json.NewDecoder(res.Body).Decode(&list)
			res.Body.Close()
		}
		for _, r := range list.Rooms {
			if r.Room == room && r.Ticking {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s not ticking 10 s after the restart", room)
}
