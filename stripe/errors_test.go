package stripe

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/billd/billd"
	stripego "github.com/stripe/stripe-go/v85"
)

// stripe-mock's own 4xx answers: a parameter its OpenAPI document refuses, and a path of an id
// no object can have.
func TestStripeMockErrorsMap(t *testing.T) {
	ctx := context.Background()
	p, _ := testProvider(t)

	r := subscriptionRequest()
	r.Interval, r.Lines = "fortnight", r.Lines[:1]
	_, err := p.ChangeSubscription(ctx, "sub_1", r, true)
	wantError(t, err, billd.EINVALID, "stripe: change subscription: ")

	_, err = p.Invoice(ctx, "in 1/x")
	wantError(t, err, billd.ENOTFOUND, "stripe: retrieve invoice: ")
}

func TestStatusesMap(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   []byte
		code   string
	}{
		{http.StatusBadRequest, stripeErrorBody("invalid_request_error", "parameter_missing", "Missing required param: currency."), billd.EINVALID},
		{http.StatusBadRequest, stripeErrorBody("invalid_request_error", "", "This customer has been deleted."), billd.EPRECONDITION},
		{http.StatusPaymentRequired, stripeErrorBody("card_error", "card_declined", "Your card was declined."), billd.EPRECONDITION},
		{http.StatusNotFound, stripeErrorBody("invalid_request_error", "resource_missing", "No such customer: 'cus_x'"), billd.ENOTFOUND},
		{http.StatusBadRequest, stripeErrorBody("idempotency_error", "", "Keys for idempotent requests can only be used with the same parameters."), billd.ECONFLICT},
		{http.StatusUnauthorized, stripeErrorBody("invalid_request_error", "", "Invalid API Key provided: sk_test_***"), billd.EINTERNAL},
		{http.StatusTooManyRequests, stripeErrorBody("invalid_request_error", "rate_limit", "Too many requests."), billd.EUNAVAILABLE},
		{http.StatusInternalServerError, stripeErrorBody("api_error", "", "Something went wrong."), billd.EUNAVAILABLE},
		{http.StatusServiceUnavailable, []byte("<html>down</html>"), billd.EUNAVAILABLE},
	} {
		p, rec := testProviderRetrying(t, 0) // stripe-go would retry 429 and 5xx after a pause
		rec.rewrite(http.MethodPost, "/v1/customers", func(int, []byte) (int, []byte) { return tt.status, tt.body })
		_, err := p.CreateCustomer(context.Background(), &billd.BillingAccount{ID: "acc_1"})
		wantError(t, err, tt.code, "stripe: create customer: ")
	}
}

func TestConnectionRefusedIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	p, err := newProvider(Config{Key: "sk_test_123", APIBase: base}, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.CreateCheckout(context.Background(), billd.CheckoutSessionRequest{CheckoutID: "chk_1", Kind: billd.CheckoutSetup, Currency: "usd"})
	wantError(t, err, billd.EUNAVAILABLE, "stripe: create checkout session: ")
}

// wantError checks that err is a *billd.Error of code whose text starts with prefix, and that no
// stripe-go type is in its chain.
func wantError(t *testing.T, err error, code, prefix string) {
	t.Helper()
	var be *billd.Error
	if !errors.As(err, &be) {
		t.Fatalf("error %v (%T), want a *billd.Error %s", err, err, code)
	}
	if be.Code != code || !strings.HasPrefix(err.Error(), prefix) {
		t.Errorf("error %q code %s, want code %s and prefix %q", err, be.Code, code, prefix)
	}
	var se *stripego.Error
	if errors.As(err, &se) {
		t.Errorf("error %v carries a stripe-go error", err)
	}
}
