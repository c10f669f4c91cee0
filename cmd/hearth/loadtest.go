package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/hearth-server/hearth/loadtest"
)

// loadtestFlags are the flags every loadtest mode shares.
type loadtestFlags struct {
	http, quic, nats string
	jsonOut, htmlOut string
	allowRemote      bool
	maxClients       int
	duration         time.Duration
	preset           string
}

func newLoadtestCmd() *cobra.Command {
	f := &loadtestFlags{}
	cmd := &cobra.Command{
		Use:   "loadtest",
		Short: "Load a hearth server (loopback only unless --allow-remote): game rooms, sensors or idle connections",
		Args:  cobra.NoArgs,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.http, "http", "127.0.0.1:8080", "server HTTP address (/ws, /metrics, /api/cert-hash)")
	pf.StringVar(&f.quic, "quic", "127.0.0.1:4433", "server QUIC and WebTransport address")
	pf.StringVar(&f.nats, "nats", "nats://127.0.0.1:4222", "server NATS (iot)")
	pf.StringVar(&f.jsonOut, "json", "", "write every figure to this JSON file")
	pf.StringVar(&f.htmlOut, "report", "", "write a self-contained HTML report with plots over time to this file")
	pf.BoolVar(&f.allowRemote, "allow-remote", false, "allow a target that is not a loopback address")
	pf.IntVar(&f.maxClients, "max-clients", 0, "refuse runs with more clients or sensors (default 10,000 game, 100,000 iot and idle)")
	pf.DurationVar(&f.duration, "duration", 10*time.Second, "bound of the run")
	pf.StringVar(&f.preset, "preset", "", "workload preset: nakama-match or colyseus (game), skab (iot)")
	cmd.AddCommand(newLoadtestGameCmd(f), newLoadtestIoTCmd(f), newLoadtestIdleCmd(f))
	return cmd
}

func (f *loadtestFlags) target() loadtest.Target {
	return loadtest.Target{HTTP: f.http, QUIC: f.quic}
}

func newLoadtestGameCmd(f *loadtestFlags) *cobra.Command {
	var c loadtest.GameConfig
	cmd := &cobra.Command{
		Use:   "game",
		Short: "Clients in game rooms: connect, join, round trip, snapshot jitter, resume, bandwidth",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.Target, c.Duration, c.MaxClients, c.AllowRemote, c.Preset = f.target(), f.duration, f.maxClients, f.allowRemote, f.preset
			c.Progress = progressOut(cmd)
			return runLoadtest(cmd, f, func(ctx context.Context) (*loadtest.Report, error) { return loadtest.RunGame(ctx, c) })
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&c.Clients, "clients", 0, "clients (default 10; nakama-match 100, colyseus 96)")
	fl.IntVar(&c.Rooms, "rooms", 0, "rooms the clients spread over (default one per 10 clients; colyseus one per 8)")
	fl.StringVar(&c.Transport, "transport", "quic", "quic, ws, webtransport or mix")
	fl.BoolVar(&c.JSON, "ws-json", false, "WebSocket clients use JSON frames")
	fl.Float64Var(&c.InputRate, "input-rate", 0, "inputs per second per client (default 10; nakama-match 2, colyseus 60)")
	fl.DurationVar(&c.RampUp, "ramp-up", 0, "spread the connects over this long (default duration/10)")
	fl.Float64Var(&c.Churn, "churn", 0, "share of clients that drop once and resume with their token")
	fl.StringVar(&c.RoomPrefix, "room-prefix", "", "rooms are room/<prefix>-<n> (default lt-<random>)")
	return cmd
}

func newLoadtestIoTCmd(f *loadtestFlags) *cobra.Command {
	var c loadtest.IoTConfig
	cmd := &cobra.Command{
		Use:   "iot",
		Short: "Sensors publishing to NATS: publish rate, ingest-to-aggregate latency, rejected and late vs sent",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.NATS, c.HTTP, c.Duration, c.MaxClients, c.AllowRemote, c.Preset = f.nats, f.http, f.duration, f.maxClients, f.allowRemote, f.preset
			if c.Preset == loadtest.PresetSKAB && !cmd.Flags().Changed("skab-dir") {
				c.SKAB = loadtest.DefaultSKABDir
			}
			c.Progress = progressOut(cmd)
			return runLoadtest(cmd, f, func(ctx context.Context) (*loadtest.Report, error) { return loadtest.RunIoT(ctx, c) })
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&c.Sensors, "sensors", 0, "sensors (default 100; skab: one per CSV file)")
	fl.IntVar(&c.Groups, "groups", 0, "device groups (default one per 100 sensors)")
	fl.Float64Var(&c.Rate, "rate", 0, "readings per second per sensor (default 1)")
	fl.StringVar(&c.Format, "format", "json", "json or msgpack")
	fl.Float64Var(&c.Bad, "bad", 0, "share of readings sent malformed, NaN or late")
	fl.StringVar(&c.SKAB, "skab-dir", "", "replay the SKAB CSVs under this directory (skab preset: "+loadtest.DefaultSKABDir+")")
	fl.StringVar(&c.GroupPrefix, "group-prefix", "", "groups are <prefix>-<n> (default lt-<random>)")
	fl.IntVar(&c.Spikes, "spikes", 0, "inject this many anomalies (one reading at 10,000 on distinct sensors, spread over the run) and time each to its alert")
	fl.StringVar(&c.SpikeDetectors, "spike-detectors", loadtest.SpikeThreshold,
		"threshold: configure the run's groups with a threshold detector over HTTP first; default: keep the server's detectors and spike after their warm-up")
	return cmd
}

func newLoadtestIdleCmd(f *loadtestFlags) *cobra.Command {
	var c loadtest.IdleConfig
	cmd := &cobra.Command{
		Use:   "idle",
		Short: "Hold idle connections: server memory per connection, client failures",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.Target, c.Duration, c.MaxClients, c.AllowRemote = f.target(), f.duration, f.maxClients, f.allowRemote
			c.Progress = progressOut(cmd)
			return runLoadtest(cmd, f, func(ctx context.Context) (*loadtest.Report, error) { return loadtest.RunIdle(ctx, c) })
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&c.Clients, "clients", 100, "connections to hold")
	fl.StringVar(&c.Transport, "transport", "ws", "ws, quic, webtransport or mix")
	fl.DurationVar(&c.RampUp, "ramp-up", 0, "spread the connects over this long (default duration/4)")
	fl.IntVar(&c.Parallel, "parallel", 64, "connects in flight at once")
	return cmd
}

// runLoadtest runs one mode until it ends or SIGINT, then prints the
// report and writes it as JSON when asked.
func runLoadtest(cmd *cobra.Command, f *loadtestFlags, run func(context.Context) (*loadtest.Report, error)) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
	defer stop()
	r, err := run(ctx)
	if err != nil {
		return err
	}
	if err := r.Print(cmd.OutOrStdout()); err != nil {
		return err
	}
	if f.jsonOut != "" {
		if err := r.WriteJSON(f.jsonOut); err != nil {
			return err
		}
	}
	if f.htmlOut != "" {
		return r.WriteHTML(f.htmlOut)
	}
	return nil
}

// progressOut is stderr when it is a terminal, else nothing.
func progressOut(cmd *cobra.Command) io.Writer {
	fi, err := os.Stderr.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 || cmd.ErrOrStderr() != os.Stderr {
		return nil
	}
	return os.Stderr
}
