package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// DefaultMaxFrame is the default frame size limit, in bytes.
const DefaultMaxFrame = 64 << 10

// MaxObjectLen bounds a frame's object address ("kind/name").
const MaxObjectLen = 513

// Format is a connection's encoding.
type Format uint8

const (
	Binary Format = iota // msgpack
	JSON                 // JSON text
)

// Frame is one protocol message as received: the envelope decoded, the
// payload still in the connection's format.
type Frame struct {
	Kind    Kind
	Object  string // "kind/name"; empty when the frame concerns the connection
	Seq     uint32
	Ack     uint32
	Payload Payload
}

// Payload is an application value still encoded in its frame's format.
type Payload struct {
	Raw    []byte
	Format Format
}

// Empty reports whether there is no payload (absent or nil).
func (p Payload) Empty() bool {
	return len(p.Raw) == 0 || (p.Format == Binary && len(p.Raw) == 1 && p.Raw[0] == 0xc0) ||
		(p.Format == JSON && string(p.Raw) == "null")
}

// Decode unmarshals the payload into v.
func (p Payload) Decode(v any) error {
	if p.Empty() {
		return nil
	}
	var err error
	if p.Format == JSON {
		err = json.Unmarshal(p.Raw, v)
	} else if err = checkMsgpack(p.Raw); err == nil {
		err = msgpack.Unmarshal(p.Raw, v)
	}
	if err != nil {
		return malformed("payload: %v", err)
	}
	return nil
}

// Out is a frame to send, its payload a Go value. One Out may go to many
// connections: it is encoded at most once per format.
type Out struct {
	Kind   Kind
	Object string
	Seq    uint32
	Ack    uint32
	Body   any

	once [2]sync.Once
	enc  [2][]byte
	err  [2]error
}

// Encode returns the frame in format f, encoding it on first use.
func (o *Out) Encode(f Format) ([]byte, error) {
	o.once[f].Do(func() {
		if f == JSON {
			o.enc[f], o.err[f] = o.encodeJSON()
		} else {
			o.enc[f], o.err[f] = o.encodeBinary()
		}
	})
	return o.enc[f], o.err[f]
}

// JoinInfo is what the transport hands an object with a join (as the
// session.Connected hello): who the client is, as established by its
// token, and the application data of the join.
type JoinInfo struct {
	Player string  // player or device id from the token; empty when auth is off
	Role   string  // "player", "spectator", "viewer", "admin"
	Data   Payload // the join frame's "data"
}

// Join is the payload of a KindJoin frame.
type Join struct {
	Token string
	Data  Payload
}

// Welcome is the payload of a KindWelcome frame.
type Welcome struct {
	Conn      uint64 `msgpack:"conn" json:"conn"`
	Server    string `msgpack:"server" json:"server"`
	MaxFrame  int    `msgpack:"max_frame" json:"max_frame"`
	Datagrams bool   `msgpack:"datagrams" json:"datagrams"`
}

// Hello is the payload of a KindHello frame.
type Hello struct {
	Version int    `msgpack:"version" json:"version"`
	Client  string `msgpack:"client,omitempty" json:"client,omitempty"`
}

// ProtocolVersion is the protocol version this package speaks.
const ProtocolVersion = 1

// checkMsgpack walks raw without allocating and fails unless it holds
// exactly one well-formed value. msgpack.Unmarshal trusts declared
// lengths when it sizes slices, so a 6-byte array header claiming four
// billion elements would otherwise allocate gigabytes (found by fuzzing).
func checkMsgpack(raw []byte) error {
	r := bytes.NewReader(raw)
	dec := msgpack.GetDecoder()
	defer msgpack.PutDecoder(dec)
	dec.Reset(r)
	if err := dec.Skip(); err != nil {
		return err
	}
	if r.Len() != 0 {
		return fmt.Errorf("%d trailing bytes", r.Len())
	}
	return nil
}
