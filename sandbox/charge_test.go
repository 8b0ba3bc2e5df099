package sandbox

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/billd/billd"
)

// savedCard pays a product checkout with number and returns the customer and the card's id.
func savedCard(t *testing.T, e *env, number string) (customerID, methodID string) {
	t.Helper()
	c, _ := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	if status, _, body := e.post(t, "/checkout/"+c.ID+"/pay", cardValues(number)); status != http.StatusSeeOther {
		t.Fatalf("pay with %s: %d\n%s", number, status, body)
	}
	ds := e.rec.all()
	ev := e.parse(t, ds[len(ds)-1])
	return ev.CustomerID, ev.Checkout.PaymentMethod.ProviderID
}

func TestChargeIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	customerID, methodID := savedCard(t, e, CardSuccess)
	r := billd.ChargeRequest{IdempotencyKey: "recharge-1", CustomerID: customerID, MethodID: methodID, Amount: 500, Currency: "usd"}
	first, err := e.p.Charge(ctx, r)
	if err != nil || !first.Paid || first.Reason != "" {
		t.Fatalf("charge: %+v, %v", first, err)
	}
	again, err := e.p.Charge(ctx, r)
	if err != nil || *again != *first {
		t.Errorf("the same key again: %+v, %v; want %+v", again, err, first)
	}
	other, err := e.p.Charge(ctx, billd.ChargeRequest{IdempotencyKey: "recharge-2", CustomerID: customerID, Amount: 500, Currency: "usd"})
	if err != nil || !other.Paid || other.ID == first.ID {
		t.Errorf("another key, the default card: %+v, %v", other, err)
	}
	r.Amount = 600
	_, err = e.p.Charge(ctx, r)
	wantCode(t, err, billd.ECONFLICT)
}

func TestChargeDeclines(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	customerID, offSession := savedCard(t, e, CardDeclineOffSession)
	other, otherCard := savedCard(t, e, CardSuccess)
	charge := func(key, customer, method string) *billd.ChargeResult {
		t.Helper()
		res, err := e.p.Charge(ctx, billd.ChargeRequest{IdempotencyKey: key, CustomerID: customer, MethodID: method, Amount: 100, Currency: "usd"})
		if err != nil {
			t.Fatalf("charge %s: %v", key, err)
		}
		return res
	}
	for _, tc := range []struct {
		key, customer, method, reason string
	}{
		{"0341", customerID, offSession, ReasonDeclined},
		{"0341 default", customerID, "", ReasonDeclined},
		{"another's card", customerID, otherCard, ReasonUnknownMethod},
		{"unknown card", customerID, "pm_nope", ReasonUnknownMethod},
		{"no customer", "cus_sbx_nobody", "", ReasonNoMethod},
	} {
		if res := charge(tc.key, tc.customer, tc.method); res.Paid || res.Reason != tc.reason || res.ID == "" {
			t.Errorf("%s: %+v, want declined %q", tc.key, res, tc.reason)
		}
	}
	if err := e.p.DetachPaymentMethod(ctx, otherCard); err != nil {
		t.Fatal(err)
	}
	if res := charge("detached", other, otherCard); res.Paid || res.Reason != ReasonUnknownMethod {
		t.Errorf("a detached card: %+v", res)
	}
	if res := charge("detached default", other, ""); res.Paid || res.Reason != ReasonNoMethod {
		t.Errorf("the customer's default was detached: %+v", res)
	}
}

func TestChargeOfAnExpiredCardIsDeclined(t *testing.T) {
	e := newEnv(t)
	customerID, methodID := savedCard(t, e, CardSuccess) // expires 12/2030
	e.clock.Set(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))
	res, err := e.p.Charge(context.Background(), billd.ChargeRequest{IdempotencyKey: "k", CustomerID: customerID, MethodID: methodID, Amount: 1, Currency: "usd"})
	if err != nil || res.Paid || res.Reason != ReasonExpired {
		t.Errorf("charge of an expired card: %+v, %v", res, err)
	}
}

