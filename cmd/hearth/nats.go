package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// natsStartTimeout bounds how long the embedded server may take to listen.
const natsStartTimeout = 10 * time.Second

// messaging is the NATS side of the server: the embedded server (unless an
// external one is used) and hearth's own connections to it: conn takes
// the readings in, pub sends aggregates, alerts, late and rejected
// readings out. Apart, a group publishing never waits for the connection
// lock while hundreds of thousands of readings a second come in on conn
// (it did, for up to 60 ms).
type messaging struct {
	embedded *natsserver.Server // nil with --nats-url
	auth     *natsAuth          // with --nats-auth
	conn     *nats.Conn
	pub      *nats.Conn
	closed   chan struct{} // closed when conn is closed
}

// startNATS starts the embedded NATS server with JetStream under
// <data>/nats, or connects to cfg.NATSURL.
func startNATS(cfg *config, log *slog.Logger) (*messaging, error) {
	m := &messaging{closed: make(chan struct{})}
	var common []nats.Option // both connections'
	var inProcess []nats.Option
	url := cfg.NATSURL
	if url == "" {
		var err error
		if m.auth, err = parseNATSAuth(cfg.NATSAuth); err != nil {
			return nil, err
		}
		ns, err := startEmbedded(cfg, m.auth, log)
		if err != nil {
			return nil, err
		}
		if m.auth != nil {
			common = append(common, nats.UserInfo(internalNATSUser, m.auth.internal))
		}
		m.embedded = ns
		url = ns.ClientURL()
		inProcess = append(inProcess, nats.InProcessServer(ns))
	} else {
		common = append(common, nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	}
	var err error
	m.conn, err = nats.Connect(url, slices.Concat(common, inProcess,
		[]nats.Option{nats.Name("hearth"), nats.ClosedHandler(func(*nats.Conn) { close(m.closed) })})...)
	if err == nil {
		// The publishing connection goes over the loopback socket even to
		// the embedded server: an in-process connection is a synchronous
		// pipe, so a publish that fills the buffer would wait for the
		// server's reader.
		m.pub, err = nats.Connect(url, append(common, nats.Name("hearth-publish"))...)
	}
	if err != nil {
		m.close(context.Background())
		return nil, fmt.Errorf("nats: connect %s: %w", url, err)
	}
	return m, nil
}

// startEmbedded runs the NATS server in this process, listening on
// cfg.NATS, and waits until it accepts clients or reports why it cannot.
func startEmbedded(cfg *config, auth *natsAuth, log *slog.Logger) (*natsserver.Server, error) {
	opts, err := embeddedOptions(cfg)
	if err != nil {
		return nil, err
	}
	if auth != nil {
		opts.Users = auth.users()
	}
	ns, err := natsserver.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	nl := newNATSLogger(log.With("component", "nats"))
	ns.SetLoggerV2(nl, log.Enabled(context.Background(), slog.LevelDebug), false, false)
	goRecover(log, "nats server start", ns.Start)
	if err := waitReady(ns, nl); err != nil {
		ns.Shutdown()
		return nil, fmt.Errorf("nats: embedded server on %s: %w", cfg.NATS, err)
	}
	nl.started.Store(true)
	return ns, nil
}

func embeddedOptions(cfg *config) (*natsserver.Options, error) {
	host, portStr, err := net.SplitHostPort(cfg.NATS)
	if err != nil {
		return nil, fmt.Errorf("nats: listen address %q: %w", cfg.NATS, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("nats: port %q: %w", portStr, err)
	}
	if port == 0 {
		port = natsserver.RANDOM_PORT
	}
	return &natsserver.Options{
		ServerName: "hearth",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.Data, "nats"),
		NoSigs:     true,
		MaxPayload: 1 << 20,
	}, nil
}

// waitReady returns once ns accepts clients, as soon as ns reports a fatal
// error (a port in use, JetStream unable to start), or after
// natsStartTimeout.
func waitReady(ns *natsserver.Server, nl *natsLogger) error {
	deadline := time.Now().Add(natsStartTimeout)
	for !ns.ReadyForConnections(25 * time.Millisecond) {
		select {
		case msg := <-nl.fatal:
			return fmt.Errorf("%s", msg)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v", natsStartTimeout)
		}
	}
	return nil
}

// sensorOptions are what a sensor-like client (the demo) needs to
// connect: the sensors' credentials when --nats-auth is on.
func (m *messaging) sensorOptions() []nats.Option {
	if m.auth == nil {
		return nil
	}
	return []nats.Option{nats.UserInfo(m.auth.user, m.auth.password)}
}

// addr is where clients reach the NATS server.
func (m *messaging) addr() string {
	if m.embedded != nil {
		return m.embedded.ClientURL()
	}
	return m.conn.ConnectedUrlRedacted()
}

// close drains hearth's connection (until ctx ends) and stops the embedded
// server.
func (m *messaging) close(ctx context.Context) {
	if m.conn != nil {
		if m.conn.Drain() == nil {
			select {
			case <-m.closed:
			case <-ctx.Done():
			}
		}
		m.conn.Close()
	}
	if m.pub != nil {
		_ = m.pub.FlushWithContext(ctx) // what groups published while ingest drained
		m.pub.Close()
	}
	if m.embedded != nil {
		m.embedded.Shutdown()
		m.embedded.WaitForShutdown()
	}
}
