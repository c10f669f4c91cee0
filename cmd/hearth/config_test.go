package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func parse(t *testing.T, args []string, env map[string]string) (config, error) {
	t.Helper()
	var cfg config
	var file string
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	bindFlags(fs, &cfg, &file)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	err := resolve(fs, &cfg, file, lookup)
	return cfg, err
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := parse(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := config{Data: "./hearth-data", HTTP: "127.0.0.1:8080", QUIC: "127.0.0.1:4433", NATS: "127.0.0.1:4222",
		Durability: "sync", IdleTimeout: 10 * time.Second, LogLevel: "info", LogFormat: "text", StreamHz: 10, Rate: 200,
		GCPercent: 400}
	if cfg != want {
		t.Fatalf("defaults = %+v\nwant %+v", cfg, want)
	}
}

// Flags beat HEARTH_* variables, which beat the YAML file, which beats
// the defaults.
func TestConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hearth.yaml")
	yaml := "data: /from/yaml\nhttp: 127.0.0.1:1111\nnats: 127.0.0.1:2222\nidle_timeout: 1m\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HEARTH_HTTP": "127.0.0.1:3333", "HEARTH_DATA": "/from/env", "HEARTH_DURABILITY": "async"}
	cfg, err := parse(t, []string{"--config", file, "--data", "/from/flag"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Data != "/from/flag" || cfg.HTTP != "127.0.0.1:3333" || cfg.NATS != "127.0.0.1:2222" ||
		cfg.IdleTimeout != time.Minute || cfg.Durability != "async" || cfg.QUIC != "127.0.0.1:4433" {
		t.Fatalf("resolved %+v", cfg)
	}
	// HEARTH_CONFIG names the file when --config does not.
	cfg, err = parse(t, nil, map[string]string{"HEARTH_CONFIG": file})
	if err != nil || cfg.Data != "/from/yaml" {
		t.Fatalf("HEARTH_CONFIG: %+v, %v", cfg, err)
	}
}

func TestConfigErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "typo.yaml")
	if err := os.WriteFile(file, []byte("dta: /x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		args []string
		env  map[string]string
		want string
	}{
		"unknown YAML field": {[]string{"--config", file}, nil, "dta"},
		"bad durability":     {[]string{"--durability", "maybe"}, nil, "durability"},
		"bad address":        {[]string{"--http", "nonsense"}, nil, "http address"},
		"bad gc percent":     {[]string{"--gc-percent", "-5"}, nil, "gc-percent"},
		"bad env duration":   {nil, map[string]string{"HEARTH_IDLE_TIMEOUT": "soon"}, "HEARTH_IDLE_TIMEOUT"},
		"missing file":       {[]string{"--config", "/does/not/exist.yaml"}, nil, "exist.yaml"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := parse(t, c.args, c.env)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want mention of %q", err, c.want)
			}
		})
	}
}
