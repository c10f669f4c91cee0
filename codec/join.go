package codec

import (
	"bytes"
	"encoding/json"

	"github.com/vmihailenco/msgpack/v5"
)

// JoinRequest is what a client sends as a join's payload: an optional
// token and application data for the object.
type JoinRequest struct {
	Token string `msgpack:"token,omitempty" json:"token,omitempty"`
	Data  any    `msgpack:"data,omitempty" json:"data,omitempty"`
}

// DecodeJoin reads a join payload, leaving its data encoded for the object.
func DecodeJoin(p Payload) (Join, error) {
	if p.Empty() {
		return Join{Data: Payload{Format: p.Format}}, nil
	}
	if p.Format == JSON {
		var j struct {
			Token string          `json:"token"`
			Data  json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(p.Raw, &j); err != nil {
			return Join{}, malformed("join: %v", err)
		}
		return Join{Token: j.Token, Data: Payload{Raw: j.Data, Format: JSON}}, nil
	}
	return decodeBinaryJoin(p.Raw)
}

func decodeBinaryJoin(raw []byte) (Join, error) {
	dec := msgpack.NewDecoder(bytes.NewReader(raw))
	n, err := dec.DecodeMapLen()
	if err != nil {
		return Join{}, malformed("join: %v", err)
	}
	j := Join{Data: Payload{Format: Binary}}
	for range n {
		key, err := dec.DecodeString()
		if err != nil {
			return Join{}, malformed("join key: %v", err)
		}
		switch key {
		case "token":
			j.Token, err = dec.DecodeString()
		case "data":
			j.Data.Raw, err = dec.DecodeRaw()
		default:
			err = dec.Skip()
		}
		if err != nil {
			return Join{}, malformed("join %s: %v", key, err)
		}
	}
	return j, nil
}
