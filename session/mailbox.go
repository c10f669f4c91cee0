package session

// envelope is one message waiting in a mailbox, with what the runtime needs
// to act on it.
type envelope struct {
	msg   Message
	sys   sysKind
	reply chan result // capacity 1; nil when nobody waits
	conn  Conn        // the connection to attach, for sysAttach
}

// sysKind tells runtime-generated envelopes from user messages, so that a
// user message whose body happens to be, say, an AlarmFired is not taken
// for a real alarm.
type sysKind uint8

const (
	sysNone sysKind = iota
	sysAttach
	sysDetach
	sysAlarm
)

type result struct {
	val any
	err error
}

// answer hands r to whoever waits on ch; ch has capacity 1 and one writer,
// so this never blocks.
func answer(ch chan result, r result) {
	if ch != nil {
		ch <- r
	}
}

// mailbox is a bounded FIFO of envelopes guarded by its entry's mutex. The
// owner takes everything queued at once and hands back the drained slice
// for reuse, so a busy object allocates nothing per message.
type mailbox struct {
	queue []envelope
	spare []envelope
}

// putLocked appends env unless the mailbox already holds limit envelopes
// and force is false.
func (m *mailbox) putLocked(env envelope, limit int, force bool) bool {
	if !force && len(m.queue) >= limit {
		return false
	}
	m.queue = append(m.queue, env)
	return true
}

// takeLocked returns all queued envelopes and starts a new queue from the
// spare buffer. An empty queue stays: swapping it out would drop its
// buffer, since only a taken run that was processed is recycled.
func (m *mailbox) takeLocked() []envelope {
	if len(m.queue) == 0 {
		return nil
	}
	q := m.queue
	m.queue = m.spare[:0]
	m.spare = nil
	return q
}

// recycleLocked returns a drained slice for reuse.
func (m *mailbox) recycleLocked(q []envelope) {
	clear(q)
	m.spare = q[:0]
}

// releaseLocked drops the buffers, for hibernation.
func (m *mailbox) releaseLocked() {
	m.queue, m.spare = nil, nil
}