func TestChargeOfAForgottenCardUsesItsID(t *testing.T) {
	e := newEnv(t)
	customerID, good := savedCard(t, e, CardSuccess)
	_, bad := savedCard(t, e, CardDeclineOffSession)
	restarted := newEnv(t).p // billd restarted: the sandbox forgot everything
	for method, paid := range map[string]bool{good: true, bad: false} {
		res, err := restarted.Charge(context.Background(), billd.ChargeRequest{IdempotencyKey: method, CustomerID: customerID,
			MethodID: method, Amount: 1, Currency: "usd"})
		if err != nil || res.Paid != paid {
			t.Errorf("charge of forgotten card %s: %+v, %v; want paid %t", method, res, err, paid)
		}
	}
}

func TestChargeRefusesBadRequests(t *testing.T) {
	e := newEnv(t)
	for name, r := range map[string]billd.ChargeRequest{
		"no key":      {CustomerID: "cus_sbx_1", Amount: 1, Currency: "usd"},
		"no customer": {IdempotencyKey: "k", Amount: 1, Currency: "usd"},
		"zero":        {IdempotencyKey: "k", CustomerID: "cus_sbx_1", Currency: "usd"},
		"negative":    {IdempotencyKey: "k", CustomerID: "cus_sbx_1", Amount: -1, Currency: "usd"},
		"no currency": {IdempotencyKey: "k", CustomerID: "cus_sbx_1", Amount: 1},
	} {
		_, err := e.p.Charge(context.Background(), r)
		if billd.ErrorCode(err) != billd.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

func TestPaymentMethodsDefaultAndDetach(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	customerID, first := savedCard(t, e, CardSuccess)
	// A second card, for the same customer: a setup checkout.
	c := &billd.Checkout{ID: "chk-setup", Kind: billd.CheckoutSetup, Provider: Name, Currency: "usd", State: billd.CheckoutOpen,
		ExpireAt: testStart.Add(time.Hour)}
	if _, err := e.p.CreateCheckout(ctx, billd.CheckoutSessionRequest{CheckoutID: c.ID, Kind: c.Kind, CustomerID: customerID,
		Currency: "usd", ExpiresAt: c.ExpireAt}); err != nil {
		t.Fatal(err)
	}
	e.app.put(c, nil)
	if status, _, _ := e.post(t, "/checkout/chk-setup/pay", cardValues(CardDeclineOffSession)); status != http.StatusSeeOther {
		t.Fatalf("setup: %d", status)
	}
	methods, err := e.p.PaymentMethods(ctx, customerID)
	if err != nil || len(methods) != 2 || methods[0].ProviderID != first || methods[0].Default || !methods[1].Default {
		t.Fatalf("two cards, the newest default: %+v, %v", methods, err)
	}
	if err := e.p.SetDefaultPaymentMethod(ctx, customerID, first); err != nil {
		t.Fatal(err)
	}
	if methods, _ = e.p.PaymentMethods(ctx, customerID); !methods[0].Default || methods[1].Default {
		t.Errorf("after SetDefault: %+v", methods)
	}
	wantCode(t, e.p.SetDefaultPaymentMethod(ctx, customerID, "pm_nope"), billd.ENOTFOUND)
	wantCode(t, e.p.SetDefaultPaymentMethod(ctx, "cus_sbx_nobody", first), billd.ENOTFOUND)
	if err := e.p.DetachPaymentMethod(ctx, first); err != nil {
		t.Fatal(err)
	}
	if err := e.p.DetachPaymentMethod(ctx, first); err != nil {
		t.Errorf("detach twice: %v", err)
	}
	if methods, _ = e.p.PaymentMethods(ctx, customerID); len(methods) != 1 || methods[0].ProviderID == first || methods[0].Default {
		t.Errorf("after detaching the default: %+v", methods)
	}
	wantCode(t, e.p.SetDefaultPaymentMethod(ctx, customerID, first), billd.ENOTFOUND)
	wantCode(t, e.p.DetachPaymentMethod(ctx, "card_1"), billd.ENOTFOUND)
	if err := e.p.DetachPaymentMethod(ctx, "pm_sbx_42421230_forgotten"); err != nil {
		t.Errorf("detach a forgotten card: %v", err)
	}
	if _, err := e.p.PaymentMethods(ctx, "cus_stripe"); billd.ErrorCode(err) != billd.ENOTFOUND {
		t.Errorf("PaymentMethods of another provider's customer: %v", err)
	}
	if methods, err := e.p.PaymentMethods(ctx, "cus_sbx_forgotten"); err != nil || methods == nil || len(methods) != 0 {
		t.Errorf("PaymentMethods of a forgotten customer: %+v, %v", methods, err)
	}
}
