package transport_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/transport"
	"github.com/hearth-server/hearth/transport/client"
)

const secret = "0123456789abcdef-test-secret"

func TestJoinTokens(t *testing.T) {
	auth, err := transport.NewAuth(secret)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, transport.Config{Auth: auth})
	c := dialWS(t, s, false)
	ctx := context.Background()

	good, _ := auth.Mint("chat/room", "p-7", transport.RolePlayer, time.Minute)
	wildcard, _ := auth.Mint("chat/*", "p-8", transport.RoleSpectator, time.Minute)
	other, _ := auth.Mint("chat/elsewhere", "p-9", transport.RolePlayer, time.Minute)
	expired, _ := auth.Mint("chat/room", "p-7", transport.RolePlayer, -time.Minute)
	forged, _ := mustAuth(t, "another-secret-of-16+bytes").Mint("chat/room", "p-7", transport.RolePlayer, time.Minute)

	for name, tc := range map[string]struct {
		token, code string
	}{
		"missing":        {"", codec.CodeUnauthorized},
		"garbage":        {"not.a.jwt", codec.CodeUnauthorized},
		"forged":         {forged, codec.CodeUnauthorized},
		"other object":   {other, codec.CodeUnauthorized},
		"expired":        {expired, codec.CodeTokenExpired},
		"alg none":       {"eyJhbGciOiJub25lIn0.eyJvYmoiOiIqIn0.", codec.CodeUnauthorized},
		"valid":          {good, ""},
		"valid wildcard": {wildcard, ""},
	} {
		f, err := c.Join(ctx, "chat/room", codec.JoinRequest{Token: tc.token})
		var e *client.Error
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case tc.code != "" && (!errors.As(err, &e) || e.Code != tc.code):
			t.Errorf("%s: err %v, want %s", name, err, tc.code)
		case tc.code == "":
			var reply map[string]any
			_ = f.Payload.Decode(&reply)
			if reply["hello"] == "" {
				t.Errorf("%s: object saw no player id: %v", name, reply)
			}
		}
	}
}

func mustAuth(t *testing.T, s string) *transport.Auth {
	a, err := transport.NewAuth(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestTokenEndpointNeedsAdminSecret(t *testing.T) {
	auth := mustAuth(t, secret)
	h := transport.TokenHandler(auth, "admin-secret")
	body := `{"object":"chat/room","player":"ann","role":"player","ttl_seconds":600}`
	for _, tc := range []struct {
		bearer string
		want   int
	}{{"", http.StatusUnauthorized}, {"wrong", http.StatusUnauthorized}, {"admin-secret", http.StatusOK}} {
		req, _ := http.NewRequest("POST", "/api/token", strings.NewReader(body))
		if tc.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+tc.bearer)
		}
		rec := &recorder{header: http.Header{}}
		h.ServeHTTP(rec, req)
		if rec.code != tc.want {
			t.Errorf("bearer %q: %d, want %d", tc.bearer, rec.code, tc.want)
		}
	}
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	code   int
	body   strings.Builder
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(code int) { r.code = code }

func FuzzAuthCheck(f *testing.F) {
	auth := mustAuthF(f)
	tok, _ := auth.Mint("chat/room", "p", transport.RolePlayer, time.Hour)
	f.Add(tok, "chat/room")
	f.Add("eyJhbGciOiJub25lIn0.eyJvYmoiOiIqIn0.", "chat/x")
	// Each fuzz worker mints its own token (with its own issue time), so a
	// worker may be handed another's seed: what it accepts must carry the
	// claims this function mints, which only the secret can sign.
	f.Fuzz(func(t *testing.T, token, object string) {
		c, err := auth.Check(token, object)
		if err == nil && token != tok && (c.Object != "chat/room" || c.Subject != "p" || c.Role != transport.RolePlayer) {
			t.Fatalf("accepted a token it did not mint: %q → %+v", token, c)
		}
	})
}

func mustAuthF(f *testing.F) *transport.Auth {
	a, err := transport.NewAuth(secret)
	if err != nil {
		f.Fatal(err)
	}
	return a
}
