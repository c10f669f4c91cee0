// Package codec defines hearth's wire protocol: the frames clients and
// server exchange, their binary (msgpack) and JSON forms, size limits and
// typed decode errors. PROTOCOL.md at the repository root describes the
// same thing for people writing clients; the golden vectors in testdata
// keep the two in step. The package starts no goroutines.
package codec
