package loadtest

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/nats-io/nats.go"
)

// sensor is one simulated device: a sine wave with noise, or a replayed
// SKAB series.
type sensor struct {
	group   int
	name    string // group name
	device  string
	subject string
	spikeAt uint64 // the seq of its spike reading; 0: none
	seq     uint64
	phase   float64
	src     *series
}

func newSensor(i int, cfg IoTConfig, src []series) *sensor {
	g := i % cfg.Groups
	s := &sensor{group: g, name: fmt.Sprintf("%s-%d", cfg.GroupPrefix, g), device: fmt.Sprintf("d%d", i), phase: float64(i)}
	s.subject = "iot." + s.name + "." + s.device
	if len(src) > 0 {
		s.src = &src[i%len(src)]
	}
	return s
}

// next returns the sensor's next reading, dated now.
func (s *sensor) next(now time.Time, rng *rand.Rand) reading {
	s.seq++
	r := reading{TS: now.UnixMilli(), Seq: s.seq, Metrics: map[string]float64{}}
	if s.src != nil {
		row := s.src.rows[(s.seq-1)%uint64(len(s.src.rows))]
		for j, name := range s.src.metrics {
			r.Metrics[name] = row[j]
		}
		return r
	}
	r.Metrics["value"] = 20 + 5*math.Sin(float64(s.seq)/10+s.phase) + rng.NormFloat64()*0.1
	return r
}

// runWorker publishes its sensors' readings round robin, paced so that
// each sensor sends cfg.Rate a second: every few milliseconds it sends
// what is due by then (open loop; falling behind shows as a lower
// publish rate, a burst catches up at most a quarter second).
func runWorker(ctx context.Context, nc *nats.Conn, cfg IoTConfig, sensors []*sensor, w *watch, st *iotStats) {
	if len(sensors) == 0 {
		return
	}
	rate := cfg.Rate * float64(len(sensors))
	interval := min(max(time.Duration(float64(time.Second)/rate), 2*time.Millisecond), 100*time.Millisecond)
	burst := max(int64(rate/4), 1)
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	t := time.NewTicker(interval)
	defer t.Stop()
	start := time.Now()
	var sent int64
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			due := min(int64(now.Sub(start).Seconds()*rate)-sent, burst)
			for range max(due, 0) {
				s := sensors[sent%int64(len(sensors))]
				sent++
				if err := publishOne(nc, cfg, s, now, rng, w, st); err != nil {
					st.errors.AddErr(err, "publish")
				}
			}
		}
	}
}

func publishOne(nc *nats.Conn, cfg IoTConfig, s *sensor, now time.Time, rng *rand.Rand, w *watch, st *iotStats) error {
	spike := s.spikeAt != 0 && s.seq+1 == s.spikeAt && w.spikes != nil
	bad := ""
	if !spike && cfg.Bad > 0 && rng.Float64() < cfg.Bad {
		k := rng.IntN(len(badKinds))
		bad = badKinds[k]
		st.bad[k].Add(1)
	}
	r := s.next(now, rng)
	if spike {
		for k := range r.Metrics {
			r.Metrics[k] = spikeValue
		}
	}
	payload, err := encodeReading(cfg.Format, r, bad, now)
	if err != nil {
		return err
	}
	at := time.Now()
	w.sent(s.group, at)
	if spike {
		w.spikes.sent(s.name, s.device, at)
	}
	if err := nc.Publish(s.subject, payload); err != nil {
		return err
	}
	st.published.Add(1)
	st.pubTL.Count(at, 1)
	return nil
}
