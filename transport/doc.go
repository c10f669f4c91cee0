// Package transport connects hearth's objects to the world: the HTTP API
// with health and Prometheus metrics, and (as they land) QUIC and
// WebTransport, WebSocket, NATS ingest, the dashboard and the Go client.
// It depends on session and codec only; cmd hands it the object factories.
package transport
