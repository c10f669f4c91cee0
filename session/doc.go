// Package session is hearth's object runtime: durable, isolated objects in
// the style of Cloudflare Durable Objects, hosted in one process.
//
// An object is addressed by an [ID] (kind and name). The first message for
// an ID activates it: the runtime builds it from its kind's factory and calls
// [Object.Load] before any traffic. From then on one goroutine owns the
// object and hands it one message at a time from a bounded mailbox; sending
// never blocks, and a full mailbox is the counted error [ErrMailboxFull].
//
// Every write an object makes while handling one message goes into one
// atomic batch; batches from many objects are committed together by a group
// committer (one fsync serves many objects in sync mode). Replies and
// messages to connections produced while handling a message are held by the
// output gate until that message's writes, and all earlier ones, are
// committed. A failed commit or a panic resets the object from storage.
//
// Objects set named, persisted alarms that fire at least once; idle objects
// hibernate (no goroutine, no timer) while connections attached to them stay
// open in the runtime and wake them with their next message.
//
// The runtime depends only on the standard library: durable storage is the
// [Store] interface, implemented over badger by package session/store and in
// memory by [MemStore].
package session
