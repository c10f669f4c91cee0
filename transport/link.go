package transport

// link is one client connection as a concrete transport (WebSocket, QUIC,
// WebTransport) provides it. write and writeDatagram run only on the
// connection's writer goroutine.
type link interface {
	// write sends one frame reliably and in order, giving up after the
	// hub's stall timeout.
	write(frame []byte) error
	// writeDatagram sends an unreliable frame as a datagram; false means
	// it must go reliably instead (no datagram support, or too large).
	writeDatagram(frame []byte) bool
	// close ends the connection with a protocol close code and reason.
	close(code int, reason string)
}

// Close codes, shared by WebSocket close frames and QUIC application
// errors (PROTOCOL.md lists them).
const (
	closeNormal       = 1000
	closeGoingAway    = 1001
	closeProtocol     = 1002
	closeTooBig       = 1009
	closeInternal     = 1011
	closeSlowConsumer = 4008
	closeUnauthorized = 4001
)
