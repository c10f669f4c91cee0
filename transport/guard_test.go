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
	if transport.Guard(nil, nil, ok) == nil {
		t.Fatal("open guard")
	}
}
