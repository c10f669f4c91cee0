package codec

// Kind is a frame's message type.
type Kind uint8

// Frame kinds. Values are part of the wire format: never renumber.
const (
	KindHello    Kind = 1  // client → server, first frame: protocol version, optional resume token
	KindWelcome  Kind = 2  // server → client: connection id, limits
	KindJoin     Kind = 3  // client → server: attach to Object
	KindJoined   Kind = 4  // server → client: the object accepted; payload is its reply
	KindLeave    Kind = 5  // client → server: detach from Object
	KindLeft     Kind = 6  // server → client: detached (asked for, or removed)
	KindEvent    Kind = 7  // either way, reliable: an application message for Object
	KindInput    Kind = 8  // client → server, unreliable: game input with Seq (Ack: last snapshot seen)
	KindSnapshot Kind = 9  // server → client, unreliable: state with Seq (Ack: last input applied)
	KindError    Kind = 10 // server → client: Error payload; Object set when it concerns one
	KindPing     Kind = 11 // either way: Seq echoed by the pong
	KindPong     Kind = 12
	// Live streams (dashboards): Object is a topic, not an object.
	KindSubscribe   Kind = 13 // client → server: Subscribe payload
	KindUnsubscribe Kind = 14 // client → server
	KindUpdate      Kind = 15 // server → client, unreliable: the topic's newest value, Seq counting up
)

var kindNames = [...]string{
	KindHello: "hello", KindWelcome: "welcome", KindJoin: "join", KindJoined: "joined",
	KindLeave: "leave", KindLeft: "left", KindEvent: "event", KindInput: "input",
	KindSnapshot: "snapshot", KindError: "error", KindPing: "ping", KindPong: "pong",
	KindSubscribe: "subscribe", KindUnsubscribe: "unsubscribe", KindUpdate: "update",
}

// String returns the kind's name as used in the JSON form.
func (k Kind) String() string {
	if k.Valid() {
		return kindNames[k]
	}
	return "unknown"
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k >= KindHello && k <= KindUpdate }

// Unreliable reports whether frames of this kind may travel as datagrams
// and may be dropped or coalesced.
func (k Kind) Unreliable() bool { return k == KindInput || k == KindSnapshot || k == KindUpdate }

func kindByName(s string) (Kind, bool) {
	for k, n := range kindNames {
		if n != "" && n == s {
			return Kind(k), true
		}
	}
	return 0, false
}
