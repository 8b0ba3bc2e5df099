package billd

import (
	"time"
)

// The notices of the changes that webhook receivers hear about, each written by the use case in
// the transaction of its change. Their payloads name the object and the facts a receiver acts on;
// the receiver reads the rest through the API.

// checkoutNotice is checkout.completed: a checkout was paid (or its setup done) and fulfilled.
func checkoutNotice(c *Checkout, at time.Time) Notice {
	return newNotice(NoticeCheckoutCompleted, c.ID, c.OrgID, c.AccountID, map[string]any{
		"checkout_id": c.ID, "kind": c.Kind, "plan_id": c.PlanID, "product_id": c.ProductID, "quantity": c.Quantity,
		"amount": c.Amount, "currency": c.Currency, "credits": c.Credits, "subscription_id": c.SubscriptionID,
	}, at)
}

// invoiceNotice is invoice.created or invoice.paid about inv.
func invoiceNotice(t NoticeType, inv *Invoice, at time.Time) Notice {
	return newNotice(t, inv.ID, inv.OrgID, inv.AccountID, map[string]any{
		"invoice_id": inv.ID, "kind": inv.Kind, "state": inv.State, "amount": inv.Amount, "currency": inv.Currency,
		"credits": inv.Credits, "due_at": inv.DueAt, "paid_at": inv.PaidAt,
	}, at)
}

// accountStateNotices returns the notice of an account's change from being suspended for wasFor
// (or not suspended, ""): account.suspended when it is now suspended (for abuse or payment) and was
// not suspended for that, account.reactivated when a suspension was lifted and it is active. An
// account disabled or enabled by its owner, without a suspension, has neither.
func accountStateNotices(wasFor string, a *BillingAccount, at time.Time) []Notice {
	var t NoticeType
	switch {
	case a.SuspendedFor != "" && a.SuspendedFor != wasFor:
		t = NoticeAccountSuspended
	case wasFor != "" && a.SuspendedFor == "" && a.State == AccountActive:
		t = NoticeAccountReactivated
	default:
		return nil
	}
	cause := a.ID + ":" + string(t) + ":" + at.Format(time.RFC3339Nano)
	return []Notice{newNotice(t, cause, a.OrgID, a.ID, map[string]any{
		"account_id": a.ID, "state": a.State, "reason": a.SuspendedFor, "previous_reason": wasFor,
	}, at)}
}
