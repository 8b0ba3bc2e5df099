package web

import "net/http"

// The health probes need no credentials, are never shed and are not logged.

// live answers the liveness probe: the process serves HTTP. It does not touch the store.
func (h *Handler) live(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, statusOK)
}

// ready answers the readiness probe: 200 while the service can serve (its store answers), else
// 503 with code 14 and Retry-After.
func (h *Handler) ready(w http.ResponseWriter, r *http.Request) {
	if err := h.svc.Ready(r.Context()); err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, statusOK)
}

// statusOK is the body of a passed probe.
var statusOK = map[string]string{"status": "ok"}
