package transport_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/transport"
	"github.com/hearth-server/hearth/transport/client"
)

// chat accepts every join, greets with the player id and broadcasts every
// event to everyone attached.
type chat struct{}

func (chat) Load(*session.Context) error { return nil }

func (chat) Receive(c *session.Context, m session.Message) (any, error) {
	switch b := m.Body.(type) {
	case session.Connected:
		info := b.Hello.(codec.JoinInfo)
		var data map[string]any
		if err := info.Data.Decode(&data); err != nil {
			return nil, err
		}
		if data["refuse"] == true {
			return nil, errors.New("no entry")
		}
		return map[string]any{"hello": info.Player, "role": info.Role}, nil
	case codec.Frame:
		var v any
		if err := b.Payload.Decode(&v); err != nil {
			return nil, err
		}
		c.Broadcast(&codec.Out{Kind: b.Kind, Object: c.ID().String(), Seq: b.Seq, Body: v}, 0)
	}
	return nil, nil
}

// testServer is a runtime with the chat kind behind a hub served over
// HTTP on 127.0.0.1.
type testServer struct {
	rt    *session.Runtime
	hub   *transport.Hub
	http  *transport.HTTP
	addr  string
	quic  *transport.QUIC
	certs *transport.Certs
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestServer(t *testing.T, cfg transport.Config) *testServer {
	t.Helper()
	rt, err := session.New(session.Config{Store: session.NewMemStore(), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(session.Kind{Name: "chat", New: func(session.ID) session.Object { return chat{} }}); err != nil {
		t.Fatal(err)
	}
	cfg.Logger = quiet()
	s := &testServer{rt: rt, hub: transport.NewHub(rt, cfg)}
	startHTTP(t, s)
	if s.certs, err = transport.SelfSigned(); err != nil {
		t.Fatal(err)
	}
	if s.quic, err = s.hub.ListenQUIC("127.0.0.1:0", s.certs); err != nil {
		t.Fatal(err)
	}
	go s.quic.Serve()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.hub.Shutdown(ctx)
		_ = s.quic.Close()
		_ = s.http.Shutdown(ctx)
		_ = rt.Shutdown(ctx)
	})
	return s
}

// startHTTP serves s.hub's WebSocket endpoint on 127.0.0.1.
func startHTTP(t *testing.T, s *testServer) {
	t.Helper()
	s.http = transport.NewHTTP(nil)
	s.http.Handle("GET /ws", http.HandlerFunc(s.hub.ServeWebSocket))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go s.http.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.hub.Shutdown(ctx)
		_ = s.http.Shutdown(ctx)
	})
}

func (s *testServer) wsURL() string { return "ws://" + s.addr + "/ws" }

func dialWS(t *testing.T, s *testServer, json bool) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.DialWebSocket(ctx, s.wsURL(), client.Options{JSON: json})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func join(t *testing.T, c *client.Client, object string, data any) codec.Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f, err := c.Join(ctx, object, codec.JoinRequest{Data: data})
	if err != nil {
		t.Fatalf("join %s: %v", object, err)
	}
	return f
}

// recvKind waits for the next frame of kind k, skipping others.
func recvKind(t *testing.T, c *client.Client, k codec.Kind) codec.Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		f, err := c.Recv(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", k, err)
		}
		if f.Kind == k {
			return f
		}
	}
}

func (s *testServer) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.certs.Pool(), ClientSessionCache: tls.NewLRUClientSessionCache(8)}
}

func dialQUIC(t *testing.T, s *testServer, tlsConf *tls.Config) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.DialQUIC(ctx, s.quic.Addr().String(), client.Options{TLS: tlsConf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func dialWT(t *testing.T, s *testServer) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.DialWebTransport(ctx, "https://"+s.quic.Addr().String()+"/wt", client.Options{TLS: s.clientTLS()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
