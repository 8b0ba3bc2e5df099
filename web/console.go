package web

import (
	"net/http"
	"strings"
)

// consoleRoute is the route under which the access log and the metrics count the console's
// requests, whatever their page.
const consoleRoute = "/console"

// isConsole reports whether r is for the web console: /console or a path under /console/.
func isConsole(r *http.Request) bool {
	return r.URL.Path == consoleRoute || strings.HasPrefix(r.URL.Path, consoleRoute+"/")
}

// serveConsole hands r to the console, logged and counted as every API request is, and within the
// server's in-flight limit (Limits.MaxInFlight): a console page runs the same use cases as the API
// (some of the heaviest, such as a year of charts), so it sheds load as the API does. The console
// checks cross-origin requests, sessions and CSRF tokens itself.
func (h *Handler) serveConsole(w http.ResponseWriter, r *http.Request) {
	lw := h.startLog(w, r)
	defer h.observe(lw, r, consoleRoute)
	defer h.logRequest(lw, r, " "+consoleRoute)
	defer h.recoverPanic(lw, r)
	if err := h.admit.enter(); err != nil {
		h.refuse(lw, r, err)
		return
	}
	defer h.admit.leave()
	h.console.ServeHTTP(lw, r)
}
