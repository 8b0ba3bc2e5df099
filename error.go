package billd

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"
)

// Error codes. Every error a use case returns on purpose carries one of them; HTTPStatus maps each
// to its HTTP status, and the web package to its gRPC code and each dialect's error body, each in
// one place. An error without a
// code is internal: it is logged with its detail and shown as "internal server error".
const (
	EINVALID       = "invalid"             // the request is malformed or breaks a rule
	EPRECONDITION  = "failed_precondition" // the request is valid but the system is not in a state to do it
	ENOTFOUND      = "not_found"           // the object does not exist (or is not visible to the caller)
	ECONFLICT      = "conflict"            // the object already exists, or the idempotency key was used
	EUNAUTHORIZED  = "unauthorized"        // missing or bad credentials
	EFORBIDDEN     = "forbidden"           // the caller lacks the permission
	ETOOLARGE      = "too_large"           // the request body is over the limit
	EQUOTA         = "quota"               // the organization holds as many objects of a kind as it may
	EMETHOD        = "method"              // the path exists but not with this method
	EOVERLOADED    = "overloaded"          // the server sheds load; retry later
	ERATELIMITED   = "rate_limited"        // the caller made more requests than its budget; retry after Error.RetryAfter
	EUNAVAILABLE   = "unavailable"         // a dependency is down; retry later
	EUNIMPLEMENTED = "unimplemented"       // the operation is not implemented
	EINTERNAL      = "internal"            // a bug or an unexpected failure
)

// Error is the error type of billd: a code from the list above, a message meant for the API caller,
// the operation that failed and, for logs only, the underlying cause.
type Error struct {
	Code    string
	Message string
	Op      string // the operation that failed, such as "ReportUsage" or "sqlstore: insert transfers"
	Err     error  // the underlying cause, if any; never shown to API callers
	// RetryAfter is, when not zero, how long the caller should wait before it retries (an
	// ERATELIMITED error carries it; the web package sends it as Retry-After).
	RetryAfter time.Duration
}

// Error implements the error interface: "op: message: cause", leaving out what is empty.
func (e *Error) Error() string {
	s := e.Message
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// RetrySeconds is d in whole seconds, rounded up, at least 1: the value of a Retry-After header.
func RetrySeconds(d time.Duration) int64 {
	return max(1, int64(math.Ceil(d.Seconds())))
}

// ErrorRetryAfter returns the RetryAfter of the *Error in err's chain: zero when there is none.
func ErrorRetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// ErrDuplicateID is what a Store returns (wrapped or not) when a write would store an id that
// exists: use cases test for it with errors.Is and decide what it means.
var ErrDuplicateID = errors.New("duplicate id")

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any other non-nil error,
// and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-facing message of err: the message of its *Error, or
// "internal server error" for an error without a code, so that internal detail never leaks.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal server error"
}

// httpStatuses is the one table from error codes to HTTP statuses, which every HTTP adapter
// answers with (the API's dialects and the console).
var httpStatuses = map[string]int{
	EINVALID:       http.StatusBadRequest,
	EPRECONDITION:  http.StatusBadRequest,
	ENOTFOUND:      http.StatusNotFound,
	ECONFLICT:      http.StatusConflict,
	EUNAUTHORIZED:  http.StatusUnauthorized,
	EFORBIDDEN:     http.StatusForbidden,
	ETOOLARGE:      http.StatusRequestEntityTooLarge,
	EQUOTA:         http.StatusTooManyRequests,
	EMETHOD:        http.StatusMethodNotAllowed,
	EOVERLOADED:    http.StatusServiceUnavailable,
	ERATELIMITED:   http.StatusTooManyRequests,
	EUNAVAILABLE:   http.StatusServiceUnavailable,
	EUNIMPLEMENTED: http.StatusNotImplemented,
	EINTERNAL:      http.StatusInternalServerError,
}

// HTTPStatus returns the HTTP status of an error code; 500 for a code it does not know.
func HTTPStatus(code string) int {
	if status, ok := httpStatuses[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}
