package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/transport/client"
)

// smallDisk mounts a tmpfs of size bytes for the test, or skips the test
// where mounting is not allowed.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small filesystem here (%v: %s)", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes to path until the filesystem is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

func putConfig(t *testing.T, base, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, base+"/api/iot/groups/g/config", strings.NewReader(body))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// When the data directory's disk fills up the server refuses writes with
// a clear error, keeps serving reads and connections, does not crash or
// corrupt what it stored, and writes again once space returns.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	disk := smallDisk(t, "300m")
	args := []string{"--data", filepath.Join(disk, "data"), "--http", "127.0.0.1:0", "--nats", "127.0.0.1:0", "--quic", "127.0.0.1:0"}
	srv := startChild(t, args...)
	ready := srv.waitFor(t, "hearth ready")
	base := "http://" + ready["http"].(string)
	if code, body := putConfig(t, base, `{"allowed_lateness_ms": 1111}`); code != 200 {
		t.Fatalf("before: %d %s", code, body)
	}
	filler := filepath.Join(disk, "filler")
	fill(t, filler)
	time.Sleep(150 * time.Millisecond) // the guard looks again

	code, body := putConfig(t, base, `{"allowed_lateness_ms": 2222}`)
	if code != http.StatusInsufficientStorage || !strings.Contains(body, "storage full") {
		t.Fatalf("write on a full disk: %d %s", code, body)
	}
	if code, body := httpGet(t, base+"/api/iot/groups/g/config"); code != 200 || !strings.Contains(body, "1111") {
		t.Fatalf("read on a full disk: %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := client.DialWebSocket(ctx, "ws://"+ready["http"].(string)+"/ws", client.Options{})
	if err != nil {
		t.Fatalf("connecting on a full disk: %v", err)
	}
	_, err = c.Join(ctx, "room/new", codec.JoinRequest{})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Code != "storage_full" {
		t.Fatalf("creating a room on a full disk: %v", err)
	}
	c.Close()

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	if code, body := putConfig(t, base, `{"allowed_lateness_ms": 3333}`); code != 200 {
		t.Fatalf("after space returned: %d %s", code, body)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("the server died on the full disk:\n%s", srv.output())
	}
	_ = srv.cmd.Wait()
	again := startChild(t, args...)
	ready = again.waitFor(t, "hearth ready")
	if code, body := httpGet(t, "http://"+ready["http"].(string)+"/api/iot/groups/g/config"); code != 200 || !bytes.Contains([]byte(body), []byte("3333")) {
		t.Fatalf("after restart: %d %s", code, body)
	}
}

// When the data directory becomes read-only the server refuses writes
// with a clear error, keeps serving reads, and writes again once it is
// writable; nothing acknowledged is lost.
func TestDataDirReadOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	disk := smallDisk(t, "300m")
	data := filepath.Join(disk, "data")
	args := []string{"--data", data, "--http", "127.0.0.1:0", "--nats", "127.0.0.1:0", "--quic", "127.0.0.1:0"}
	srv := startChild(t, args...)
	ready := srv.waitFor(t, "hearth ready")
	base := "http://" + ready["http"].(string)
	if code, body := putConfig(t, base, `{"allowed_lateness_ms": 1111}`); code != 200 {
		t.Fatalf("before: %d %s", code, body)
	}
	objects := filepath.Join(data, "objects")
	mount := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("mount", args...).CombinedOutput(); err != nil {
			t.Fatalf("mount %v: %v %s", args, err, out)
		}
	}
	mount("--bind", objects, objects)
	t.Cleanup(func() { _ = exec.Command("umount", "-l", objects).Run() })
	mount("-o", "remount,ro,bind", objects)
	time.Sleep(150 * time.Millisecond) // the guard looks again

	code, body := putConfig(t, base, `{"allowed_lateness_ms": 2222}`)
	if code != http.StatusInsufficientStorage || !strings.Contains(body, "read-only") {
		t.Fatalf("write to a read-only directory: %d %s", code, body)
	}
	if code, body := httpGet(t, base+"/api/iot/groups/g/config"); code != 200 || !strings.Contains(body, "1111") {
		t.Fatalf("read from a read-only directory: %d %s", code, body)
	}
	mount("-o", "remount,rw,bind", objects)
	time.Sleep(150 * time.Millisecond)
	if code, body := putConfig(t, base, `{"allowed_lateness_ms": 3333}`); code != 200 {
		t.Fatalf("writable again: %d %s", code, body)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("the server died:\n%s", srv.output())
	}
	_ = srv.cmd.Wait()
	again := startChild(t, args...)
	ready = again.waitFor(t, "hearth ready")
	if code, body := httpGet(t, "http://"+ready["http"].(string)+"/api/iot/groups/g/config"); code != 200 || !strings.Contains(body, "3333") {
		t.Fatalf("after restart: %d %s", code, body)
	}
}
