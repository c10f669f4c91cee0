package iot

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/hearth-server/hearth/session"
)

// apiTimeout bounds one API call into a group.
const apiTimeout = 5 * time.Second

// API serves the device-group HTTP API under /api/iot/:
//
//	GET  /api/iot/groups                           group names
//	GET  /api/iot/groups/{g}                       aggregates per metric and window, counters, open alerts
//	GET  /api/iot/groups/{g}/devices/{d}           one device's windows
//	GET  /api/iot/groups/{g}/alerts                open and acknowledged alerts
//	POST /api/iot/groups/{g}/alerts/{id}/ack       acknowledge an alert
//	GET|PUT /api/iot/groups/{g}/config             detectors and lateness (PUT validates, stores, applies; creates the group)
func API(rt *session.Runtime, kind string) http.Handler {
	a := api{rt: rt, kind: kind}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/iot/groups", a.groups)
	mux.HandleFunc("GET /api/iot/groups/{g}", a.group)
	mux.HandleFunc("GET /api/iot/groups/{g}/devices/{d}", a.device)
	mux.HandleFunc("GET /api/iot/groups/{g}/alerts", a.alerts)
	mux.HandleFunc("POST /api/iot/groups/{g}/alerts/{id}/ack", a.ack)
	mux.HandleFunc("GET /api/iot/groups/{g}/config", a.getConfig)
	mux.HandleFunc("PUT /api/iot/groups/{g}/config", a.putConfig)
	return mux
}

type api struct {
	rt   *session.Runtime
	kind string
}

func (a api) groups(w http.ResponseWriter, _ *http.Request) {
	names, err := a.rt.List(a.kind)
	if err != nil {
		writeErr(w, err)
		return
	}
	if names == nil {
		names = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"groups": names})
}

// call asks group g, which must already exist (the API never creates one).
func (a api) call(r *http.Request, g string, body any) (any, error) {
	names, err := a.rt.List(a.kind)
	if err != nil {
		return nil, err
	}
	found := false
	for _, n := range names {
		found = found || n == g
	}
	if !found {
		return nil, errNoGroup
	}
	ctx, cancel := context.WithTimeout(r.Context(), apiTimeout)
	defer cancel()
	return a.rt.Call(ctx, session.ID{Kind: a.kind, Name: g}, body)
}

var errNoGroup = errors.New("iot: no such group")

func (a api) group(w http.ResponseWriter, r *http.Request) {
	v, err := a.call(r, r.PathValue("g"), Query{})
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a api) device(w http.ResponseWriter, r *http.Request) {
	v, err := a.call(r, r.PathValue("g"), DeviceQuery{Device: r.PathValue("d")})
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a api) alerts(w http.ResponseWriter, r *http.Request) {
	v, err := a.call(r, r.PathValue("g"), Query{})
	if err != nil {
		writeErr(w, err)
		return
	}
	alerts := v.(View).Alerts
	if alerts == nil {
		alerts = []*Alert{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": alerts})
}

func (a api) ack(w http.ResponseWriter, r *http.Request) {
	by := r.Header.Get("X-Hearth-User")
	if by == "" {
		by = "api"
	}
	if _, err := a.call(r, r.PathValue("g"), AckAlert{ID: r.PathValue("id"), By: by}); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"acknowledged": r.PathValue("id")})
}

func (a api) getConfig(w http.ResponseWriter, r *http.Request) {
	v, err := a.call(r, r.PathValue("g"), GetConfig{})
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a api) putConfig(w http.ResponseWriter, r *http.Request) {
	var conf GroupConfig
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&conf); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "config: " + err.Error()})
		return
	}
	if err := conf.Validate(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), apiTimeout)
	defer cancel()
	if _, err := a.rt.Call(ctx, session.ID{Kind: a.kind, Name: r.PathValue("g")}, SetConfig{Config: conf}); err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, conf)
}

func writeErr(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, errNoGroup), errors.Is(err, ErrNoDevice), errors.Is(err, errNoAlert):
		code = http.StatusNotFound
	case errors.Is(err, ErrBadConfig), errors.Is(err, session.ErrInvalidID):
		code = http.StatusBadRequest
	case errors.Is(err, session.ErrMailboxFull), errors.Is(err, context.DeadlineExceeded):
		code = http.StatusServiceUnavailable
	case errors.Is(err, session.ErrStorageFull), errors.Is(err, session.ErrObjectStorageFull), errors.Is(err, session.ErrStorageReadOnly):
		code = http.StatusInsufficientStorage
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
