package transport

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Roles a token may carry.
const (
	RolePlayer    = "player"
	RoleSpectator = "spectator"
	RoleViewer    = "viewer"
	RoleAdmin     = "admin"
)

// Token errors; the hub answers them with codec.CodeUnauthorized and
// codec.CodeTokenExpired.
var (
	ErrUnauthorized = errors.New("transport: unauthorized")
	ErrTokenExpired = errors.New("transport: token expired")
)

// Auth signs and checks join tokens: HMAC-SHA256 JWTs naming the object
// (or a "kind/*" or "*" pattern), the player and the role.
type Auth struct {
	secret []byte
	now    func() time.Time
}

// Claims are a join token's contents.
type Claims struct {
	Object string `json:"obj"`
	Role   string `json:"role"`
	jwt.RegisteredClaims
}

// NewAuth returns an Auth keyed by secret (at least 16 bytes).
func NewAuth(secret string) (*Auth, error) {
	if len(secret) < 16 {
		return nil, errors.New("transport: auth secret must be at least 16 bytes")
	}
	return &Auth{secret: []byte(secret), now: time.Now}, nil
}

// Mint issues a token for player on object with role, valid for ttl.
func (a *Auth) Mint(object, player, role string, ttl time.Duration) (string, error) {
	if !validRole(role) {
		return "", fmt.Errorf("transport: unknown role %q", role)
	}
	now := a.now()
	c := Claims{Object: object, Role: role, RegisteredClaims: jwt.RegisteredClaims{
		Subject:   player,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(a.secret)
}

// Check verifies token for a join of object.
func (a *Auth) Check(token, object string) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return a.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Name}),
		jwt.WithTimeFunc(a.now), jwt.WithExpirationRequired())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return c, ErrTokenExpired
	case err != nil:
		return c, fmt.Errorf("%w: %v", ErrUnauthorized, err)
	case !matchObject(c.Object, object):
		return c, fmt.Errorf("%w: token is for %q, not %q", ErrUnauthorized, c.Object, object)
	case !validRole(c.Role):
		return c, fmt.Errorf("%w: unknown role %q", ErrUnauthorized, c.Role)
	}
	return c, nil
}

func matchObject(pattern, object string) bool {
	if pattern == "*" || pattern == object {
		return true
	}
	kind, ok := strings.CutSuffix(pattern, "/*")
	return ok && strings.HasPrefix(object, kind+"/")
}

func validRole(r string) bool {
	switch r {
	case RolePlayer, RoleSpectator, RoleViewer, RoleAdmin:
		return true
	}
	return false
}
