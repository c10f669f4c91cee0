package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/hearth-server/hearth/session/store"
)

// config is everything `hearth serve` takes. Its zero value works: every
// empty field gets its default in withDefaults.
type config struct {
	Data        string        `yaml:"data"`
	HTTP        string        `yaml:"http"`
	QUIC        string        `yaml:"quic"`
	NATS        string        `yaml:"nats"`
	NATSURL     string        `yaml:"nats_url"`
	Demo        bool          `yaml:"demo"`
	Durability  string        `yaml:"durability"`
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	LogLevel    string        `yaml:"log_level"`
	LogFormat   string        `yaml:"log_format"`
	TLSCert     string        `yaml:"tls_cert"`
	TLSKey      string        `yaml:"tls_key"`
	AuthSecret  string        `yaml:"auth_secret"`
	AdminSecret string        `yaml:"admin_secret"`
	NATSAuth    string        `yaml:"nats_auth"`
	// DurableIngest reads sensors through a JetStream stream, acknowledging
	// each reading once the group state that includes it is committed.
	DurableIngest bool `yaml:"durable_ingest"`
	// StreamHz caps the updates a second one subscriber gets per topic.
	StreamHz float64 `yaml:"stream_hz"`
	// TickTimers wakes rooms from the runtime's timers instead of the
	// tick.Clock.
	TickTimers bool `yaml:"tick_timers"`
	// GCPercent is the garbage collector's GOGC (default 400; -1: off),
	// unless the GOGC variable is set.
	GCPercent int `yaml:"gc_percent"`
	// Limits; 0 means none (Rate: the default 200).
	MaxActive         int     `yaml:"max_active_objects"`
	MaxObjectBytes    int     `yaml:"max_object_bytes"`
	MaxConns          int     `yaml:"max_conns"`
	MaxConnsPerObject int     `yaml:"max_conns_per_object"`
	Rate              float64 `yaml:"rate"`
	ObjectRate        float64 `yaml:"object_rate"`
}

// bindFlags declares the serve flags over cfg's fields. Their defaults,
// shown in --help, come from withDefaults, the one place defaults live.
func bindFlags(fs *pflag.FlagSet, cfg *config, configFile *string) {
	var d config
	_ = d.withDefaults()
	fs.StringVar(configFile, "config", "", "YAML config file (flags and HEARTH_* variables override it)")
	fs.StringVar(&cfg.Data, "data", d.Data, "data directory (objects in <data>/objects, NATS JetStream in <data>/nats)")
	fs.StringVar(&cfg.HTTP, "http", d.HTTP, "HTTP listen address (dashboard, API, WebSocket, /metrics, /healthz)")
	fs.StringVar(&cfg.QUIC, "quic", d.QUIC, "QUIC and WebTransport UDP listen address")
	fs.StringVar(&cfg.NATS, "nats", d.NATS, "embedded NATS listen address")
	fs.StringVar(&cfg.NATSAuth, "nats-auth", "", "USER:PASSWORD sensors must present to the embedded NATS server (they may publish on iot.> and subscribe to hearth.> only)")
	fs.StringVar(&cfg.NATSURL, "nats-url", "", "external NATS URL to use instead of the embedded server")
	fs.BoolVar(&cfg.Demo, "demo", false, "start demo bots (3 rooms, over QUIC and WebSocket) and simulated sensors (group demo-pumps, with anomalies) for the dashboard")
	fs.StringVar(&cfg.Durability, "durability", d.Durability, "commit durability: sync (fsync, group-committed) or async (survives a process crash, not a power cut)")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", d.IdleTimeout, "hibernate objects idle this long (negative: never)")
	fs.StringVar(&cfg.LogLevel, "log-level", d.LogLevel, "log level: debug, info, warn, error")
	fs.StringVar(&cfg.LogFormat, "log-format", d.LogFormat, "log format: text or json")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "PEM certificate for QUIC/WebTransport (default: self-signed, rotated, hash at /api/cert-hash)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "PEM key for --tls-cert")
	fs.StringVar(&cfg.AuthSecret, "auth-secret", "", "HMAC secret for join tokens (≥16 bytes); without it the server runs open")
	fs.StringVar(&cfg.AdminSecret, "admin-secret", "", "bearer secret for POST /api/token")
	fs.BoolVar(&cfg.TickTimers, "tick-timers", false, "wake rooms from Go's runtime timers instead of the tick clock (one timerfd): less CPU, but ticks up to 1 ms late whenever the process is idle")
	fs.IntVar(&cfg.GCPercent, "gc-percent", d.GCPercent, "garbage collector target percentage (GOGC; -1: off); GOGC in the environment wins, GOMEMLIMIT caps the heap. Fewer collections keep tick lateness and ingest latency tails lower, for more memory")
	fs.IntVar(&cfg.MaxActive, "max-active-objects", 0, "most objects in memory with a goroutine (0: no limit); a message that would wake one more is answered overloaded")
	fs.IntVar(&cfg.MaxObjectBytes, "max-object-bytes", 0, "most bytes (keys plus values) one object may store (0: no limit); writes over it fail")
	fs.IntVar(&cfg.MaxConns, "max-conns", 0, "most open client connections, all transports (0: no limit); more are refused")
	fs.IntVar(&cfg.MaxConnsPerObject, "max-conns-per-object", 0, "most connections attached to one object (0: no limit); more joins are refused")
	fs.Float64Var(&cfg.Rate, "rate", d.Rate, "frames a second one connection may send (burst: twice that); more are answered rate_limited")
	fs.Float64Var(&cfg.ObjectRate, "object-rate", 0, "events and inputs a second all connections together may send one object (0: no limit)")
	fs.Float64Var(&cfg.StreamHz, "stream-hz", d.StreamHz, "most updates a second a live-stream subscriber gets per topic")
	fs.BoolVar(&cfg.DurableIngest, "durable-ingest", false, "ingest sensors through JetStream: a reading is acknowledged only once the group state including it is durable")
}

