package stripe

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
)

func TestCreateCheckout(t *testing.T) {
	credits := billd.CheckoutLine{ProductID: "prod_credits", Name: "1000 credits", UnitAmount: 500, Quantity: 3}
	plan := billd.CheckoutLine{ProductID: "prod_pro", Name: "Pro", UnitAmount: 2900, Quantity: 1, Interval: "month"}
	tests := []struct {
		name    string
		r       billd.CheckoutSessionRequest
		want    map[string]string
		notSent []string
	}{{
		name: "product",
		r:    billd.CheckoutSessionRequest{Kind: billd.CheckoutProduct, Lines: []billd.CheckoutLine{credits}},
		want: map[string]string{
			"mode":                                                          "payment",
			"line_items[0][price_data][currency]":                           "usd",
			"line_items[0][price_data][unit_amount]":                        "500",
			"line_items[0][price_data][product_data][name]":                 "1000 credits",
			"line_items[0][price_data][product_data][metadata][product_id]": "prod_credits",
			"line_items[0][quantity]":                                       "3",
			"payment_intent_data[metadata][checkout_id]":                    "chk_1",
			"payment_intent_data[setup_future_usage]":                       "off_session",
		},
		notSent: []string{"line_items[0][price_data][recurring][interval]", "subscription_data[metadata][checkout_id]", "currency"},
	}, {
		name: "subscription",
		r:    billd.CheckoutSessionRequest{Kind: billd.CheckoutSubscription, Lines: []billd.CheckoutLine{plan}, TrialDays: 14},
		want: map[string]string{
			"mode": "subscription",
			"line_items[0][price_data][recurring][interval]": "month",
			"line_items[0][price_data][unit_amount]":         "2900",
			"line_items[0][quantity]":                        "1",
			"subscription_data[trial_period_days]":           "14",
			"subscription_data[metadata][checkout_id]":       "chk_1",
		},
		notSent: []string{"payment_intent_data[setup_future_usage]"},
	}, {
		name:    "setup",
		r:       billd.CheckoutSessionRequest{Kind: billd.CheckoutSetup},
		want:    map[string]string{"mode": "setup", "currency": "usd", "setup_intent_data[metadata][checkout_id]": "chk_1"},
		notSent: []string{"line_items[0][quantity]"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, rec := testProvider(t)
			tt.r.CheckoutID, tt.r.CustomerID, tt.r.Currency = "chk_1", "cus_1", "usd"
			tt.r.SuccessURL, tt.r.CancelURL = "https://app.test/ok?c={{.CheckoutID}}", "https://app.test/cancel"
			tt.r.ExpiresAt = testNow.Add(2 * time.Hour)
			c, err := p.CreateCheckout(context.Background(), tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(c.ID, "cs_") || !strings.HasPrefix(c.URL, "https://") || c.CheckoutID != "chk_1" ||
				c.State != billd.CheckoutOpen || c.PaymentStatus != billd.PaymentUnpaid {
				t.Errorf("checkout = %+v", c)
			}
			req := rec.last(t, http.MethodPost, "/v1/checkout/sessions")
			wantForm(t, req, tt.want)
			wantForm(t, req, map[string]string{
				"client_reference_id": "chk_1", "metadata[checkout_id]": "chk_1", "customer": "cus_1",
				"success_url": tt.r.SuccessURL, "cancel_url": tt.r.CancelURL,
				"expires_at": strconv.FormatInt(tt.r.ExpiresAt.Unix(), 10),
			})
			noForm(t, req, tt.notSent...)
			if got := req.Header.Get("Idempotency-Key"); got != "billd-checkout-chk_1" {
				t.Errorf("Idempotency-Key = %q", got)
			}
		})
	}
}

func TestCreateCheckoutClampsExpiry(t *testing.T) {
	for _, tt := range []struct {
		expires time.Time
		want    string // expires_at sent; "" = left out
	}{
		{time.Time{}, ""},
		{testNow.Add(5 * time.Minute), strconv.FormatInt(testNow.Add(31*time.Minute).Unix(), 10)},
		{testNow.Add(-time.Hour), strconv.FormatInt(testNow.Add(31*time.Minute).Unix(), 10)},
		{testNow.Add(48 * time.Hour), strconv.FormatInt(testNow.Add(24*time.Hour-time.Minute).Unix(), 10)},
		{testNow.Add(3 * time.Hour), strconv.FormatInt(testNow.Add(3*time.Hour).Unix(), 10)},
	} {
		p, rec := testProvider(t)
		_, err := p.CreateCheckout(context.Background(), billd.CheckoutSessionRequest{
			CheckoutID: "chk_1", Kind: billd.CheckoutSetup, Currency: "usd", SuccessURL: "https://app.test/ok", ExpiresAt: tt.expires,
		})
		if err != nil {
			t.Fatal(err)
		}
		req := rec.last(t, http.MethodPost, "/v1/checkout/sessions")
		if tt.want == "" {
			noForm(t, req, "expires_at")
		} else {
			wantForm(t, req, map[string]string{"expires_at": tt.want})
		}
	}
}

func TestCreateCheckoutRefusesBadRequests(t *testing.T) {
	p, rec := testProvider(t)
	for _, r := range []billd.CheckoutSessionRequest{
		{CheckoutID: "chk_1", Kind: "gift", Currency: "usd"},
		{CheckoutID: "chk_1", Kind: billd.CheckoutProduct, Currency: "usd"},
	} {
		if _, err := p.CreateCheckout(context.Background(), r); billd.ErrorCode(err) != billd.EINVALID {
			t.Errorf("CreateCheckout(%+v) = %v, want EINVALID", r, err)
		}
	}
	if n := len(rec.all()); n != 0 {
		t.Errorf("%d requests sent for refused checkouts", n)
	}
}

func TestCheckout(t *testing.T) {
	p, rec := testProvider(t)
	c, err := p.Checkout(context.Background(), "cs_test_1")
	if err != nil {
		t.Fatal(err)
	}
	req := rec.last(t, http.MethodGet, "/v1/checkout/sessions/cs_test_1")
	expand := strings.Join(req.Form["expand[0]"], "") + "," + strings.Join(req.Form["expand[1]"], "") + "," + strings.Join(req.Form["expand[2]"], "")
	if expand != "payment_intent.payment_method,setup_intent.payment_method,subscription.default_payment_method" {
		t.Errorf("expand = %q (form %v)", expand, req.Form)
	}
	if c.ID != "cs_test_1" || c.State != billd.CheckoutOpen || c.PaymentStatus != billd.PaymentUnpaid {
		t.Errorf("checkout = %+v", c)
	}
	if !strings.HasPrefix(c.SubscriptionID, "sub_") || c.CurrentPeriod.End.IsZero() {
		t.Errorf("subscription %q, period %v: want the expanded subscription's", c.SubscriptionID, c.CurrentPeriod)
	}
	if m := c.PaymentMethod; m == nil || !strings.HasPrefix(m.ProviderID, "pm_") || m.CardLast4 == "" || m.CardBrand == "" {
		t.Errorf("payment method = %+v, want the expanded card", m)
	}
}

// A completed session read back: billd's id from client_reference_id, else from metadata.
func TestCheckoutMapsCompletedSession(t *testing.T) {
	p, rec := testProvider(t)
	rec.rewrite(http.MethodGet, "/v1/checkout/sessions/cs_paid", patchJSON(map[string]any{
		"status": "complete", "payment_status": "paid", "client_reference_id": nil, "mode": "payment",
		"metadata": map[string]any{"checkout_id": "chk_9"},
	}))
	c, err := p.Checkout(context.Background(), "cs_paid")
	if err != nil {
		t.Fatal(err)
	}
	if c.State != billd.CheckoutComplete || c.PaymentStatus != billd.PaymentPaid || c.CheckoutID != "chk_9" {
		t.Errorf("checkout = %+v", c)
	}
}

func TestExpireCheckout(t *testing.T) {
	p, rec := testProvider(t)
	if err := p.ExpireCheckout(context.Background(), "cs_test_1"); err != nil {
		t.Fatal(err)
	}
	rec.last(t, http.MethodPost, "/v1/checkout/sessions/cs_test_1/expire")
}

// Expiring a session that has expired already is done; one that was paid cannot be.
func TestExpireCheckoutNotOpen(t *testing.T) {
	for _, tt := range []struct {
		status string
		want   string
	}{{"expired", ""}, {"complete", billd.EPRECONDITION}} {
		p, rec := testProvider(t)
		rec.rewrite(http.MethodPost, "/v1/checkout/sessions/cs_1/expire", func(int, []byte) (int, []byte) {
			return http.StatusBadRequest, stripeErrorBody("invalid_request_error", "", "Only Checkout Sessions with a status in [open] can be expired.")
		})
		rec.rewrite(http.MethodGet, "/v1/checkout/sessions/cs_1", patchJSON(map[string]any{"status": tt.status}))
		err := p.ExpireCheckout(context.Background(), "cs_1")
		if billd.ErrorCode(err) != tt.want {
			t.Errorf("status %s: ExpireCheckout = %v, want code %q", tt.status, err, tt.want)
		}
	}
}
