package transport

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
)

// Durable ingest: readings go through a JetStream stream over the ingest
// subjects and a durable consumer. A reading is acknowledged only once the
// group state that includes it is committed (its checkpoint), so a crash
// loses nothing: what was not acknowledged is delivered again, from the
// oldest unacknowledged reading on, when the server restarts. Delivery is
// at least once; readings with a "seq" are counted once (iot dedupes).
const (
	durableStream   = "HEARTH_INGEST"
	durableConsumer = "hearth"
	// durableAckWait is how long JetStream waits for an acknowledgement
	// before delivering again: well beyond a group's checkpoint interval.
	durableAckWait = 5 * time.Second
)

// StartDurableIngest creates (or reuses) the stream and durable consumer
// and starts delivering to objects of kind.
func StartDurableIngest(nc *nats.Conn, rt *session.Runtime, kind, prefix string) (*Ingest, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("transport: jetstream: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: durableStream, Subjects: []string{prefix + ".>"}, Storage: jetstream.FileStorage,
		MaxAge: 24 * time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("transport: ingest stream: %w", err)
	}
	cons, err := resumeConsumer(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("transport: ingest consumer: %w", err)
	}
	in := &Ingest{nc: nc, rt: rt, kind: kind, prefix: prefix}
	if in.consume, err = cons.Consume(in.handleDurable); err != nil {
		return nil, fmt.Errorf("transport: ingest consume: %w", err)
	}
	return in, nil
}

// resumeConsumer (re)creates the durable consumer so that delivery starts
// right after its acknowledgement floor: readings delivered before a crash
// but never acknowledged come again first, in order, ahead of new ones.
// (Left to JetStream's ack timeout they would arrive after newer readings
// of the same device, behind its watermark.)
func resumeConsumer(ctx context.Context, stream jetstream.Stream) (jetstream.Consumer, error) {
	conf := jetstream.ConsumerConfig{
		Durable: durableConsumer, AckPolicy: jetstream.AckExplicitPolicy, AckWait: durableAckWait,
		MaxAckPending: 1 << 18, DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	old, err := stream.Consumer(ctx, durableConsumer)
	switch {
	case errors.Is(err, jetstream.ErrConsumerNotFound):
	case err != nil:
		return nil, err
	default:
		if floor := old.CachedInfo().AckFloor.Stream; floor > 0 {
			conf.DeliverPolicy, conf.OptStartSeq = jetstream.DeliverByStartSequencePolicy, floor+1
		}
		if err := stream.DeleteConsumer(ctx, durableConsumer); err != nil {
			return nil, err
		}
	}
	return stream.CreateConsumer(ctx, conf)
}

// handleDurable routes one JetStream message; the group acknowledges it.
func (in *Ingest) handleDurable(m jetstream.Msg) {
	subject := m.Subject()
	group, device, ok := in.split(subject)
	if !ok {
		in.reject(subject, "subject", fmt.Errorf("want %s.<group>.<device>", in.prefix))
		_ = m.Term()
		return
	}
	ref, err := in.ref(group)
	if err != nil {
		in.reject(subject, "group", err)
		_ = m.Term()
		return
	}
	err = ref.Send(codec.Ingest{Device: device, Payload: m.Data(), Received: time.Now().UnixNano(), Ack: func() { _ = m.Ack() }})
	switch {
	case err == nil:
		in.received.Add(1)
	case errors.Is(err, session.ErrMailboxFull), errors.Is(err, session.ErrTooManyObjects):
		// Back-pressure: JetStream keeps it and delivers it again.
		in.overloaded.Add(1)
		_ = m.NakWithDelay(time.Second)
	default:
		in.reject(subject, "group", err)
		_ = m.Term()
	}
}
