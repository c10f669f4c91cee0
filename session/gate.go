package session

// pending is what the object produced while handling a run of messages and
// the runtime has not yet released: writes waiting to be committed, and the
// output (replies, sends, broadcasts) held until they are. The output gate
// keeps at most one pending set in flight per object and accumulates the
// next one behind it, so commits of one object happen in order and its
// output leaves in the order it was produced.
type pending struct {
	writes  []Write
	index   map[string]int // key → position of its latest write in writes
	alarms  []AlarmWrite
	outputs []output
	replies []heldReply
}

// output is one held message to a connection, a broadcast, or a close.
type output struct {
	to     ConnID // 0: every attached connection except except
	except ConnID
	msg    any
	close  error  // non-nil: close connection to with this reason
	after  func() // non-nil: run it (AfterCommit)
}

type heldReply struct {
	ch  chan result
	res result
}

// mark records the sizes of a pending set so that a failed message can be
// rolled back to them.
type mark struct{ writes, alarms, outputs, replies int }

func (p *pending) mark() mark {
	return mark{len(p.writes), len(p.alarms), len(p.outputs), len(p.replies)}
}

// rollback drops everything added since m.
func (p *pending) rollback(m mark) {
	if len(p.writes) != m.writes {
		clear(p.writes[m.writes:])
		p.writes = p.writes[:m.writes]
		p.reindex()
	}
	clear(p.alarms[m.alarms:])
	p.alarms = p.alarms[:m.alarms]
	clear(p.outputs[m.outputs:])
	p.outputs = p.outputs[:m.outputs]
	clear(p.replies[m.replies:])
	p.replies = p.replies[:m.replies]
}

func (p *pending) reindex() {
	clear(p.index)
	for i, w := range p.writes {
		p.index[w.Key] = i
	}
}

func (p *pending) write(w Write) {
	if p.index == nil {
		p.index = make(map[string]int)
	}
	p.index[w.Key] = len(p.writes)
	p.writes = append(p.writes, w)
}

// compacted returns the writes with only the latest one per key, in order.
// Writes are appended, never overwritten, so that rollback stays a
// truncation.
func (p *pending) compacted() []Write {
	if len(p.index) == len(p.writes) {
		return p.writes
	}
	out := make([]Write, 0, len(p.index))
	for i, w := range p.writes {
		if p.index[w.Key] == i {
			out = append(out, w)
		}
	}
	return out
}

// lookup returns the pending write of key, if any.
func (p *pending) lookup(key string) (Write, bool) {
	if i, ok := p.index[key]; ok {
		return p.writes[i], true
	}
	return Write{}, false
}

// durable reports whether the set has anything to commit.
func (p *pending) durable() bool { return len(p.writes) > 0 || len(p.alarms) > 0 }

func (p *pending) empty() bool {
	return !p.durable() && len(p.outputs) == 0 && len(p.replies) == 0
}

// reset empties the set, keeping its buffers.
func (p *pending) reset() {
	clear(p.writes)
	p.writes = p.writes[:0]
	clear(p.index)
	clear(p.alarms)
	p.alarms = p.alarms[:0]
	clear(p.outputs)
	p.outputs = p.outputs[:0]
	clear(p.replies)
	p.replies = p.replies[:0]
}

// fail answers every held reply with err and drops the output.
func (p *pending) fail(err error) {
	for _, r := range p.replies {
		answer(r.ch, result{err: err})
	}
	p.reset()
}
