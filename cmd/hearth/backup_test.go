package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-server/hearth/session/store"
	"github.com/hearth-server/hearth/transport"
)

// runCmd runs the hearth CLI in process and returns its output.
func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// backupLoad rewrites the configuration of a few groups through the API,
// recording per group the newest value acknowledged (200).
type backupLoad struct {
	groups    int
	acked     []atomic.Int64
	attempted []atomic.Int64
}

func (l *backupLoad) run(ctx context.Context, base string, g int) {
	for ctx.Err() == nil {
		v := l.attempted[g].Add(1) + 60_000
		body := fmt.Sprintf(`{"allowed_lateness_ms": %d}`, v)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, fmt.Sprintf("%s/api/iot/groups/bk%d/config", base, g), strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			l.acked[g].Store(v)
		}
	}
}

func groupLateness(t *testing.T, base string, g int) int64 {
	t.Helper()
	res, err := http.Get(fmt.Sprintf("%s/api/iot/groups/bk%d/config", base, g))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var conf struct {
		Lateness int64 `json:"allowed_lateness_ms"`
	}
	if err := json.NewDecoder(res.Body).Decode(&conf); err != nil {
		t.Fatal(err)
	}
	return conf.Lateness
}

// TestBackupRestoreUnderLoad takes `hearth backup` from a server whose
// groups' configurations are being rewritten and whose room is being
// played, restores it with `hearth restore` into a new data directory,
// starts a server there and finds every write acknowledged before the
// backup began: each group's configuration at least as new as the last
// acknowledged one, every group listed, the room ticking again.
func TestBackupRestoreUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	args := []string{"--http", "127.0.0.1:0", "--nats", "127.0.0.1:0", "--quic", "127.0.0.1:0"}
	srv := startChild(t, append([]string{"--data", t.TempDir()}, args...)...)
	ready := srv.waitFor(t, "hearth ready")
	base := "http://" + ready["http"].(string)

	load := &backupLoad{groups: 4}
	load.acked = make([]atomic.Int64, load.groups)
	load.attempted = make([]atomic.Int64, load.groups)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	for g := range load.groups {
		wg.Go(func() { load.run(ctx, base, g) })
	}
	wg.Go(func() { play(ctx, ready["http"].(string)) })
	time.Sleep(1600 * time.Millisecond) // the room saves once

	before := make([]int64, load.groups)
	for g := range before {
		if before[g] = load.acked[g].Load(); before[g] == 0 {
			t.Fatalf("group bk%d: no configuration acknowledged yet", g)
		}
	}
	file := filepath.Join(t.TempDir(), "hearth.backup")
	out, err := runCmd(t, "backup", "--out", file, "--http", ready["http"].(string))
	if err != nil {
		t.Fatalf("hearth backup: %v\n%s", err, out)
	}
	stop()
	wg.Wait()
	t.Logf("hearth backup: %s", strings.TrimSpace(out))
	if _, err := os.Stat(file + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("backup left %s.tmp: %v", file, err)
	}

	data := t.TempDir()
	out, err = runCmd(t, "restore", "--in", file, "--data", data)
	if err != nil {
		t.Fatalf("hearth restore: %v\n%s", err, out)
	}
	t.Logf("hearth restore: %s", strings.TrimSpace(out))
	if out, err := runCmd(t, "restore", "--in", file, "--data", data); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a second restore into the same directory: %v\n%s", err, out)
	}

	restored := startChild(t, append([]string{"--data", data}, args...)...)
	rready := restored.waitFor(t, "hearth ready")
	rbase := "http://" + rready["http"].(string)
	for g := range load.groups {
		got, last := groupLateness(t, rbase, g), load.attempted[g].Load()+60_000
		if got < before[g] || got > last {
			t.Errorf("group bk%d restored with lateness %d; %d was acknowledged before the backup, %d the last sent", g, got, before[g], last)
		}
	}
	_, list := httpGet(t, rbase+"/api/iot/groups")
	for g := range load.groups {
		if !strings.Contains(list, fmt.Sprintf(`"bk%d"`, g)) {
			t.Errorf("group bk%d not listed after the restore: %s", g, list)
		}
	}
	waitTicking(t, rbase, "room/crash")
}

