// Package loadtest is hearth's bundled load-test harness, behind
// `hearth loadtest game|iot|idle`.
//
// It is a black box: it reaches the server only the way any client does,
// over the wire protocol (transport/client) and NATS, plus the server's
// HTTP endpoints (/api/cert-hash to pin the self-signed certificate,
// /metrics for the server-side view). It never imports the server.
//
// Every run is bounded in time (Duration) and in connections
// (MaxClients), and refuses non-loopback targets unless AllowRemote is
// set. Latencies go into HdrHistograms with coordinated-omission
// correction; a run ends with a Report that prints as a table and
// marshals to JSON.
package loadtest
