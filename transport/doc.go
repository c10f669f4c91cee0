// Package transport connects hearth's objects to the world: the HTTP
// server with /healthz and Prometheus /metrics, the connection hub with
// WebSocket, raw QUIC and WebTransport, join tokens, and (as they land)
// NATS ingest and the dashboard. Package transport/client is the Go client.
// It depends on session and codec only; cmd hands it the object factories.
package transport
