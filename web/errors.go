package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"connectrpc.com/connect"
	"github.com/billd/billd"
)

// errorMapping is how one error code shows on the wire: its HTTP status (billd.HTTPStatus) and
// its gRPC code, which Connect, gRPC and gRPC-Web answer and the Frontier REST body carries.
type errorMapping struct {
	status int
	code   connect.Code
}

// grpcCodes is the one table from billd error codes to gRPC codes.
var grpcCodes = map[string]connect.Code{
	billd.EINVALID:       connect.CodeInvalidArgument,
	billd.EPRECONDITION:  connect.CodeFailedPrecondition,
	billd.ENOTFOUND:      connect.CodeNotFound,
	billd.ECONFLICT:      connect.CodeAlreadyExists,
	billd.EUNAUTHORIZED:  connect.CodeUnauthenticated,
	billd.EFORBIDDEN:     connect.CodePermissionDenied,
	billd.ETOOLARGE:      connect.CodeResourceExhausted,
	billd.EQUOTA:         connect.CodeResourceExhausted,
	billd.EMETHOD:        connect.CodeUnimplemented,
	billd.EOVERLOADED:    connect.CodeUnavailable,
	billd.ERATELIMITED:   connect.CodeResourceExhausted,
	billd.EUNAVAILABLE:   connect.CodeUnavailable,
	billd.EUNIMPLEMENTED: connect.CodeUnimplemented,
	billd.EINTERNAL:      connect.CodeInternal,
}

// mapError returns the wire mapping of err's code.
func mapError(err error) errorMapping {
	code := billd.ErrorCode(err)
	grpc, ok := grpcCodes[code]
	if !ok {
		code, grpc = billd.EINTERNAL, connect.CodeInternal
	}
	return errorMapping{status: billd.HTTPStatus(code), code: grpc}
}

// status is google.rpc.Status, the error body of the Frontier REST dialect.
type status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details []any  `json:"details"`
}

// writeError writes err in the Frontier REST dialect: {"code", "message", "details": []}. An
// error without a code is logged with its detail and shown as "internal server error".
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	m := h.logError(r.Pattern, requestIDOf(w), err)
	setErrorHeaders(w.Header(), m, err)
	writeJSON(w, m.status, status{Code: int(m.code), Message: billd.ErrorMessage(err), Details: []any{}})
}

// logError logs an internal error with its detail, once, counts the Handler's own load shedding,
// and returns err's mapping. Load shedding
// (503) and what billd does not implement (501) are not internal errors.
func (h *Handler) logError(route, requestID string, err error) errorMapping {
	m := mapError(err)
	h.observeShed(err)
	if m.status >= 500 && m.status != http.StatusServiceUnavailable && m.status != http.StatusNotImplemented {
		h.log.Error("request failed", "route", route, "request_id", requestID, "err", err)
	}
	return m
}

// setErrorHeaders adds what err and its status ask for: the schemes to authenticate with, or when
// to retry (the error's RetryAfter in whole seconds, rounded up; 1 s for a 503 without one).
func setErrorHeaders(hdr http.Header, m errorMapping, err error) {
	switch wait := billd.ErrorRetryAfter(err); {
	case m.status == http.StatusUnauthorized:
		hdr.Set("WWW-Authenticate", `Basic realm="billd", Bearer realm="billd"`)
	case wait > 0:
		hdr.Set("Retry-After", strconv.FormatInt(billd.RetrySeconds(wait), 10))
	case m.status == http.StatusServiceUnavailable:
		hdr.Set("Retry-After", "1")
	}
}

// connectError converts a billd error to the Connect error of the same code and message.
func connectError(err error) *connect.Error {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	return connect.NewError(mapError(err).code, errors.New(billd.ErrorMessage(err)))
}

// writeJSON writes v with the status as application/json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":13,"message":"internal server error","details":[]}`)
	}
	writeBody(w, status, b)
}

// writeBody writes the JSON text b, and a newline, with the status as application/json.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
