package sandbox

import (
	"context"
	"time"

	"github.com/billd/billd"
)

// Charge takes money off-session from a saved card: r.MethodID, or the customer's default. It
// answers at once and delivers no event. A declined charge is a result, not an error: Paid is
// false and Reason says why (the 0341 card: "Your card was declined."; an expired card; no
// default card; a detached or unknown card), with Stripe's FailureCode and DeclineCode of it
// (card_declined and generic_decline for the 0341 card). The same IdempotencyKey returns the first result
// and charges nothing more. It returns EINVALID for a request without idempotency key or
// customer, or with an amount below 1 or no currency, and ECONFLICT for an idempotency key used
// by another charge.
func (p *Provider) Charge(ctx context.Context, r billd.ChargeRequest) (*billd.ChargeResult, error) {
	switch {
	case r.IdempotencyKey == "":
		return nil, billd.Errorf(billd.EINVALID, "sandbox: a charge needs an idempotency key")
	case r.CustomerID == "":
		return nil, billd.Errorf(billd.EINVALID, "sandbox: a charge needs a customer")
	case r.Amount < 1:
		return nil, billd.Errorf(billd.EINVALID, "sandbox: a charge's amount must be at least 1")
	case r.Currency == "":
		return nil, billd.Errorf(billd.EINVALID, "sandbox: a charge needs a currency")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if ch := p.mem.charges[r.IdempotencyKey]; ch != nil {
		if !sameCharge(ch.request, r) {
			return nil, billd.Errorf(billd.ECONFLICT, "sandbox: idempotency key %q was used for another charge", r.IdempotencyKey)
		}
		res := ch.result
		return &res, nil
	}
	reason := p.declineReason(r, p.clock())
	ch := &charge{request: r, result: billd.ChargeResult{ID: p.id("ch"), Paid: reason == "", Reason: reason}}
	ch.result.FailureCode, ch.result.DeclineCode = failureCodes(reason)
	p.mem.addCharge(ch)
	res := ch.result
	return &res, nil
}

// failureCodes are Stripe's codes of a decline reason: the failure code and the decline code.
func failureCodes(reason string) (string, string) {
	switch reason {
	case "":
		return "", ""
	case ReasonDeclined:
		return "card_declined", "generic_decline"
	case ReasonExpired:
		return "expired_card", ""
	case ReasonNoMethod:
		return "payment_method_missing", ""
	}
	return "resource_missing", ""
}

// sameCharge reports whether two requests under one idempotency key ask the same charge.
func sameCharge(a, b billd.ChargeRequest) bool {
	return a.CustomerID == b.CustomerID && a.MethodID == b.MethodID && a.Amount == b.Amount &&
		a.Currency == b.Currency
}

// declineReason returns why a charge is declined at now, "" if it pays.
func (p *Provider) declineReason(r billd.ChargeRequest, now time.Time) string {
	id := r.MethodID
	if id == "" {
		c := p.mem.customers[r.CustomerID]
		if c == nil || c.defaultMethod == "" {
			return ReasonNoMethod
		}
		id = c.defaultMethod
	}
	var card card
	if m := p.mem.methods[id]; m != nil {
		if m.detached || m.customerID != r.CustomerID {
			return ReasonUnknownMethod
		}
		card = m.card
	} else if c, ok := cardOfMethodID(id); ok {
		card = c // forgotten: the id tells the card
	} else {
		return ReasonUnknownMethod
	}
	switch {
	case card.expired(now):
		return ReasonExpired
	case card.declinesOffSession():
		return ReasonDeclined
	}
	return ""
}
