package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/hearth-server/hearth/transport"
)

// With auth on, the IoT API wants a token: a viewer reads, only an admin
// acknowledges alerts or changes configuration.
func TestIoTAPINeedsTokens(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	s := startInProcessWith(t, t.TempDir(), func(c *config) { c.AuthSecret = secret })
	auth, err := transport.NewAuth(secret)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + s.httpLn.Addr().String()
	do := func(method, path, role string) int {
		req, _ := http.NewRequest(method, base+path, nil)
		if role != "" {
			tok, _ := auth.Mint("*", "ops", role, time.Minute)
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, c := range []struct {
		method, path, role string
		want               int
	}{
		{"GET", "/api/iot/groups", "", 401},
		{"GET", "/api/iot/groups", transport.RoleViewer, 200},
		{"POST", "/api/iot/groups/g/alerts/x/ack", transport.RoleViewer, 403},
		{"POST", "/api/iot/groups/g/alerts/x/ack", transport.RoleAdmin, 404}, // admitted; no such group
		{"GET", "/", "", 200}, // the dashboard page itself is public
	} {
		if got := do(c.method, c.path, c.role); got != c.want {
			t.Errorf("%s %s as %q: %d, want %d", c.method, c.path, c.role, got, c.want)
		}
	}
}
