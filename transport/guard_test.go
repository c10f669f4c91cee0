package transport_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hearth-server/hearth/transport"
)

func TestGuardRoles(t *testing.T) {
	auth, err := transport.NewAuth("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := transport.Guard(auth, func(*http.Request) string { return "iot/pumps" }, ok)
	mint := func(obj, role string, ttl time.Duration) string {
		tok, err := auth.Mint(obj, "someone", role, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, c := range []struct {
		method, token string
		want          int
	}{
		{"GET", "", 401},
		{"GET", "garbage", 401},
		{"GET", mint("*", transport.RoleViewer, -time.Minute), 401},
		{"GET", mint("*", transport.RoleViewer, time.Minute), 418},
		{"GET", mint("iot/*", transport.RoleViewer, time.Minute), 418},
		{"GET", mint("iot/other", transport.RoleViewer, time.Minute), 401},
		{"GET", mint("*", transport.RolePlayer, time.Minute), 403},
		{"POST", mint("*", transport.RoleViewer, time.Minute), 403},
		{"POST", mint("*", transport.RoleAdmin, time.Minute), 418},
		{"PUT", mint("iot/pumps", transport.RoleAdmin, time.Minute), 418},
	} {
		req := httptest.NewRequest(c.method, "/api/iot/groups/pumps", nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s with %.20s…: %d, want %d", c.method, c.token, rec.Code, c.want)
		}
	}
	// Without auth the API is open: no token needed.
	rec := httptest.NewRecorder()
	transport.Guard(nil, nil, ok).ServeHTTP(rec, httptest.NewRequest("POST", "/api/iot/groups/pumps", nil))
	if rec.Code != http.StatusTeapot {
		t.Fatalf("without auth: %d", rec.Code)
	}
}

func TestGuardAdmin(t *testing.T) {
	const secret = "the-admin-secret"
	auth, err := transport.NewAuth("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	backup := func(*http.Request) string { return "admin/backup" }
	mint := func(obj, role string, ttl time.Duration) string {
		tok, err := auth.Mint(obj, "someone", role, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for _, c := range []struct {
		name        string
		auth        *transport.Auth
		secret, tok string
		want        int
	}{
		{"no token", auth, secret, "", 401},
		{"garbage", auth, secret, "garbage", 401},
		{"viewer", auth, secret, mint("*", transport.RoleViewer, time.Minute), 403},
		{"player", auth, "", mint("admin/backup", transport.RolePlayer, time.Minute), 403},
		{"admin for another object", auth, "", mint("iot/*", transport.RoleAdmin, time.Minute), 401},
		{"expired admin", auth, "", mint("*", transport.RoleAdmin, -time.Minute), 401},
		{"admin", auth, "", mint("*", transport.RoleAdmin, time.Minute), 418},
		{"admin of admin/*", auth, secret, mint("admin/*", transport.RoleAdmin, time.Minute), 418},
		{"admin secret", auth, secret, secret, 418},
		{"admin secret without auth", nil, secret, secret, 418},
		{"wrong secret without auth", nil, secret, "the-admin-secreT", 401},
		{"prefix of the secret", nil, secret, "the-admin", 401},
		{"no secret set: empty bearer", auth, "", "", 401},
		{"open server", nil, "", "", 418},
	} {
		req := httptest.NewRequest("GET", "/api/admin/backup", nil)
		if c.tok != "" {
			req.Header.Set("Authorization", "Bearer "+c.tok)
		}
		rec := httptest.NewRecorder()
		transport.GuardAdmin(c.auth, c.secret, backup, ok).ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.name, rec.Code, c.want)
		}
	}
}