// TestBackupNeedsAdmin: with auth on, the backup endpoint refuses no
// token and a viewer's, and serves an admin token or the admin secret;
// `hearth backup` reports the refusal and leaves no file.
func TestBackupNeedsAdmin(t *testing.T) {
	const secret, admin = "0123456789abcdef0123456789abcdef", "backup-admin-secret"
	s := startInProcessWith(t, t.TempDir(), func(c *config) { c.AuthSecret = secret; c.AdminSecret = admin })
	auth, err := transport.NewAuth(secret)
	if err != nil {
		t.Fatal(err)
	}
	addr := s.httpLn.Addr().String()
	mint := func(object, role string) string {
		tok, err := auth.Mint(object, "ops", role, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, c := range []struct {
		name, token string
		want        int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"viewer", mint("*", transport.RoleViewer), http.StatusForbidden},
		{"admin of the IoT API only", mint("iot/*", transport.RoleAdmin), http.StatusUnauthorized},
		{"admin", mint("*", transport.RoleAdmin), http.StatusOK},
		{"admin secret", admin, http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+backupPath, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, res.StatusCode, c.want)
			continue
		}
		if c.want == http.StatusOK {
			if ct := res.Header.Get("Content-Type"); ct != "application/octet-stream" {
				t.Errorf("%s: Content-Type %q", c.name, ct)
			}
			if _, _, err := store.VerifyBackup(bytes.NewReader(body)); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "b")
	t.Setenv("HEARTH_TOKEN", "")
	t.Setenv("HEARTH_ADMIN_SECRET", "")
	for _, tok := range []string{"", mint("*", transport.RoleViewer)} {
		out, err := runCmd(t, "backup", "--out", file, "--http", addr, "--token", tok)
		if err == nil || !strings.Contains(err.Error(), "answered 40") {
			t.Fatalf("hearth backup with token %.10q: %v\n%s", tok, err, out)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Fatalf("a refused backup left %v", entries)
		}
	}
	t.Setenv("HEARTH_TOKEN", mint("*", transport.RoleAdmin))
	if out, err := runCmd(t, "backup", "--out", file, "--http", "http://"+addr); err != nil {
		t.Fatalf("hearth backup with $HEARTH_TOKEN: %v\n%s", err, out)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", fi, err)
	}
}

func TestBackupURL(t *testing.T) {
	for _, c := range []struct {
		addr   string
		remote bool
		want   string // "" for an error
	}{
		{"127.0.0.1:8080", false, "http://127.0.0.1:8080/api/admin/backup"},
		{"localhost:8080", false, "http://localhost:8080/api/admin/backup"},
		{"[::1]:8080", false, "http://[::1]:8080/api/admin/backup"},
		{"http://127.0.0.2:9", false, "http://127.0.0.2:9/api/admin/backup"},
		{"10.0.0.5:8080", false, ""},
		{"example.com:8080", false, ""},
		{"10.0.0.5:8080", true, "http://10.0.0.5:8080/api/admin/backup"},
		{"https://hearth.example.com", false, "https://hearth.example.com/api/admin/backup"},
		{"ftp://127.0.0.1", false, ""},
		{"http://", false, ""},
	} {
		got, err := backupURL(c.addr, c.remote)
		if (err != nil) != (c.want == "") || got != c.want {
			t.Errorf("backupURL(%q, %v) = %q, %v; want %q", c.addr, c.remote, got, err, c.want)
		}
	}
}

// TestRestoreRefusesBadInput: a missing or foreign file, or a data
// directory that already holds objects, is refused and nothing is written.
func TestRestoreRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "foreign")
	if err := os.WriteFile(foreign, []byte("PK\x03\x04 not a backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	for _, in := range []string{foreign, filepath.Join(dir, "missing")} {
		if out, err := runCmd(t, "restore", "--in", in, "--data", data); err == nil {
			t.Fatalf("restore of %s: %s", in, out)
		}
	}
	if entries, _ := os.ReadDir(data); len(entries) > 0 {
		t.Fatalf("a refused restore left %v", entries)
	}
	if _, err := runCmd(t, "restore", "--in", foreign); err == nil {
		t.Fatal("restore without --data")
	}
}
