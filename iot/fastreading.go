package iot

import (
	"strconv"
	"time"
)

// fastReading decodes the most common JSON reading straight into a
// Reading: "ts" as whole unix milliseconds, one "value" or one "metrics"
// object of distinct valid names, an optional "seq", each key once. It
// allocates only the metrics and their names, where the general path
// builds a map of boxed numbers first. On anything else it returns false
// and DecodeReading takes the general path, so what it accepts decodes as
// before (FuzzFastReading checks that).
func fastReading(b []byte, now time.Time) (Reading, bool) {
	return fastReadingWith(b, now, nil)
}

// fastReadingWith is fastReading taking the metrics' slice and names from
// dec, when not nil.
func fastReadingWith(b []byte, now time.Time, dec *Decoder) (Reading, bool) {
	p := jsonScanner{b: b, dec: dec}
	r := Reading{Time: now.UnixNano()}
	if !p.byte('{') {
		return r, false
	}
	var seen [4]bool // ts, value, metrics, seq
	for {
		key, ok := p.rawStr()
		if !ok || !p.byte(':') {
			return r, false
		}
		i, ok := fastField(&p, string(key), &r)
		if !ok || seen[i] {
			return r, false
		}
		seen[i] = true
		if p.byte(',') {
			continue
		}
		if !p.byte('}') || !p.end() || seen[1] == seen[2] {
			return r, false // exactly one of "value" and "metrics"
		}
		sortMetrics(r.Metrics)
		return r, true
	}
}

// fastField reads the value of key into r and says which key it was.
func fastField(p *jsonScanner, key string, r *Reading) (int, bool) {
	switch key {
	case "ts":
		ms, err := strconv.ParseInt(string(p.rawNumber()), 10, 64)
		if err != nil || ms < 0 || ms > 1e14 {
			return 0, false
		}
		r.Time = ms * 1e6
		return 0, true
	case "value":
		v, err := strconv.ParseFloat(string(p.rawNumber()), 64)
		r.Metrics = p.dec.keep(append(p.dec.metrics(), Metric{Name: "value", Value: v}))
		return 1, err == nil
	case "metrics":
		return 2, p.fastMetrics(r)
	case "seq":
		seq, err := strconv.ParseUint(string(p.rawNumber()), 10, 64)
		r.Seq, r.HasSeq = seq, true
		return 3, err == nil
	}
	return 0, false
}

// fastMetrics reads a non-empty object of distinct, valid metric names and
// numbers.
func (p *jsonScanner) fastMetrics(r *Reading) bool {
	if !p.byte('{') {
		return false
	}
	mets := p.dec.metrics()
	for len(mets) < maxMetrics {
		name, ok := p.rawStr()
		if !ok || !p.byte(':') || !validMetricName(name) || hasMetric(mets, name) {
			return false
		}
		v, err := strconv.ParseFloat(string(p.rawNumber()), 64)
		if err != nil {
			return false
		}
		mets = append(mets, Metric{Name: p.dec.name(name), Value: v})
		if p.byte(',') {
			continue
		}
		r.Metrics = p.dec.keep(mets)
		return p.byte('}')
	}
	return false
}

// validMetricName reports whether name may name a metric: 1–64 bytes, none
// of them a NATS subject's separator or wildcard, a space or NUL.
func validMetricName[S ~string | ~[]byte](name S) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i := range len(name) {
		switch name[i] {
		case '.', ' ', '*', '>', 0:
			return false
		}
	}
	return true
}

func hasMetric(mets []Metric, name []byte) bool {
	for _, m := range mets {
		if m.Name == string(name) {
			return true
		}
	}
	return false
}

// sortMetrics orders a few metrics by name, in place.
func sortMetrics(m []Metric) {
	for i := 1; i < len(m); i++ {
		for j := i; j > 0 && m[j].Name < m[j-1].Name; j-- {
			m[j], m[j-1] = m[j-1], m[j]
		}
	}
}

// rawStr reads a string without escapes, control or non-ASCII characters
// and returns its bytes, which alias the input.
func (p *jsonScanner) rawStr() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for ; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			return p.b[start : p.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}
