package transport

import (
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
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		claims, err := auth.Check(tok, object(r))
		switch {
		case errors.Is(err, ErrTokenExpired):
			httpError(w, http.StatusUnauthorized, "token expired")
			return
		case err != nil:
			w.Header().Set("WWW-Authenticate", `Bearer realm="hearth"`)
			httpError(w, http.StatusUnauthorized, err.Error())
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
