package iot

import (
	"encoding/json"
	"strconv"
)

// fastJSON reads the common shape of a JSON reading — an object of "ts"
// (a number, or a string without escapes), "value" (a number), "metrics"
// (an object of numbers) and "seq" (an unsigned integer), in any order —
// without reflection: decoding was over a third of a group's CPU. On
// anything else, valid or not, it returns false and the caller decodes
// with encoding/json, so what it accepts decodes exactly as before
// (FuzzFastJSON checks that).
func fastJSON(b []byte) (wireReading, bool) {
	p := jsonScanner{b: b}
	var w wireReading
	if !p.byte('{') {
		return w, false
	}
	if p.byte('}') {
		return w, p.end()
	}
	for {
		key, ok := p.str()
		if !ok || !p.byte(':') {
			return w, false
		}
		if !p.field(key, &w) {
			return w, false
		}
		if p.byte(',') {
			continue
		}
		return w, p.byte('}') && p.end()
	}
}

// jsonScanner walks a JSON text.
type jsonScanner struct {
	b   []byte
	i   int
	dec *Decoder // nil: allocate what the reading holds
}

func (p *jsonScanner) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// byte consumes c after spaces, if it is next.
func (p *jsonScanner) byte(c byte) bool {
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *jsonScanner) end() bool {
	p.skipSpace()
	return p.i == len(p.b)
}

func (p *jsonScanner) peek() byte {
	p.skipSpace()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

// str reads a string without escapes, control or non-ASCII characters.
func (p *jsonScanner) str() (string, bool) {
	b, ok := p.rawStr()
	return string(b), ok
}

// number reads a JSON number token as encoding/json's UseNumber would.
func (p *jsonScanner) number() (json.Number, bool) {
	b := p.rawNumber()
	return json.Number(b), b != nil
}

// rawNumber reads a JSON number token and returns its bytes, which alias
// the input; nil when the next token is not a number.
func (p *jsonScanner) rawNumber() []byte {
	p.skipSpace()
	start := p.i
	if p.i < len(p.b) && p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return nil
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return nil
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil
		}
	}
	return p.b[start:p.i]
}

func (p *jsonScanner) digits() int {
	n := 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

// field reads the value of key into w.
func (p *jsonScanner) field(key string, w *wireReading) bool {
	switch key {
	case "ts":
		if p.peek() == '"' {
			s, ok := p.str()
			w.TS = s
			return ok
		}
		n, ok := p.number()
		w.TS = n
		return ok
	case "value":
		n, ok := p.number()
		w.Value = n
		return ok
	case "seq":
		n, ok := p.number()
		if !ok {
			return false
		}
		seq, err := strconv.ParseUint(string(n), 10, 64)
		if err != nil {
			return false
		}
		w.Seq = &seq
		return true
	case "metrics":
		return p.metrics(w)
	}
	return false
}

// metrics reads an object of numbers.
func (p *jsonScanner) metrics(w *wireReading) bool {
	if !p.byte('{') {
		return false
	}
	if w.Metrics == nil { // a repeated "metrics" adds to the first, as in encoding/json
		w.Metrics = make(map[string]any, 4)
	}
	if p.byte('}') {
		return true
	}
	for {
		name, ok := p.str()
		if !ok || !p.byte(':') {
			return false
		}
		n, ok := p.number()
		if !ok {
			return false
		}
		w.Metrics[name] = n
		if p.byte(',') {
			continue
		}
		return p.byte('}')
	}
}
