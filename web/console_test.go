package web

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestConsoleIsMountedOutsideTheAPI serves /console and the paths under it with Config.Console,
// logged and observed under the route /console, and leaves look-alike paths to the API.
func TestConsoleIsMountedOutsideTheAPI(t *testing.T) {
	obs := &observed{shed: map[string]int{}}
	console := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "console "+r.URL.Path)
	})
	h := newTestHandler(t, Config{Observer: obs, Console: console})
	for _, path := range []string{"/console", "/console/", "/console/orgs/x"} {
		if rec := h.serve("GET", path, "", "", ""); rec.Code != http.StatusTeapot || rec.Body.String() != "console "+path {
			t.Errorf("GET %s: %d %s, want the console's answer", path, rec.Code, rec.Body)
		}
	}
	if rec := h.serve("GET", "/consoles", "", "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("GET /consoles: %d, want the API's 404", rec.Code)
	}
	want := []string{"/console|console|418", "/console|console|418", "/console|console|418", "|rest|404"}
	if !slices.Equal(obs.requests, want) {
		t.Errorf("observed %q, want %q", obs.requests, want)
	}
	if n := strings.Count(h.log.String(), "route=/console "); n != 3 {
		t.Errorf("%d access log lines with route=/console, want 3:\n%s", n, h.log)
	}
	if rec := newTestHandler(t, Config{}).serve("GET", "/console/", "", "", ""); rec.Code != http.StatusNotFound {
		t.Errorf("without a console, GET /console/: %d, want 404", rec.Code)
	}
}
