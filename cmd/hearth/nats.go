package main

import (
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// messaging is the NATS side of the server: the embedded server (unless an
// external one is used) and hearth's own connection to it.
type messaging struct {
	embedded *natsserver.Server // nil with --nats-url
	conn     *nats.Conn
}

// startNATS starts the embedded NATS server with JetStream under
// <data>/nats, or connects to cfg.NATSURL.
func startNATS(cfg *config, log *slog.Logger) (*messaging, error) {
	url := cfg.NATSURL
	m := &messaging{}
	if url == "" {
		ns, err := startEmbedded(cfg, log)
		if err != nil {
			return nil, err
		}
		m.embedded = ns
		url = ns.ClientURL()
	}
	nc, err := nats.Connect(url, nats.Name("hearth"), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		m.close()
		return nil, fmt.Errorf("nats: connect %s: %w", url, err)
	}
	m.conn = nc
	return m, nil
}

func startEmbedded(cfg *config, log *slog.Logger) (*natsserver.Server, error) {
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
	opts := &natsserver.Options{
		ServerName: "hearth",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.Data, "nats"),
		NoSigs:     true,
		MaxPayload: 1 << 20,
	}
	ns, err := natsserver.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats: %w", err)
	}
	ns.SetLoggerV2(natsLogger{log.With("component", "nats")}, false, false, false)
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("nats: embedded server on %s did not start (port in use?)", cfg.NATS)
	}
	return ns, nil
}

// addr is where clients reach the NATS server.
func (m *messaging) addr() string {
	if m.embedded != nil {
		return m.embedded.ClientURL()
	}
	return m.conn.ConnectedUrlRedacted()
}

// close drains hearth's connection and stops the embedded server.
func (m *messaging) close() {
	if m.conn != nil {
		_ = m.conn.Drain()
		m.conn.Close()
	}
	if m.embedded != nil {
		m.embedded.Shutdown()
		m.embedded.WaitForShutdown()
	}
}

// natsLogger routes the embedded server's logs to slog.
type natsLogger struct{ l *slog.Logger }

func (n natsLogger) Noticef(f string, a ...any) { n.l.Debug(fmt.Sprintf(f, a...)) }
func (n natsLogger) Warnf(f string, a ...any)   { n.l.Warn(fmt.Sprintf(f, a...)) }
func (n natsLogger) Fatalf(f string, a ...any)  { n.l.Error(fmt.Sprintf(f, a...)) }
func (n natsLogger) Errorf(f string, a ...any)  { n.l.Error(fmt.Sprintf(f, a...)) }
func (n natsLogger) Debugf(f string, a ...any)  { n.l.Debug(fmt.Sprintf(f, a...)) }
func (n natsLogger) Tracef(f string, a ...any)  { n.l.Debug(fmt.Sprintf(f, a...)) }
