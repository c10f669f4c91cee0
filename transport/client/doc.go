// Package client is hearth's Go client: the same API over WebSocket, QUIC
// and WebTransport. Tests, the load-test harness and the demo bots use it.
package client
