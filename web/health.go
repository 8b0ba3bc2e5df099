package web

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// The health probes need no credentials, are never shed and are not logged.

// IsHealthCheck reports whether r is a health probe: GET (or HEAD) /healthz or /readyz, or a gRPC
// health check. A server answers these even past its connection limits.
func IsHealthCheck(r *http.Request) bool {
	if r.Method == http.MethodPost {
		return r.URL.Path == grpcHealthCheck
	}
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		(r.URL.Path == "/healthz" || r.URL.Path == "/readyz")
}

// grpcHealthCheck is the procedure of grpc.health.v1's unary check.
const grpcHealthCheck = "/grpc.health.v1.Health/Check"

// live answers the liveness probe: the process serves HTTP. It does not touch the store.
func (h *Handler) live(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, statusOK)
}

// ready answers the readiness probe: 200 while the service can serve (its store answers), else
// 503 with code 14 and Retry-After.
func (h *Handler) ready(w http.ResponseWriter, r *http.Request) {
	if err := h.readiness.check(r.Context(), h.svc.Ready); err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, statusOK)
}

// readiness shares the store's answer among the probes of one second: a probe needs no
// credentials and is never shed, so the store must not be pinged once per probe.
type readiness struct {
	now func() time.Time // the clock; time.Now when nil

	mu  sync.Mutex
	at  time.Time // of the last check; zero before the first
	err error     // its answer
}

// readinessTTL is how long a readiness answer serves the probes that follow it.
const readinessTTL = time.Second

// check returns the last answer of ready if it is recent, else asks again; probes that arrive
// meanwhile wait for that answer.
func (rd *readiness) check(ctx context.Context, ready func(context.Context) error) error {
	now := time.Now
	if rd.now != nil {
		now = rd.now
	}
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if !rd.at.IsZero() && now().Sub(rd.at) < readinessTTL {
		return rd.err
	}
	// The answer serves other probes too: the first one's going away must not become it.
	rd.err, rd.at = ready(context.WithoutCancel(ctx)), now()
	return rd.err
}

// statusOK is the body of a passed probe.
var statusOK = map[string]string{"status": "ok"}
