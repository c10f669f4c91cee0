package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// natsAuth is --nats-auth USER:PASSWORD: the embedded NATS server then
// admits two users only, the sensors' (publish on iot.>, subscribe to
// hearth.> and replies) and hearth's own, whose password is made fresh at
// every start and never leaves the process.
type natsAuth struct {
	user, password string
	internal       string // hearth's own password
}

// internalNATSUser is the user hearth connects as when --nats-auth is on.
const internalNATSUser = "hearth-internal"

func parseNATSAuth(s string) (*natsAuth, error) {
	if s == "" {
		return nil, nil
	}
	user, pass, ok := strings.Cut(s, ":")
	if !ok || user == "" || len(pass) < 8 || user == internalNATSUser {
		return nil, errors.New("config: --nats-auth wants USER:PASSWORD, a password of at least 8 bytes")
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	return &natsAuth{user: user, password: pass, internal: hex.EncodeToString(b[:])}, nil
}

// users is the embedded server's user list.
func (a *natsAuth) users() []*natsserver.User {
	sensors := &natsserver.Permissions{
		Publish:   &natsserver.SubjectPermission{Allow: []string{"iot.>"}},
		Subscribe: &natsserver.SubjectPermission{Allow: []string{"hearth.>", "_INBOX.>"}},
	}
	return []*natsserver.User{
		{Username: a.user, Password: a.password, Permissions: sensors},
		{Username: internalNATSUser, Password: a.internal},
	}
}
