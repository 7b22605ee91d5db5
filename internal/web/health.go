package web

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// healthz answers as long as the process serves HTTP (liveness).
func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when Mila can serve requests — database reachable and
// migrations current (cfg.Ready) — and 503 with the reason otherwise, so a
// load balancer stops sending traffic to it.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	ready := a.cfg.Ready
	if ready == nil {
		ready = a.db.Ping
	}
	if err := ready(ctx); err != nil {
		a.log.Warn("not ready", "err", err)
		// The details (socket paths, host names) go to the log only: this
		// endpoint is public.
		reason := "not ready"
		if dbUnavailableErr(err) {
			reason = "database unavailable"
		}
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
