package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/transport/client"
)

// The limits set on the command line reach the server: a third
// connection over --max-conns 3… is refused at the upgrade, a third
// player in a room over --max-conns-per-object 2 gets `refused`, and a
// burst over --rate gets `rate_limited`.
func TestLimitsFromConfig(t *testing.T) {
	s := startInProcessWith(t, t.TempDir(), func(c *config) { c.MaxConns, c.MaxConnsPerObject, c.Rate = 3, 2, 5 })
	url := "ws://" + s.httpLn.Addr().String() + "/ws"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var cs []*client.Client
	for range 3 {
		c, err := client.DialWebSocket(ctx, url, client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cs = append(cs, c)
	}
	if c, err := client.DialWebSocket(ctx, url, client.Options{}); err == nil {
		c.Close()
		t.Fatal("a fourth connection over --max-conns 3 was accepted")
	} else if !strings.Contains(err.Error(), "503") {
		t.Fatalf("fourth connection: %v", err)
	}
	for _, c := range cs[:2] {
		if _, err := c.Join(ctx, "room/small", codec.JoinRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := cs[2].Join(ctx, "room/small", codec.JoinRequest{})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != codec.CodeRefused || !strings.Contains(ce.Message, "too many connections") {
		t.Fatalf("third player over --max-conns-per-object 2: %v", err)
	}
	for i := range 20 { // a burst of 20 over a rate of 5/s (burst 10)
		_ = cs[2].Send(&codec.Out{Kind: codec.KindPing, Seq: uint32(i)})
	}
	for {
		f, err := cs[2].Recv(ctx)
		if err != nil {
			t.Fatalf("no rate_limited answer: %v", err)
		}
		var e codec.Error
		if f.Kind == codec.KindError && f.Payload.Decode(&e) == nil && e.Code == codec.CodeRateLimited {
			return
		}
	}
}

// Over --max-object-bytes a group's configuration write is refused with
// HTTP 507 and the reason.
func TestMaxObjectBytesFromConfig(t *testing.T) {
	s := startInProcessWith(t, t.TempDir(), func(c *config) { c.MaxObjectBytes = 200 })
	base := "http://" + s.httpLn.Addr().String()
	if code, body := putConfig(t, base, `{"allowed_lateness_ms": 1000}`); code != 200 {
		t.Fatalf("small config: %d %s", code, body)
	}
	big := `{"detectors": [` + strings.Repeat(`{"metric": "a-rather-long-metric-name", "type": "threshold", "min": 0, "max": 1},`, 5)
	big = strings.TrimSuffix(big, ",") + `]}`
	if code, body := putConfig(t, base, big); code != 507 || !strings.Contains(body, "object storage limit") {
		t.Fatalf("config over 200 bytes: %d %s", code, body)
	}
}