// resolve builds the final configuration after flag parsing: defaults,
// then the YAML file, then HEARTH_* environment variables, then flags set
// on the command line.
func resolve(fs *pflag.FlagSet, cfg *config, configFile string, env func(string) (string, bool)) error {
	changed := map[string]string{}
	fs.Visit(func(f *pflag.Flag) { changed[f.Name] = f.Value.String() })
	if configFile == "" {
		configFile, _ = env("HEARTH_CONFIG")
	}
	*cfg = config{}
	if configFile != "" {
		if err := loadYAML(configFile, cfg); err != nil {
			return err
		}
	}
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "config" {
			return
		}
		if v, ok := changed[f.Name]; ok {
			errs = append(errs, f.Value.Set(v))
		} else if v, ok := env(envName(f.Name)); ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envName(f.Name), err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return cfg.withDefaults()
}

// envName maps a flag to its environment variable: --nats-url → HEARTH_NATS_URL.
func envName(flag string) string {
	return "HEARTH_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

func loadYAML(path string, cfg *config) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// withDefaults fills empty fields and validates the result.
func (c *config) withDefaults() error {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Data, "./hearth-data")
	def(&c.HTTP, "127.0.0.1:8080")
	def(&c.QUIC, "127.0.0.1:4433")
	def(&c.NATS, "127.0.0.1:4222")
	def(&c.Durability, "sync")
	def(&c.LogLevel, "info")
	def(&c.LogFormat, "text")
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 10 * time.Second
	}
	if c.StreamHz == 0 {
		c.StreamHz = 10
	}
	if c.Rate == 0 {
		c.Rate = 200
	}
	if c.GCPercent == 0 {
		c.GCPercent = 400
	}
	var errs []error
	if c.MaxActive < 0 || c.MaxObjectBytes < 0 || c.MaxConns < 0 || c.MaxConnsPerObject < 0 || !(c.Rate > 0) || !(c.ObjectRate >= 0) {
		errs = append(errs, errors.New("config: limits must be positive (0: none) and --rate above 0"))
	}
	if c.GCPercent < -1 {
		errs = append(errs, fmt.Errorf("config: --gc-percent %d: want a percentage or -1 (off)", c.GCPercent))
	}
	if !(c.StreamHz > 0 && c.StreamHz <= 100) {
		errs = append(errs, fmt.Errorf("config: --stream-hz %v: want 0 < hz ≤ 100", c.StreamHz))
	}
	for name, addr := range map[string]string{"http": c.HTTP, "quic": c.QUIC, "nats": c.NATS} {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			errs = append(errs, fmt.Errorf("config: %s address %q: %w", name, addr, err))
		}
	}
	if _, err := store.ParseDurability(c.Durability); err != nil {
		errs = append(errs, fmt.Errorf("config: %w", err))
	}
	if err := new(slog.Level).UnmarshalText([]byte(c.LogLevel)); err != nil {
		errs = append(errs, fmt.Errorf("config: log level %q: %w", c.LogLevel, err))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("config: log format %q: want text or json", c.LogFormat))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("config: --tls-cert and --tls-key go together"))
	}
	if _, err := parseNATSAuth(c.NATSAuth); err != nil {
		errs = append(errs, err)
	}
	if c.NATSAuth != "" && c.NATSURL != "" {
		errs = append(errs, errors.New("config: --nats-auth configures the embedded server; with --nats-url, put credentials in the URL"))
	}
	if c.AuthSecret != "" && len(c.AuthSecret) < 16 {
		errs = append(errs, errors.New("config: --auth-secret must be at least 16 bytes"))
	}
	return errors.Join(errs...)
}
