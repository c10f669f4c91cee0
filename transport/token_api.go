package transport

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// maxTokenTTL bounds the lifetime of a minted token.
const maxTokenTTL = 7 * 24 * time.Hour

// TokenHandler serves POST /api/token: it mints a join token for the
// object, player and role in the JSON body, for callers presenting the
// admin secret as a bearer token. It is for development and for game
// backends that hand tokens to their players.
func TokenHandler(auth *Auth, adminSecret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth == nil || adminSecret == "" {
			httpError(w, http.StatusNotFound, "auth is off: start with --auth-secret and --admin-secret")
			return
		}
		given, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(given), []byte(adminSecret)) != 1 {
			httpError(w, http.StatusUnauthorized, "admin secret required")
			return
		}
		var req struct {
			Object     string `json:"object"`
			Player     string `json:"player"`
			Role       string `json:"role"`
			TTLSeconds int    `json:"ttl_seconds"`
		}
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || req.Object == "" {
			httpError(w, http.StatusBadRequest, "want {object, player, role, ttl_seconds}")
			return
		}
		if req.Role == "" {
			req.Role = RolePlayer
		}
		ttl := min(max(time.Duration(req.TTLSeconds)*time.Second, time.Minute), maxTokenTTL)
		if req.TTLSeconds == 0 {
			ttl = time.Hour
		}
		tok, err := auth.Mint(req.Object, req.Player, req.Role, ttl)
		if err != nil {
			httpError(w, http.StatusBadRequest, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"token": tok, "expires_at": time.Now().Add(ttl).UTC()})
	})
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
