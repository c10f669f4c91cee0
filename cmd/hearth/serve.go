package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/hearth-server/hearth/iot"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/session/store"
	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/transport"
)

// shutdownTimeout bounds a clean shutdown after SIGINT or SIGTERM.
const shutdownTimeout = 30 * time.Second

func newServeCmd() *cobra.Command {
	var cfg config
	var configFile string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server: embedded NATS, badger storage, HTTP, QUIC",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := resolve(cmd.Flags(), &cfg, configFile, os.LookupEnv); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// After the first signal, a second one kills the process.
			context.AfterFunc(ctx, stop)
			return serve(ctx, &cfg, newLogger(&cfg))
		},
	}
	bindFlags(cmd.Flags(), &cfg, &configFile)
	return cmd
}

func newLogger(cfg *config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// server is a running hearth: what serve starts and stops, in order.
type server struct {
	log     *slog.Logger
	store   *store.Store
	msg     *messaging
	runtime *session.Runtime
	hub     *transport.Hub
	quic    *transport.QUIC
	certs   *transport.Certs
	rooms   *tick.Directory
	clock   *tick.Clock // precise tick wake-ups for the rooms, unless --tick-timers
	ingest  *transport.Ingest
	http    *transport.HTTP
	httpLn  net.Listener
	demo    *demo      // with --demo
	failed  chan error // a part that stopped on its own; capacity 1
}

// serve runs hearth until ctx ends, then shuts it down cleanly.
func serve(ctx context.Context, cfg *config, log *slog.Logger) error {
	start := time.Now()
	setGC(cfg)
	s, err := startServer(cfg, log)
	if err != nil {
		return err
	}
	hash := s.certs.Hash()
	log.Info("hearth ready", "http", s.httpLn.Addr().String(), "quic", s.quic.Addr().String(), "nats", s.msg.addr(),
		"data", cfg.Data, "durability", cfg.Durability, "cert_sha256", base64.StdEncoding.EncodeToString(hash[:]),
		"startup", time.Since(start).Round(time.Millisecond))
	var failure error
	select {
	case <-ctx.Done():
		log.Info("shutting down (signal again to force)")
	case failure = <-s.failed:
		log.Error("shutting down after a failure", "err", failure)
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := errors.Join(failure, s.shutdown(sctx)); err != nil {
		return err
	}
	log.Info("hearth stopped cleanly")
	return nil
}

// setGC applies --gc-percent unless GOGC is set, and returns what to call
// to put the previous setting back.
func setGC(cfg *config) (restore func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	old := debug.SetGCPercent(cfg.GCPercent)
	return func() { debug.SetGCPercent(old) }
}

// startServer starts every part; on failure it stops what it started.
func startServer(cfg *config, log *slog.Logger) (*server, error) {
	s := &server{log: log, failed: make(chan error, 1)}
	if err := s.start(cfg); err != nil {
		_ = s.shutdown(context.Background())
		return nil, err
	}
	return s, nil
}

func (s *server) start(cfg *config) (err error) {
	log := s.log
	durability, _ := store.ParseDurability(cfg.Durability)
	s.store, err = store.Open(store.Options{Dir: filepath.Join(cfg.Data, "objects"), Durability: durability, Logger: log})
	if err != nil {
		return err
	}
	if s.msg, err = startNATS(cfg, log); err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := transport.NewMetrics(reg)
	s.runtime, err = session.New(session.Config{Store: s.store, Observer: metrics, Logger: log, IdleTimeout: cfg.IdleTimeout,
		MaxConnsPerObject: cfg.MaxConnsPerObject, MaxActive: cfg.MaxActive, MaxObjectBytes: cfg.MaxObjectBytes})
	if err != nil {
		return err
	}
	metrics.SetStats(s.runtime.Stats)
	s.rooms = tick.NewDirectory("room")
	metrics.SetRooms(s.rooms.Counts)
	if !cfg.TickTimers {
		s.clock = tick.NewClock()
	}
	if err := registerKinds(s.runtime, metrics, s.rooms, s.clock, s.msg.pub); err != nil {
		return err
	}
	if cfg.DurableIngest {
		s.ingest, err = transport.StartDurableIngest(s.msg.conn, s.runtime, "group", "iot")
	} else {
		s.ingest, err = transport.StartIngest(s.msg.conn, s.runtime, "group", "iot")
	}
	if err != nil {
		return err
	}
	auth, err := newAuth(cfg, log)
	if err != nil {
		return err
	}
	s.hub = transport.NewHub(s.runtime, transport.Config{Auth: auth, Logger: log, StreamHz: cfg.StreamHz,
		MaxConns: cfg.MaxConns, Rate: rate.Limit(cfg.Rate), Burst: int(2 * cfg.Rate), ObjectRate: rate.Limit(cfg.ObjectRate)})
	metrics.SetHub(s.hub.Stats)
	hl := &health{start: time.Now(), hub: s.hub, rt: s.runtime, ingest: s.ingest.Stats, gather: reg}
	(&topics{rt: s.runtime, rooms: s.rooms, health: hl}).register(s.hub)
	if err := s.startQUIC(cfg); err != nil {
		return err
	}
	if s.httpLn, err = net.Listen("tcp", cfg.HTTP); err != nil {
		return fmt.Errorf("http: %w", err)
	}
	s.http = transport.NewHTTP(reg)
	s.http.Handle("GET /ws", http.HandlerFunc(s.hub.ServeWebSocket))
	s.http.Handle("GET /api/cert-hash", http.HandlerFunc(s.certs.ServeHash))
	s.http.Handle("GET /api/webtransport", transport.WebTransportInfo(s.quic, s.certs))
	s.http.Handle("POST /api/token", transport.TokenHandler(auth, cfg.AdminSecret))
	s.http.Handle("GET "+backupPath, backupHandler(s.store, auth, cfg.AdminSecret, log))
	s.http.Handle("GET /api/rooms", s.rooms.ListHandler())
	s.http.Handle("POST /api/rooms/match", s.rooms.MatchHandler())
	s.http.Handle("/api/iot/", transport.Guard(auth, iotObject, iot.API(s.runtime, "group")))
	s.http.Handle("/", transport.Dashboard())
	ln := s.httpLn
	s.run("http", func() error { return s.http.Serve(ln) })
	s.http.SetReady(true)
	if cfg.Demo {
		s.demo, err = s.startDemo(auth)
	}
	return err
}

// iotObject names what an IoT API request concerns, for token checks:
// "iot/<group>", or "iot/*" for the group list.
func iotObject(r *http.Request) string {
	rest, _ := strings.CutPrefix(r.URL.Path, "/api/iot/groups/")
	if g, _, _ := strings.Cut(rest, "/"); g != "" && rest != r.URL.Path {
		return "iot/" + g
	}
	return "iot/*"
}

// newAuth returns the token checker, or nil (with a warning) when auth is
// off.
func newAuth(cfg *config, log *slog.Logger) (*transport.Auth, error) {
	if cfg.AuthSecret == "" {
		log.Warn("auth is off: any client may join any object; set --auth-secret to require tokens")
		return nil, nil
	}
	return transport.NewAuth(cfg.AuthSecret)
}

// startQUIC loads or generates the certificate and serves QUIC and
// WebTransport.
func (s *server) startQUIC(cfg *config) (err error) {
	if cfg.TLSCert != "" {
		s.certs, err = transport.LoadCerts(cfg.TLSCert, cfg.TLSKey)
	} else {
		s.certs, err = transport.SelfSigned()
	}
	if err != nil {
		return err
	}
	if s.quic, err = s.hub.ListenQUIC(cfg.QUIC, s.certs); err != nil {
		return err
	}
	s.run("quic", s.quic.Serve)
	return nil
}

// run serves part in its own goroutine. An error (or panic) from it,
// other than its clean end at shutdown, stops the whole server.
func (s *server) run(part string, serve func() error) {
	goRecover(s.log, part+" server", func() {
		err := fmt.Errorf("%s server panicked", part)
		defer func() { s.fail(err) }()
		if err = serve(); err != nil {
			err = fmt.Errorf("%s: %w", part, err)
		}
	})
}

// fail reports a part that stopped on its own; the first report wins.
func (s *server) fail(err error) {
	if err == nil {
		return
	}
	select {
	case s.failed <- err:
	default:
	}
}

// shutdown stops intake first and storage last, so that everything
// acknowledged is flushed.
func (s *server) shutdown(ctx context.Context) error {
	var errs []error
	if s.demo != nil {
		s.demo.stop()
	}
	if s.http != nil {
		errs = append(errs, s.http.Shutdown(ctx))
	} else if s.httpLn != nil {
		errs = append(errs, s.httpLn.Close())
	}
	if s.hub != nil {
		errs = append(errs, s.hub.Shutdown(ctx))
	}
	if s.quic != nil {
		errs = append(errs, s.quic.Close())
	}
	if s.ingest != nil {
		errs = append(errs, s.ingest.Stop())
	}
	if s.runtime != nil {
		errs = append(errs, s.runtime.Shutdown(ctx))
	}
	if s.clock != nil {
		s.clock.Close()
	}
	if s.msg != nil {
		s.msg.close(ctx)
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
	}
	return errors.Join(errs...)
}
