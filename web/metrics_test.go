package web

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
)

// TestRPCTransport: an RPC's transport is named by its Content-Type, as connect-go tells them.
func TestRPCTransport(t *testing.T) {
	byTransport := map[string][]string{
		"connect":  {"application/json", "application/proto", "application/connect+proto"},
		"grpc":     {"application/grpc", "application/grpc+proto"},
		"grpc-web": {"application/grpc-web", "application/grpc-web-text", "application/grpc-web+proto"},
	}
	for want, types := range byTransport {
		for _, ct := range types {
			if got := rpcTransport(ct); got != want {
				t.Errorf("rpcTransport(%q) = %s, want %s", ct, got, want)
			}
		}
	}
}

// observed is an Observer that keeps what it is told.
type observed struct {
	mu       sync.Mutex
	requests []string // "route transport status"
	shed     map[string]int
}

func (o *observed) Request(route, transport string, status int, took time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.requests = append(o.requests, fmt.Sprintf("%s|%s|%d", route, transport, status))
}

func (o *observed) Shed(where string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.shed[where]++
}

// TestObserverSeesRequestsAndShedding: every answered request is observed once with its route
// pattern (or procedure), transport and status, a refusal for overload is counted once on REST
// and on Connect, and /metrics is served by Config.Metrics and not observed.
func TestObserverSeesRequestsAndShedding(t *testing.T) {
	obs := &observed{shed: map[string]int{}}
	metrics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "billd_up 1\n") })
	h := newTestHandler(t, Config{Observer: obs, Metrics: metrics, Limits: Limits{MaxInFlight: 1}})
	if rec := h.serve("GET", "/metrics", "", "", ""); rec.Code != 200 || rec.Body.String() != "billd_up 1\n" {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	h.serve("GET", "/no/such/path", "", "", "")
	if err := h.admit.enter(); err != nil { // the one request slot, taken
		t.Fatal(err)
	}
	h.serve("GET", "/v1beta1/organizations", "", "", "")
	h.serve("POST", fc.FrontierServiceListOrganizationsProcedure, "", "", "{}")
	h.admit.leave()
	want := []string{
		"|rest|404",
		"GET /v1beta1/organizations|rest|503",
		"POST " + fc.FrontierServiceListOrganizationsProcedure + "|connect|503",
	}
	if !slices.Equal(obs.requests, want) {
		t.Errorf("observed requests %q, want %q", obs.requests, want)
	}
	if obs.shed[ShedAdmission] != 2 || len(obs.shed) != 1 {
		t.Errorf("observed shedding %v, want admission 2", obs.shed)
	}
}
