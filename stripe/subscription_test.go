package stripe

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/billd/billd"
)

func subscriptionRequest() billd.SubscriptionRequest {
	return billd.SubscriptionRequest{
		SubscriptionID: "sub_billd_1", CustomerID: "cus_1", Currency: "usd", TrialDays: 7, Interval: "month",
		Lines: []billd.CheckoutLine{
			{ProductID: "prod_pro", Name: "Pro", UnitAmount: 2900, Quantity: 1},
			{ProductID: "prod_seat", Name: "Seat", UnitAmount: 500, Quantity: 4, Interval: "year"},
		},
	}
}

func TestCreateSubscription(t *testing.T) {
	p, rec := testProvider(t)
	s, err := p.CreateSubscription(context.Background(), subscriptionRequest())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.ID, "sub_") || s.State == "" || s.CurrentPeriod.End.IsZero() {
		t.Errorf("subscription = %+v", s)
	}
	req := rec.last(t, http.MethodPost, "/v1/subscriptions")
	wantForm(t, req, map[string]string{
		"customer": "cus_1", "currency": "usd", "metadata[subscription_id]": "sub_billd_1",
		"trial_period_days": "7", "off_session": "true", "payment_behavior": "error_if_incomplete",
		"items[0][price_data][product]":             "billd_prod_pro",
		"items[0][price_data][currency]":            "usd",
		"items[0][price_data][unit_amount]":         "2900",
		"items[0][price_data][recurring][interval]": "month",
		"items[0][quantity]":                        "1",
		"items[1][price_data][product]":             "billd_prod_seat",
		"items[1][price_data][recurring][interval]": "year",
		"items[1][quantity]":                        "4",
	})
	if got := req.Header.Get("Idempotency-Key"); got != "billd-subscription-sub_billd_1" {
		t.Errorf("Idempotency-Key = %q", got)
	}
	// stripe-mock has every product: none is created.
	rec.last(t, http.MethodGet, "/v1/products/billd_prod_pro")
	for _, q := range rec.all() {
		if q.Method == http.MethodPost && q.Path == "/v1/products" {
			t.Errorf("a product was created although it exists")
		}
	}
}

func TestCreateSubscriptionMakesMissingProducts(t *testing.T) {
	p, rec := testProvider(t)
	rec.rewrite(http.MethodGet, "/v1/products/billd_prod_pro", func(int, []byte) (int, []byte) {
		return http.StatusNotFound, stripeErrorBody("invalid_request_error", "resource_missing", "No such product: 'billd_prod_pro'")
	})
	if _, err := p.CreateSubscription(context.Background(), subscriptionRequest()); err != nil {
		t.Fatal(err)
	}
	wantForm(t, rec.last(t, http.MethodPost, "/v1/products"),
		map[string]string{"id": "billd_prod_pro", "name": "Pro", "metadata[product_id]": "prod_pro"})
}

func TestCreateSubscriptionRefusesBadRequests(t *testing.T) {
	p, rec := testProvider(t)
	noInterval := subscriptionRequest()
	noInterval.Interval = ""
	noLines := subscriptionRequest()
	noLines.Lines = nil
	for _, r := range []billd.SubscriptionRequest{noInterval, noLines} {
		if _, err := p.CreateSubscription(context.Background(), r); billd.ErrorCode(err) != billd.EINVALID {
			t.Errorf("CreateSubscription = %v, want EINVALID", err)
		}
	}
	for _, q := range rec.all() {
		if q.Path == "/v1/subscriptions" {
			t.Errorf("a refused subscription was sent")
		}
	}
}

