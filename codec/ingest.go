package codec

// Ingest is a sensor message as the NATS ingest hands it to a device
// group object: the device (the subject's last token), the raw payload
// (JSON or msgpack, decoded by the group) and when it arrived (unix ns).
type Ingest struct {
	Device   string
	Payload  []byte
	Received int64
}
