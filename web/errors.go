package web

import (
	"net/http"

	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier"
)

// errorMapping is how one error code shows on the wire: its HTTP status and its gRPC code, which
// the Frontier dialect's body carries.
type errorMapping struct {
	status   int
	grpcCode int
}

// errorMappings is the one table from billd error codes to HTTP statuses and dialect codes.
var errorMappings = map[string]errorMapping{
	billd.EINVALID:       {http.StatusBadRequest, 3},            // INVALID_ARGUMENT
	billd.EPRECONDITION:  {http.StatusBadRequest, 9},            // FAILED_PRECONDITION
	billd.ENOTFOUND:      {http.StatusNotFound, 5},              // NOT_FOUND
	billd.ECONFLICT:      {http.StatusConflict, 6},              // ALREADY_EXISTS
	billd.EUNAUTHORIZED:  {http.StatusUnauthorized, 16},         // UNAUTHENTICATED
	billd.EFORBIDDEN:     {http.StatusForbidden, 7},             // PERMISSION_DENIED
	billd.ETOOLARGE:      {http.StatusRequestEntityTooLarge, 8}, // RESOURCE_EXHAUSTED
	billd.EQUOTA:         {http.StatusTooManyRequests, 8},       // RESOURCE_EXHAUSTED
	billd.EMEDIATYPE:     {http.StatusUnsupportedMediaType, 3},  // INVALID_ARGUMENT
	billd.EMETHOD:        {http.StatusMethodNotAllowed, 12},     // UNIMPLEMENTED
	billd.EOVERLOADED:    {http.StatusServiceUnavailable, 14},   // UNAVAILABLE
	billd.EUNAVAILABLE:   {http.StatusServiceUnavailable, 14},   // UNAVAILABLE
	billd.EUNIMPLEMENTED: {http.StatusNotImplemented, 12},       // UNIMPLEMENTED
	billd.EINTERNAL:      {http.StatusInternalServerError, 13},  // INTERNAL
}

// mapError returns the wire mapping of err's code.
func mapError(err error) errorMapping {
	if m, ok := errorMappings[billd.ErrorCode(err)]; ok {
		return m
	}
	return errorMappings[billd.EINTERNAL]
}

// writeError writes err in the Frontier dialect: {"code", "message", "details": []}. An error
// without a code is logged with its detail and shown as "internal server error".
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	m := mapError(err)
	if m.status >= 500 && m.status != http.StatusServiceUnavailable {
		h.log.Error("request failed", "route", r.Pattern, "request_id", requestIDOf(w), "err", err)
	}
	switch m.status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Basic realm="billd", Bearer realm="billd"`)
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, m.status, frontier.Status{Code: m.grpcCode, Message: billd.ErrorMessage(err), Details: []any{}})
}
