package transport

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// HTTP is hearth's HTTP listener: health, metrics and (as they land) the
// API, WebSocket and dashboard.
type HTTP struct {
	mux   *http.ServeMux
	srv   *http.Server
	ready atomic.Bool
}

// NewHTTP builds the server; gatherer is what /metrics exposes.
func NewHTTP(gatherer prometheus.Gatherer) *HTTP {
	h := &HTTP{mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /healthz", h.healthz)
	h.mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	h.srv = &http.Server{
		Handler:           h.mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	return h
}

// Handle adds a route, for the API packages that land later.
func (h *HTTP) Handle(pattern string, handler http.Handler) { h.mux.Handle(pattern, handler) }

// SetReady makes /healthz answer 200 (true) or 503 (false).
func (h *HTTP) SetReady(ok bool) { h.ready.Store(ok) }

func (h *HTTP) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !h.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("starting or stopping\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// Serve answers on ln until Shutdown.
func (h *HTTP) Serve(ln net.Listener) error {
	err := h.srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, marks the server not ready and waits for
// requests in progress.
func (h *HTTP) Shutdown(ctx context.Context) error {
	h.SetReady(false)
	return h.srv.Shutdown(ctx)
}
