package main

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzConfigYAML: any config file either loads into a valid configuration
// or fails with an error; it never panics.
func FuzzConfigYAML(f *testing.F) {
	f.Add([]byte("data: /x\nhttp: 127.0.0.1:1\nidle_timeout: 5s\n"))
	f.Add([]byte("demo: true\ndurability: async\n"))
	f.Add([]byte("[1, 2"))
	f.Add([]byte("idle_timeout: forever"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, doc []byte) {
		path := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(path, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		var cfg config
		if loadYAML(path, &cfg) == nil {
			_ = cfg.withDefaults()
		}
	})
}
