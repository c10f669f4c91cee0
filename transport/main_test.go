package transport_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	switch os.Getenv(memServerEnv) {
	case "hearth":
		runMemServer()
	case "bare":
		runBareMemServer()
	}
	goleak.VerifyTestMain(m,
		// quic-go keeps a closed connection's IDs for a few round trips
		// (to answer late packets), and the transport a client dial made
		// lives until those timers end.
		goleak.IgnoreAnyFunction("github.com/quic-go/quic-go.(*packetHandlerMap).ReplaceWithClosed.func2"),
		goleak.IgnoreAnyFunction("github.com/quic-go/quic-go.(*Transport).runSendQueue"),
		goleak.IgnoreAnyFunction("github.com/quic-go/quic-go.(*Transport).listen"),
	)
}
