package web

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// Observer is told of the requests the Handler answers, for metrics. Its methods are called once
// per request and must be cheap, non-blocking and safe for concurrent use. Every argument comes
// from a small fixed set: route patterns and RPC procedures of the route table ("" for a request
// no route matches), transports, status codes and the Shed* places.
type Observer interface {
	// Request records an answered request: its route, transport (rest, cudo, connect, grpc or
	// grpc-web), status and how long it took.
	Request(route, transport string, status int, took time.Duration)
	// Shed counts a request refused for overload, by where it was refused.
	Shed(where string)
}

// Where the Handler sheds requests, as Observer.Shed reports them.
const (
	ShedAdmission = "admission" // the requests or request bytes in flight are at their bound
	ShedPrincipal = "principal" // the caller's own request bytes in flight are at their bound
)

// metricsPath serves the metrics, when the Handler has them (Config.Metrics).
const metricsPath = "/metrics"

// isMetrics reports whether r asks for the metrics.
func isMetrics(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.URL.Path == metricsPath
}

// observe records an answered request with the Handler's observer.
func (h *Handler) observe(l *loggedResponse, r *http.Request, pattern string) {
	if h.obs == nil {
		return
	}
	status := l.status
	if status == 0 {
		status = http.StatusOK
	}
	route, transport := pattern, "rest"
	switch {
	case pattern == consoleRoute:
		transport = "console"
	case strings.HasSuffix(pattern, "/"): // an RPC service's mount
		transport = rpcTransport(r.Header.Get("Content-Type"))
		if _, rpc := permissions[r.URL.Path]; rpc || public[r.URL.Path] {
			route = "POST " + r.URL.Path // the procedure, not its service's prefix
		}
	case strings.Contains(pattern, " /v1/"):
		transport = "cudo"
	}
	h.obs.Request(route, transport, status, time.Since(l.start))
}

// rpcTransport names the RPC protocol of a request by its Content-Type.
func rpcTransport(contentType string) string {
	switch {
	case strings.HasPrefix(contentType, "application/grpc-web"):
		return "grpc-web"
	case strings.HasPrefix(contentType, "application/grpc"):
		return "grpc"
	}
	return "connect"
}

// observeShed counts a request the Handler refused for overload with err: its admission's
// refusals, whether of the request or of its body as it is read. The ledger's own (the
// committer's queue) are counted by the service.
func (h *Handler) observeShed(err error) {
	switch {
	case h.obs == nil:
	case errors.Is(err, errOverloaded):
		h.obs.Shed(ShedAdmission)
	case errors.Is(err, errPrincipalBodyFull):
		h.obs.Shed(ShedPrincipal)
	}
}
