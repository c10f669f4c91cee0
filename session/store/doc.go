// Package store is the durable [session.Store] over badger: every object's
// keys, ownership epoch and alarms in one embedded database (layout in
// keys.go), with group commits (one transaction, so one fsync in Sync
// mode, for many objects), epoch fencing checked inside that transaction,
// per-key TTL, a small memory footprint, and value-log garbage collection
// in the background.
package store
