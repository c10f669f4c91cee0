package session_test

import (
	"testing"

	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/session/storetest"
)

func TestMemStoreConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) session.Store { return session.NewMemStore() })
}
