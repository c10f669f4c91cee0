package session

import "time"

// Store is the durable storage behind the runtime. All objects share one
// store; every key belongs to exactly one object. Implementations must be
// safe for concurrent use. Package session/store implements it over badger;
// [MemStore] implements it in memory. Both pass the suite in
// session/storetest.
type Store interface {
	// Get returns the value of key in object id's keyspace, or an error
	// wrapping ErrNotFound. Expired keys are not found.
	Get(id ID, key string) ([]byte, error)
	// Scan calls fn for each live key of object id that starts with prefix,
	// in ascending key order, until fn returns false. The value is valid
	// only during the call.
	Scan(id ID, prefix string, fn func(key string, value []byte) bool) error
	// Apply commits batches, each atomically, and durably according to the
	// store's durability mode before it returns. It returns one error per
	// batch, nil for a committed one. A batch whose Epoch is lower than the
	// epoch stored for its object fails with ErrStaleEpoch and leaves the
	// others unaffected.
	Apply(batches []*Batch) []error
	// Claim makes epoch the stored ownership epoch of id, creating the
	// object's record if it has none. It fails with ErrStaleEpoch if the
	// stored epoch is higher. Claiming an object lists it in Objects.
	Claim(id ID, epoch uint64) error
	// Objects calls fn with the name of every claimed object of kind, in
	// ascending order, until fn returns false.
	Objects(kind string, fn func(name string) bool) error
	// Alarms calls fn for every persisted alarm of every object, until fn
	// returns false.
	Alarms(fn func(a Alarm) bool) error
	// Close releases the store. Calls after Close fail with ErrClosed.
	Close() error
}

// Batch is the atomic unit of commit: the writes one object made while
// handling one or more messages, in order.
type Batch struct {
	ID     ID
	Epoch  uint64
	Writes []Write
	Alarms []AlarmWrite
}

// Write is one storage mutation. A later write to the same key in a batch
// supersedes an earlier one.
type Write struct {
	Key    string
	Value  []byte
	Delete bool
	// TTL, when positive, makes the key expire that long after the commit.
	TTL time.Duration
}

// Alarm is a persisted alarm.
type Alarm struct {
	ID      ID
	Name    string
	At      time.Time
	Attempt int // failed deliveries so far
}

// AlarmWrite sets (Delete false) or removes an alarm of the batch's object.
type AlarmWrite struct {
	Name    string
	At      time.Time
	Attempt int
	Delete  bool
}
