package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hearth-server/hearth/iot"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/tick"
	"github.com/hearth-server/hearth/transport"
)

// topics serves the live streams dashboards subscribe to (see
// PROTOCOL.md, "Live streams"): rooms, device groups, alerts and the
// server's health.
type topics struct {
	rt     *session.Runtime
	rooms  *tick.Directory
	health *health
	known  sync.Map // session.ID → struct{}: objects seen to exist (they are never deleted)
}

// register hands the hub a source per topic prefix.
func (t *topics) register(h *transport.Hub) {
	h.Topic("rooms", t.room)
	h.Topic("iot", t.group)
	h.Topic("alerts", t.alerts)
	h.Topic("server", t.server)
}

func unknown(topic string) error { return fmt.Errorf("%w %q", transport.ErrUnknownTopic, topic) }

// exists reports whether an object of kind named name exists (hibernated
// ones included): a stream never creates an object. Objects are never
// deleted, so one found is remembered rather than listed again at every
// sample.
func (t *topics) exists(kind, name string) bool {
	id := session.ID{Kind: kind, Name: name}
	if _, ok := t.known.Load(id); ok {
		return true
	}
	names, err := t.rt.List(kind)
	if err != nil || !slices.Contains(names, name) {
		return false
	}
	t.known.Store(id, struct{}{})
	return true
}

// room serves "rooms" (the room list) and "rooms/<name>" (one room's
// players, tick and entities).
func (t *topics) room(ctx context.Context, topic string) (any, error) {
	_, name, one := strings.Cut(topic, "/")
	if !one {
		if topic != "rooms" {
			return nil, unknown(topic)
		}
		return map[string]any{"rooms": t.rooms.List(nil, 0)}, nil
	}
	if !t.exists("room", name) {
		return nil, unknown(topic)
	}
	return t.rt.Call(ctx, session.ID{Kind: "room", Name: name}, tick.ViewQuery{})
}

// group serves "iot/<group>" (aggregates, counters, alerts) and
// "iot/<group>/<device>" (one device's windows).
func (t *topics) group(ctx context.Context, topic string) (any, error) {
	parts := strings.Split(topic, "/")
	if len(parts) < 2 || len(parts) > 3 || !t.exists("group", parts[1]) {
		return nil, unknown(topic)
	}
	id := session.ID{Kind: "group", Name: parts[1]}
	if len(parts) == 2 {
		return t.rt.Call(ctx, id, iot.Query{})
	}
	v, err := t.rt.Call(ctx, id, iot.DeviceQuery{Device: parts[2]})
	if errors.Is(err, iot.ErrNoDevice) {
		return nil, unknown(topic)
	}
	return v, err
}

// alerts serves "alerts/<group>" and "alerts/*" (every group's).
func (t *topics) alerts(ctx context.Context, topic string) (any, error) {
	_, name, ok := strings.Cut(topic, "/")
	if !ok || name == "" {
		return nil, unknown(topic)
	}
	groups := []string{name}
	if name == "*" {
		groups, _ = t.rt.List("group")
		slices.Sort(groups)
	} else if !t.exists("group", name) {
		return nil, unknown(topic)
	}
	type groupAlert struct {
		Group string `json:"group"`
		*iot.Alert
	}
	all := []groupAlert{}
	for _, g := range groups {
		v, err := t.rt.Call(ctx, session.ID{Kind: "group", Name: g}, iot.Query{})
		if err != nil {
			return nil, err
		}
		for _, a := range v.(iot.View).Alerts {
			all = append(all, groupAlert{Group: g, Alert: a})
		}
	}
	return map[string]any{"alerts": all}, nil
}

// server serves "server": connections, objects, ingest rate and tick
// lateness.
func (t *topics) server(_ context.Context, topic string) (any, error) {
	if topic != "server" {
		return nil, unknown(topic)
	}
	return t.health.sample(), nil
}