func TestCancelSubscription(t *testing.T) {
	ctx := context.Background()
	p, rec := testProvider(t)
	if _, err := p.CancelSubscription(ctx, "sub_1", false); err != nil {
		t.Fatal(err)
	}
	rec.last(t, http.MethodDelete, "/v1/subscriptions/sub_1")

	rec.rewrite(http.MethodPost, "/v1/subscriptions/sub_2", patchJSON(map[string]any{"cancel_at_period_end": true}))
	s, err := p.CancelSubscription(ctx, "sub_2", true)
	if err != nil {
		t.Fatal(err)
	}
	if !s.CancelAtPeriodEnd {
		t.Errorf("subscription = %+v, want it canceled at period end", s)
	}
	wantForm(t, rec.last(t, http.MethodPost, "/v1/subscriptions/sub_2"), map[string]string{"cancel_at_period_end": "true"})
}

// Canceling a subscription that has ended returns it; the state maps canceled.
func TestCancelSubscriptionCanceledAlready(t *testing.T) {
	p, rec := testProvider(t)
	rec.rewrite(http.MethodDelete, "/v1/subscriptions/sub_1", func(int, []byte) (int, []byte) {
		return http.StatusBadRequest, stripeErrorBody("invalid_request_error", "", "This subscription is already canceled.")
	})
	rec.rewrite(http.MethodGet, "/v1/subscriptions/sub_1", patchJSON(map[string]any{"status": "canceled", "canceled_at": 1893456000, "ended_at": 1893456000}))
	s, err := p.CancelSubscription(context.Background(), "sub_1", false)
	if err != nil {
		t.Fatal(err)
	}
	if s.State != billd.SubscriptionCanceled || s.EndedAt.Unix() != 1893456000 || s.CanceledAt.IsZero() {
		t.Errorf("subscription = %+v", s)
	}
}

func TestChangeSubscription(t *testing.T) {
	for _, tt := range []struct {
		immediate bool
		proration string
	}{{true, "always_invoice"}, {false, "none"}} {
		p, rec := testProvider(t)
		r := subscriptionRequest()
		r.Lines = r.Lines[:1]
		if _, err := p.ChangeSubscription(context.Background(), "sub_1", r, tt.immediate); err != nil {
			t.Fatal(err)
		}
		rec.last(t, http.MethodGet, "/v1/subscriptions/sub_1")
		req := rec.last(t, http.MethodPost, "/v1/subscriptions/sub_1")
		wantForm(t, req, map[string]string{
			"proration_behavior":                        tt.proration,
			"metadata[subscription_id]":                 "sub_billd_1",
			"items[0][deleted]":                         "true",
			"items[1][price_data][product]":             "billd_prod_pro",
			"items[1][price_data][unit_amount]":         "2900",
			"items[1][price_data][recurring][interval]": "month",
			"items[1][quantity]":                        "1",
		})
		if !strings.HasPrefix(req.Form.Get("items[0][id]"), "si_") {
			t.Errorf("items[0][id] = %q, want the current item deleted", req.Form.Get("items[0][id]"))
		}
		if tt.immediate {
			wantForm(t, req, map[string]string{"payment_behavior": "error_if_incomplete"})
		} else {
			noForm(t, req, "payment_behavior")
		}
	}
}

func TestSubscriptionState(t *testing.T) {
	for stripeStatus, want := range map[string]billd.SubscriptionState{
		"active": billd.SubscriptionActive, "trialing": billd.SubscriptionTrialing, "past_due": billd.SubscriptionPastDue,
		"unpaid": billd.SubscriptionPastDue, "incomplete": billd.SubscriptionPastDue, "paused": billd.SubscriptionPastDue,
		"canceled": billd.SubscriptionCanceled, "incomplete_expired": billd.SubscriptionEnded,
	} {
		p, rec := testProvider(t)
		rec.rewrite(http.MethodDelete, "/v1/subscriptions/sub_1", patchJSON(map[string]any{"status": stripeStatus}))
		s, err := p.CancelSubscription(context.Background(), "sub_1", false)
		if err != nil {
			t.Fatal(err)
		}
		if s.State != want {
			t.Errorf("Stripe status %s: state %s, want %s", stripeStatus, s.State, want)
		}
	}
}
