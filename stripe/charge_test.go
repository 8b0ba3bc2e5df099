package stripe

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/billd/billd"
)

func chargeRequest(method string) billd.ChargeRequest {
	return billd.ChargeRequest{IdempotencyKey: "recharge-acc_1-7", CustomerID: "cus_1", MethodID: method,
		Amount: 2500, Currency: "eur", Description: "auto-recharge"}
}

func TestChargeSendsAnOffSessionConfirmedIntent(t *testing.T) {
	p, rec := testProvider(t)
	rec.rewrite(http.MethodPost, "/v1/payment_intents", patchJSON(map[string]any{"status": "succeeded"}))
	res, err := p.Charge(context.Background(), chargeRequest("pm_1"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Paid || !strings.HasPrefix(res.ID, "pi_") || res.Reason != "" {
		t.Errorf("result = %+v, want paid", res)
	}
	req := rec.last(t, http.MethodPost, "/v1/payment_intents")
	wantForm(t, req, map[string]string{
		"amount": "2500", "currency": "eur", "customer": "cus_1", "payment_method": "pm_1",
		"confirm": "true", "off_session": "true", "description": "auto-recharge",
		"automatic_payment_methods[enabled]": "true", "automatic_payment_methods[allow_redirects]": "never",
	})
	if got := req.Header.Get("Idempotency-Key"); got != "recharge-acc_1-7" {
		t.Errorf("Idempotency-Key = %q", got)
	}
	for _, q := range rec.all() {
		if q.Path == "/v1/customers/cus_1" {
			t.Errorf("the customer was read although the method was given")
		}
	}
}

func TestChargeUsesTheDefaultMethod(t *testing.T) {
	p, rec := testProvider(t)
	setDefaultMethod(rec, "cus_1", "pm_default")
	if _, err := p.Charge(context.Background(), chargeRequest("")); err != nil {
		t.Fatal(err)
	}
	wantForm(t, rec.last(t, http.MethodPost, "/v1/payment_intents"), map[string]string{"payment_method": "pm_default"})
}

func TestChargeWithoutDefaultMethod(t *testing.T) {
	p, rec := testProvider(t) // stripe-mock's customer has no default method
	_, err := p.Charge(context.Background(), chargeRequest(""))
	if billd.ErrorCode(err) != billd.EPRECONDITION || !strings.HasPrefix(err.Error(), "stripe: charge: ") {
		t.Errorf("Charge = %v, want EPRECONDITION", err)
	}
	for _, q := range rec.all() {
		if q.Path == "/v1/payment_intents" {
			t.Error("a payment intent was sent without a method")
		}
	}
}

func TestChargeDeclinedIsAResult(t *testing.T) {
	p, rec := testProvider(t)
	rec.rewrite(http.MethodPost, "/v1/payment_intents", func(int, []byte) (int, []byte) {
		return http.StatusPaymentRequired, []byte(`{"error":{"type":"card_error","code":"card_declined",
			"decline_code":"insufficient_funds","message":"Your card has insufficient funds.",
			"payment_intent":{"id":"pi_declined","object":"payment_intent","status":"requires_payment_method"}}}`)
	})
	res, err := p.Charge(context.Background(), chargeRequest("pm_1"))
	if err != nil {
		t.Fatalf("Charge = %v, want a declined result", err)
	}
	if res.Paid || res.ID != "pi_declined" || res.Reason != "Your card has insufficient funds. (insufficient_funds)" ||
		res.FailureCode != "card_declined" || res.DeclineCode != "insufficient_funds" {
		t.Errorf("result = %+v", res)
	}
}

func TestChargeNotSucceeded(t *testing.T) {
	for status, reason := range map[string]string{
		"requires_action":         "the customer must authenticate the payment",
		"requires_payment_method": "the payment is requires_payment_method",
	} {
		p, rec := testProvider(t)
		rec.rewrite(http.MethodPost, "/v1/payment_intents", patchJSON(map[string]any{"status": status, "last_payment_error": nil}))
		res, err := p.Charge(context.Background(), chargeRequest("pm_1"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Paid || res.Reason != reason {
			t.Errorf("status %s: result = %+v, want unpaid, %q", status, res, reason)
		}
	}
}

func TestChargeLastPaymentErrorCodes(t *testing.T) {
	p, rec := testProvider(t)
	rec.rewrite(http.MethodPost, "/v1/payment_intents", patchJSON(map[string]any{"status": "requires_payment_method",
		"last_payment_error": map[string]any{"type": "card_error", "code": "card_declined", "decline_code": "do_not_honor",
			"message": "Your card was declined."}}))
	res, err := p.Charge(context.Background(), chargeRequest("pm_1"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Paid || res.Reason != "Your card was declined." || res.FailureCode != "card_declined" || res.DeclineCode != "do_not_honor" {
		t.Errorf("result = %+v", res)
	}
}
