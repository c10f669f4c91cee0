package loadtest

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hearth-server/hearth/codec"
)

// session sends inputs and reads snapshots over the current connection
// until ctx ends (nil) or the connection fails (its error).
func (p *player) session(ctx context.Context) error {
	began := time.Now()
	defer func() { p.st.connNanos.Add(int64(time.Since(began))) }()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var snap atomic.Uint32
	errc := make(chan error, 1)
	go func() {
		errc <- p.receive(ctx, &snap)
		cancel()
	}()
	sendErr := p.sendInputs(ctx, &snap)
	cancel()
	recvErr := <-errc
	if ctx.Err() != nil && sendErr == nil && recvErr == ctx.Err() {
		return nil
	}
	if recvErr != nil && recvErr != context.Canceled && recvErr != context.DeadlineExceeded {
		return recvErr
	}
	return sendErr
}

// sendInputs sends one input frame per period.
func (p *player) sendInputs(ctx context.Context, snap *atomic.Uint32) error {
	t := time.NewTicker(p.period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			seq, moves := p.in.next(now, p.rng)
			err := p.c.Send(&codec.Out{Kind: codec.KindInput, Object: p.room, Seq: seq, Ack: snap.Load(), Body: moves})
			if err != nil {
				return err
			}
			p.st.inputs.Add(1)
			p.st.inputTL.Count(now, 1)
		}
	}
}

// receive reads frames: snapshots feed the round-trip, jitter and age
// histograms; error frames are counted by code.
func (p *player) receive(ctx context.Context, snap *atomic.Uint32) error {
	var rtts []time.Duration
	for {
		f, err := p.c.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		now := time.Now()
		switch f.Kind {
		case codec.KindSnapshot:
			if f.Seq <= snap.Load() {
				continue // duplicate or reordered datagram
			}
			snap.Store(f.Seq)
			p.st.snapshots.Add(1)
			p.st.snapTL.Count(now, 1)
			rtts = p.in.ack(f.Ack, now, rtts[:0])
			for _, d := range rtts {
				p.st.rtt.RecordCorrected(d, p.period)
				p.st.rttTL.Record(now, d)
			}
			p.observeSnapshot(f, now)
		case codec.KindError:
			p.st.errors.AddFrame(f)
		}
	}
}

func (p *player) observeSnapshot(f codec.Frame, now time.Time) {
	tick, err := decodeSnapshotTick(f.Payload)
	if err != nil {
		p.st.errors.Add("bad_snapshot")
		return
	}
	jitter, ok, age := p.clock.observe(f.Seq, tick, now)
	if ok {
		p.st.jitter.Record(jitter)
	}
	p.st.age.Record(age)
}
