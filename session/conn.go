package session

// Conn is a client connection as the runtime sees it: something to hand
// messages to. Transports implement it.
type Conn interface {
	// Send queues msg for the client without blocking. A transport whose
	// queue for this client is full drops or coalesces per its policy, or
	// closes the connection; it never blocks the object. msg is the
	// object's again once Send returns, to reuse (see
	// [Context.AfterCommit]): what Send queues is a copy or an encoding.
	Send(msg any) error
	// Close closes the connection, telling the client why.
	Close(reason error)
}

// ConnInfo describes an attached connection to its object.
type ConnInfo struct {
	ID ConnID
	// Attachment is a small value the object keeps with the connection;
	// it survives hibernation.
	Attachment []byte
}
