package codec

// Subscribe is a subscribe frame's payload: a token when the server
// requires one (role viewer or above) and the highest update rate the
// subscriber wants for the topic (0: the server's default; the server
// caps it at its own maximum).
type Subscribe struct {
	Token string  `msgpack:"token,omitempty" json:"token,omitempty"`
	MaxHz float64 `msgpack:"max_hz,omitempty" json:"max_hz,omitempty"`
}

// DecodeSubscribe reads a subscribe payload; an empty one asks for the
// defaults. A rate that is not a finite, non-negative number is refused.
func DecodeSubscribe(p Payload) (Subscribe, error) {
	var s Subscribe
	if err := p.Decode(&s); err != nil {
		return Subscribe{}, err
	}
	if !(s.MaxHz >= 0 && s.MaxHz <= 1e6) { // also false for NaN
		return Subscribe{}, malformed("subscribe: max_hz %v out of range", s.MaxHz)
	}
	return s, nil
}
