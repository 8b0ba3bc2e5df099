package stripe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/billd/billd"
	stripego "github.com/stripe/stripe-go/v85"
)

// apiError turns the error of a Stripe call into a *billd.Error of the operation op ("create
// checkout session"), so that no stripe-go type leaves the package:
//   - a refused card (card_error): EPRECONDITION with Stripe's message;
//   - a bad parameter (invalid_request_error naming a parameter): EINVALID;
//   - a missing object (404, resource_missing): ENOTFOUND;
//   - another invalid request (the object's state does not allow it): EPRECONDITION;
//   - a reused idempotency key with other parameters: ECONFLICT;
//   - a network failure, a timeout, 5xx, 409 (a lock) or 429 (JSON or not): EUNAVAILABLE;
//   - anything else (a bad API key, an unreadable answer): EINTERNAL.
//
// The cause kept for logs is a plain error naming Stripe's type, code, status and request id.
func apiError(op string, err error) error {
	if err == nil {
		return nil
	}
	op = "stripe: " + op
	var coded *billd.Error
	if errors.As(err, &coded) {
		return err
	}
	var se *stripego.Error
	if !errors.As(err, &se) {
		if unreachable(err) || retryableStatus(err) {
			return &billd.Error{Code: billd.EUNAVAILABLE, Message: "Stripe is unavailable; retry later", Op: op, Err: err}
		}
		return &billd.Error{Code: billd.EINTERNAL, Message: "unexpected answer from Stripe", Op: op, Err: err}
	}
	code, msg := classify(se)
	return &billd.Error{Code: code, Message: msg, Op: op, Err: causeOf(se)}
}

// classify returns the billd code and caller-facing message of a Stripe API error.
func classify(se *stripego.Error) (code, msg string) {
	msg = se.Msg
	if msg == "" {
		msg = fmt.Sprintf("Stripe answered %d", se.HTTPStatusCode)
	}
	switch {
	case se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode == http.StatusConflict ||
		se.HTTPStatusCode >= 500 || se.Type == stripego.ErrorTypeAPI || se.Type == stripego.ErrorTypeRateLimit:
		return billd.EUNAVAILABLE, "Stripe is unavailable; retry later"
	case se.Type == stripego.ErrorTypeCard || se.HTTPStatusCode == http.StatusPaymentRequired:
		return billd.EPRECONDITION, msg
	case se.Type == stripego.ErrorTypeIdempotency:
		return billd.ECONFLICT, msg
	case se.HTTPStatusCode == http.StatusNotFound || se.Code == stripego.ErrorCodeResourceMissing:
		return billd.ENOTFOUND, msg
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		return billd.EINTERNAL, msg // billd's key is wrong: the operator's problem, not the caller's
	case se.Type == stripego.ErrorTypeInvalidRequest && badParameter(se):
		return billd.EINVALID, msg
	case se.Type == stripego.ErrorTypeInvalidRequest || se.HTTPStatusCode == http.StatusBadRequest:
		return billd.EPRECONDITION, msg
	}
	return billd.EINTERNAL, msg
}

// badParameter reports whether an invalid request error is about a parameter rather than about
// the state of the object it names.
func badParameter(se *stripego.Error) bool {
	return se.Param != "" || strings.HasPrefix(string(se.Code), "parameter") ||
		strings.Contains(se.Msg, "validation error") || strings.Contains(se.Msg, "Received unknown parameter")
}

// causeOf is the loggable cause of a Stripe error, without stripe-go's type.
func causeOf(se *stripego.Error) error {
	s := fmt.Sprintf("stripe %s (status %d", se.Type, se.HTTPStatusCode)
	if se.Code != "" {
		s += ", code " + string(se.Code)
	}
	if se.DeclineCode != "" {
		s += ", decline " + string(se.DeclineCode)
	}
	if se.Param != "" {
		s += ", param " + se.Param
	}
	if se.RequestID != "" {
		s += ", request " + se.RequestID
	}
	return errors.New(s + ")")
}

// unreachable reports whether err is a failure to reach Stripe or to hear back in time.
func unreachable(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled)
}

// nonJSONStatus finds the status in stripe-go's error for an answer that is not JSON, such as
// a proxy's error page: "Couldn't deserialize JSON (response status: 503, …".
var nonJSONStatus = regexp.MustCompile(`response status: (\d{3})\b`)

// retryableStatus reports whether err is stripe-go's error for a non-JSON answer of status 5xx
// or 429.
func retryableStatus(err error) bool {
	m := nonJSONStatus.FindStringSubmatch(err.Error())
	if m == nil {
		return false
	}
	status, _ := strconv.Atoi(m[1])
	return status >= 500 || status == http.StatusTooManyRequests
}

// stripeError returns the Stripe API error in err's chain, or nil.
func stripeError(err error) *stripego.Error {
	var se *stripego.Error
	if errors.As(err, &se) {
		return se
	}
	return nil
}

// wrongState reports whether err is Stripe refusing a request because of its object's state (a
// session no longer open, a subscription already canceled), not because of its parameters.
func wrongState(err error) bool {
	se := stripeError(err)
	return se != nil && se.Type == stripego.ErrorTypeInvalidRequest && se.HTTPStatusCode == http.StatusBadRequest &&
		!badParameter(se)
}
