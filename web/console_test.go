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

// TestConsoleIsWithinTheInFlightLimit sheds a console request with 503 when the server has no
// request slot left, as it sheds an API request.
func TestConsoleIsWithinTheInFlightLimit(t *testing.T) {
	obs := &observed{shed: map[string]int{}}
	console := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "console") })
	h := newTestHandler(t, Config{Observer: obs, Console: console, Limits: Limits{MaxInFlight: 1}})
	if rec := h.serve("GET", "/console/", "", "", ""); rec.Code != http.StatusOK {
		t.Fatalf("GET /console/ with a free slot: %d %s", rec.Code, rec.Body)
	}
	if err := h.admit.enter(); err != nil { // the one request slot, taken
		t.Fatal(err)
	}
	defer h.admit.leave()
	if rec := h.serve("GET", "/console/", "", "", ""); rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "console") {
		t.Errorf("GET /console/ without a slot: %d %s, want 503 and no page", rec.Code, rec.Body)
	}
	if obs.shed[ShedAdmission] != 1 {
		t.Errorf("observed shedding %v, want admission 1", obs.shed)
	}
}
