// Package store is the durable [session.Store] over badger: every object's
// keys, ownership epochs and alarms in one embedded database, with group
// commits (one transaction, so one fsync in sync mode, for many objects),
// epoch fencing, per-key TTL and value-log garbage collection in the
// background.
package store
