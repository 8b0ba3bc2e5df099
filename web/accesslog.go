package web

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/billd/billd"
)

// The access log: one line per request at info level, with the method, the route pattern, the
// status, the duration, the principal's client id and the request id. It holds nothing else a
// client sends (no path, query or header but a request id it checked), so no line can carry a
// secret, and every field is bounded in length. The health probes are not logged.

// requestIDHeader carries the request id: a client's own, if acceptable, or one the server makes.
const requestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds a request id taken from a client.
const maxRequestIDLen = 64

// statusAborted is what the access log shows for a request whose handler aborted without an
// answer (http.ErrAbortHandler), as nginx does for a request its client closed.
const statusAborted = 499

// loggedResponse is the ResponseWriter of a logged request: it notes the status and the principal.
type loggedResponse struct {
	http.ResponseWriter
	start     time.Time
	requestID string
	status    int
	principal string
}

// WriteHeader notes the status.
func (l *loggedResponse) WriteHeader(status int) {
	if l.status == 0 {
		l.status = status
	}
	l.ResponseWriter.WriteHeader(status)
}

// Write notes the implicit 200 of a response written without WriteHeader.
func (l *loggedResponse) Write(b []byte) (int, error) {
	if l.status == 0 {
		l.status = http.StatusOK
	}
	return l.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (l *loggedResponse) Unwrap() http.ResponseWriter { return l.ResponseWriter }

// setPrincipal notes who made the request, for the access log.
func setPrincipal(w http.ResponseWriter, clientID string) {
	if l, ok := w.(*loggedResponse); ok {
		l.principal = clientID // at most 64 characters, as every client id
	}
}

// requestIDOf returns the request id of a logged request's writer, for the lines about it.
func requestIDOf(w http.ResponseWriter) string {
	if l, ok := w.(*loggedResponse); ok {
		return l.requestID
	}
	return ""
}

// startLog starts the log of a request and echoes its request id in the response.
func (h *Handler) startLog(w http.ResponseWriter, r *http.Request) *loggedResponse {
	id := r.Header.Get(requestIDHeader)
	if !validRequestID(id) {
		id = h.ids.next()
	}
	w.Header().Set(requestIDHeader, id)
	return &loggedResponse{ResponseWriter: w, start: time.Now(), requestID: id}
}

// logRequest writes the access log line of an answered request.
func (h *Handler) logRequest(l *loggedResponse, r *http.Request, pattern string) {
	if !h.log.Enabled(r.Context(), slog.LevelInfo) {
		return
	}
	status := l.status
	if status == 0 {
		status = http.StatusOK
	}
	_, route, _ := strings.Cut(pattern, " ")
	if _, rpc := permissions[r.URL.Path]; rpc {
		route = r.URL.Path // the procedure, not its service's prefix
	}
	h.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
		slog.String("method", billd.Truncate(r.Method, 16)),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(l.start)),
		slog.String("principal", l.principal),
		slog.String("request_id", l.requestID))
}

// validRequestID reports whether a client's request id may be used: 1–64 visible ASCII characters.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

// requestIDs makes request ids: a random prefix per handler and a counter, unique and cheap.
type requestIDs struct {
	prefix string
	seq    atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return &requestIDs{prefix: hex.EncodeToString(b[:]) + "-"}
}

func (g *requestIDs) next() string {
	return g.prefix + strconv.FormatUint(g.seq.Add(1), 36)
}

// Flush sends what is buffered to the client, for handlers that stream (gRPC, gRPC-Web).
func (l *loggedResponse) Flush() {
	if f, ok := l.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
