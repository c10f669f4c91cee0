package main

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
)

// Secrets given on the command line never reach the logs, even at debug
// level and when they are used.
func TestSecretsNeverLogged(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	const auth, admin, natsPass = "auth-secret-0123456789", "admin-secret-9876543210", "nats-pass-424242"
	srv := startChild(t, "--data", t.TempDir(), "--http", "127.0.0.1:0", "--nats", "127.0.0.1:0", "--quic", "127.0.0.1:0",
		"--log-level", "debug", "--auth-secret", auth, "--admin-secret", admin, "--nats-auth", "sensor:"+natsPass)
	ready := srv.waitFor(t, "hearth ready")
	req, _ := http.NewRequest(http.MethodPost, "http://"+ready["http"].(string)+"/api/token",
		strings.NewReader(`{"object": "room/x", "player": "p", "role": "player"}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("token: %v %v", res, err)
	}
	res.Body.Close()
	_ = srv.cmd.Process.Signal(syscall.SIGTERM)
	_ = srv.cmd.Wait()
	<-srv.done
	out := srv.output()
	for _, secret := range []string{auth, admin, natsPass} {
		if strings.Contains(out, secret) {
			t.Errorf("the log shows a secret: %q", secret)
		}
	}
	if !strings.Contains(out, "hearth stopped cleanly") {
		t.Fatalf("unexpected end:\n%s", out)
	}
}
