package transport

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
)

// Guard puts an HTTP API behind tokens when auth is on (with auth nil it
// returns h): reads (GET, HEAD) need a viewer or admin token, changes
// need an admin token, presented as "Authorization: Bearer <token>" and
// admitted to the object object(r) names (e.g. "iot/pumps").
func Guard(auth *Auth, object func(*http.Request) string, h http.Handler) http.Handler {
	if auth == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := bearerClaims(w, auth, bearer(r), object(r))
		if !ok {
			return
		}
		read := r.Method == http.MethodGet || r.Method == http.MethodHead
		if claims.Role != RoleAdmin && (!read || claims.Role != RoleViewer) {
			httpError(w, http.StatusForbidden, "role "+claims.Role+" may not "+r.Method+" here")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// GuardAdmin puts an admin-only HTTP endpoint (e.g. a backup) behind
// credentials: every method, reads included, needs the admin secret as
// the bearer (compared in constant time), or, when auth is on, an admin
// token admitted to the object object(r) names (e.g. "admin/backup").
// With neither auth nor an admin secret configured the server runs open
// and GuardAdmin returns h.
func GuardAdmin(auth *Auth, adminSecret string, object func(*http.Request) string, h http.Handler) http.Handler {
	if auth == nil && adminSecret == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := bearer(r)
		if adminSecret != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(adminSecret)) == 1 {
			h.ServeHTTP(w, r)
			return
		}
		if auth == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hearth"`)
			httpError(w, http.StatusUnauthorized, "admin secret required")
			return
		}
		claims, ok := bearerClaims(w, auth, tok, object(r))
		if !ok {
			return
		}
		if claims.Role != RoleAdmin {
			httpError(w, http.StatusForbidden, "role "+claims.Role+" may not "+r.Method+" here: admin only")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// bearer returns the request's bearer token.
func bearer(r *http.Request) string {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return tok
}

// bearerClaims checks tok for object, answering 401 itself when it does
// not pass.
func bearerClaims(w http.ResponseWriter, auth *Auth, tok, object string) (Claims, bool) {
	claims, err := auth.Check(tok, object)
	switch {
	case errors.Is(err, ErrTokenExpired):
		httpError(w, http.StatusUnauthorized, "token expired")
		return claims, false
	case err != nil:
		w.Header().Set("WWW-Authenticate", `Bearer realm="hearth"`)
		httpError(w, http.StatusUnauthorized, err.Error())
		return claims, false
	}
	return claims, true
}
