package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/transport/client"
)

// TestMain lets the test binary stand in for the hearth binary: the serve
// tests re-execute it with HEARTH_TEST_MAIN set.
func TestMain(m *testing.M) {
	if os.Getenv("HEARTH_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is a `hearth serve` process. Callers may signal it and Wait on
// cmd; its stderr is read from a pipe of our own, so reading is not cut
// short by Wait.
type child struct {
	cmd    *exec.Cmd
	lines  chan map[string]any // JSON log lines; closed at EOF
	done   chan struct{}       // closed once all of stderr is read
	stderr strings.Builder     // read it through output
}

func startChild(t testing.TB, args ...string) *child {
	t.Helper()
	c := &child{lines: make(chan map[string]any, 1000), done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], append([]string{"serve", "--log-format", "json"}, args...)...)
	c.cmd.Env = append(os.Environ(), "HEARTH_TEST_MAIN=1")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stderr = w
	err = c.cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.cmd.Process.Kill(); _ = c.cmd.Wait(); <-c.done })
	go c.read(r)
	return c
}

// read passes stderr's JSON lines to c.lines until the child exits.
func (c *child) read(r *os.File) {
	defer close(c.done)
	defer close(c.lines)
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		c.stderr.WriteString(sc.Text() + "\n")
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			select {
			case c.lines <- m:
			default: // more lines than anyone waits for
			}
		}
	}
}

// output is everything the child wrote to stderr; it waits for the child
// to exit.
func (c *child) output() string {
	<-c.done
	return c.stderr.String()
}

// waitFor returns the first log line with message msg.
func (c *child) waitFor(t testing.TB, msg string) map[string]any {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case m, ok := <-c.lines:
			if !ok {
				t.Fatalf("server exited before logging %q:\n%s", msg, c.output())
			}
			if m["msg"] == msg {
				return m
			}
		case <-timeout:
			t.Fatalf("no %q log line", msg)
		}
	}
}

// TestServeEndToEnd starts `hearth serve` on free ports, checks health,
// metrics and the embedded NATS server, refuses a second server on the
// same data directory, and stops cleanly on SIGTERM.
func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	data := t.TempDir()
	srv := startChild(t, "--data", data, "--http", "127.0.0.1:0", "--nats", "127.0.0.1:0", "--quic", "127.0.0.1:0")
	ready := srv.waitFor(t, "hearth ready")
	base := "http://" + ready["http"].(string)

	if code, _ := httpGet(t, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d", code)
	}
	_, metrics := httpGet(t, base+"/metrics")
	for _, name := range []string{"hearth_storage_commit_seconds", "hearth_objects{", "go_goroutines", "process_resident_memory_bytes"} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	nc, err := nats.Connect(ready["nats"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("iot.test.dev")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("iot.test.dev", []byte(`{"value":1}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.NextMsg(5 * time.Second); err != nil {
		t.Fatalf("embedded NATS round trip: %v", err)
	}

	_, hash := httpGet(t, base+"/api/cert-hash")
	if !strings.Contains(hash, ready["cert_sha256"].(string)) {
		t.Errorf("/api/cert-hash %s does not match the logged hash %v", hash, ready["cert_sha256"])
	}
	checkClients(t, "ws://"+ready["http"].(string)+"/ws", ready["quic"].(string))

	second := startChild(t, "--data", data, "--http", "127.0.0.1:0", "--nats", "127.0.0.1:0", "--quic", "127.0.0.1:0")
	err = second.cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(second.output(), "in use by another process") {
		t.Fatalf("second server on the same data dir: %v\n%s", err, second.output())
	}

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	srv.waitFor(t, "hearth stopped cleanly")
	if err := srv.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// checkClients connects over WebSocket and QUIC and checks that a join to
// a kind the server does not host is refused with unknown_object.
func checkClients(t *testing.T, wsURL, quicAddr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, err := client.DialWebSocket(ctx, wsURL, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	q, err := client.DialQUIC(ctx, quicAddr, client.Options{TLS: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	for _, c := range []*client.Client{ws, q} {
		_, err := c.Join(ctx, "nosuchkind/x", codec.JoinRequest{})
		var e *client.Error
		if !errors.As(err, &e) || e.Code != codec.CodeUnknownObject {
			t.Errorf("join of an unknown kind: %v", err)
		}
	}
}

func startChildB(b *testing.B, args ...string) *child { return startChild(b, args...) }

func (c *child) waitForB(b *testing.B, msg string) map[string]any { return c.waitFor(b, msg) }

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
