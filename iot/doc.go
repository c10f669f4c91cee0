// Package iot is hearth's IoT half: device groups as objects fed from
// NATS, with sliding event-time windows per device and per group,
// watermarks, anomaly detectors and alerts. This first part holds the
// windows.
package iot
