package codec

// Ingest is a sensor message as the NATS ingest hands it to a device
// group object: the device (the subject's last token), the raw payload
// (JSON or msgpack, decoded by the group) and when it arrived (unix ns).
type Ingest struct {
	Device   string
	Payload  []byte
	Received int64
	// Ack, when set (durable ingest), acknowledges the message to
	// JetStream. The group calls it once the state that includes the
	// reading is committed, or at once for a reading it refuses.
	Ack func()
}
