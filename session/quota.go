package session

import "fmt"

// quota tracks the bytes (keys plus values) an object stores, for
// Config.MaxObjectBytes. It is built on the object's first write after
// activation with one scan of its keys, then kept up to date by Put and
// Delete; a reset drops it so that the next write counts afresh. Keys
// that expire by TTL still count until the object is next activated.
type quota struct {
	sizes map[string]int // bytes per key, committed and pending
	used  int64
}

// charge records that key will hold n bytes (0: deleted), refusing with
// ErrObjectStorageFull when that would take the object over limit. Writes
// that shrink the object are never refused.
func (in *instance) charge(key string, n int) error {
	limit := int64(in.rt.cfg.MaxObjectBytes)
	if limit <= 0 {
		return nil
	}
	q := &in.quota
	if q.sizes == nil {
		if err := in.measure(); err != nil {
			return err
		}
	}
	prev := q.sizes[key]
	if n > prev && q.used-int64(prev)+int64(n) > limit {
		in.rt.cfg.Observer.StorageRefused(in.e.id.Kind)
		return fmt.Errorf("%w: %s stores %d bytes, limit %d", ErrObjectStorageFull, in.e.id, q.used, limit)
	}
	q.used += int64(n - prev)
	if n == 0 {
		delete(q.sizes, key)
	} else {
		q.sizes[key] = n
	}
	return nil
}

// measure scans the object's committed keys, then applies what is
// pending.
func (in *instance) measure() error {
	q := quota{sizes: map[string]int{}}
	err := in.rt.cfg.Store.Scan(in.e.id, "", func(k string, v []byte) bool {
		q.sizes[k] = len(k) + len(v)
		q.used += int64(len(k) + len(v))
		return true
	})
	if err != nil {
		return err
	}
	for _, p := range []*pending{in.inflight, in.accum} {
		if p == nil {
			continue
		}
		for i, w := range p.writes {
			if p.index[w.Key] != i {
				continue
			}
			q.used -= int64(q.sizes[w.Key])
			delete(q.sizes, w.Key)
			if !w.Delete {
				q.sizes[w.Key] = len(w.Key) + len(w.Value)
				q.used += int64(len(w.Key) + len(w.Value))
			}
		}
	}
	in.quota = q
	return nil
}
