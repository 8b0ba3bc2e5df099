package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/billd/billd/sqlstore/sqltest"
)

// subscriptionFields are the fields of a subscription: Frontier's, then billd's.
var subscriptionFields = []string{"id", "customer_id", "provider_id", "plan_id", "state", "metadata", "created_at", "updated_at",
	"canceled_at", "ended_at", "trial_ends_at", "current_period_start_at", "current_period_end_at", "billing_cycle_anchor_at",
	"phases", "customer", "plan", "quantity", "cancel_at_period_end"}

// orgSubscriptions is the path of w's organization's subscriptions, without an account.
func (w *checkoutWorld) orgSubscriptions(suffix string) string {
	return "/v1beta1/organizations/" + w.orgID + "/billing/subscriptions" + suffix
}

// subscriptionsOf lists the subscriptions at path as as, and returns them.
func subscriptionsOf(t *testing.T, s *server, path string, as creds) []any {
	t.Helper()
	list := keys(t, path, s.ok(req{method: "GET", path: path, as: &as}), "subscriptions", "next_page_token")
	items, _ := list["subscriptions"].([]any)
	return items
}

// entitled asks whether the organization of org_id in body is entitled to its feature, on path.
func entitled(t *testing.T, s *server, path string, as creds, body map[string]any) bool {
	t.Helper()
	status, ok := keys(t, "entitlement", s.ok(req{method: "POST", path: path, as: &as, body: body}), "status")["status"].(bool)
	if !ok {
		t.Fatalf("POST %s: status is not a boolean", path)
	}
	return status
}

// TestSubscriptionREST follows a subscription over REST: paid on the sandbox's page, listed and
// read on every path, its metadata updated, its entitlement checked (and refused to another
// organization's client), its trial and upcoming invoice, its plan changed and the change
// cancelled, then cancelled at the period's end and at once. A delegated subscription is listed
// too, and nobody sees another organization's subscription.
func TestSubscriptionREST(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	a, b := newCheckoutWorld(t, s), newCheckoutWorld(t, s)
	feature, next := a.plan+"-gpu", a.plan+"-next"
	s.ok(req{method: "POST", path: "/v1beta1/billing/features", body: map[string]any{"body": map[string]any{"name": feature, "product_ids": []any{a.basic}}}})
	s.ok(req{method: "POST", path: "/v1beta1/billing/plans", body: map[string]any{"body": map[string]any{
		"name": next, "interval": "month", "products": []any{map[string]any{"name": a.basic}}}}})
	planID := str(t, obj(t, s.ok(req{method: "GET", path: "/v1beta1/billing/plans/" + a.plan}), "plan"), "id")
	nextID := str(t, obj(t, s.ok(req{method: "GET", path: "/v1beta1/billing/plans/" + next}), "plan"), "id")
	member := a.client(t, s, "member")

	// Subscribe on the sandbox's page.
	c := a.openCheckout(t, s, map[string]any{"subscription_body": map[string]any{"plan": a.plan}})
	if status, _ := payOnPage(t, s, str(t, c, "checkout_url"), "pay", testCard); status != http.StatusSeeOther {
		t.Fatalf("pay: %d, want 303", status)
	}
	if got := obj(t, s.ok(req{method: "GET", path: a.orgCheckouts("/" + str(t, c, "id")), as: &a.owner}), "checkout_session"); got["state"] != "complete" {
		t.Fatalf("the paid checkout: %v", got)
	}

	// Listed on every path, read on every path.
	var sub map[string]any
	for _, path := range []string{a.account("/subscriptions"), a.orgSubscriptions(""), a.orgSubscriptions("?billing_id=" + a.accountID),
		a.orgSubscriptions("?state=active&plan=" + a.plan)} {
		items := subscriptionsOf(t, s, path, member)
		if len(items) != 1 {
			t.Fatalf("GET %s: %v, want the subscription", path, items)
		}
		sub = keys(t, "subscription", items[0], subscriptionFields...)
	}
	id := str(t, sub, "id")
	for k, want := range map[string]any{"customer_id": a.accountID, "plan_id": planID, "state": "active", "quantity": "1",
		"cancel_at_period_end": false, "customer": nil, "plan": nil, "canceled_at": nil, "billing_cycle_anchor_at": nil} {
		if sub[k] != want {
			t.Errorf("subscription %s = %v, want %v", k, sub[k], want)
		}
	}
	periodEnd := timestamp(t, "current_period_end_at", sub["current_period_end_at"])
	if start := timestamp(t, "current_period_start_at", sub["current_period_start_at"]); !periodEnd.Equal(start.AddDate(0, 1, 0)) ||
		str(t, sub, "provider_id") == "" || len(sub["phases"].([]any)) != 0 {
		t.Errorf("subscription: %v", sub)
	}
	for _, path := range []string{a.orgSubscriptions("?state=canceled"), a.orgSubscriptions("?plan=" + next)} {
		if items := subscriptionsOf(t, s, path, admin); len(items) != 0 {
			t.Errorf("GET %s: %v, want none", path, items)
		}
	}
	for _, path := range []string{a.account("/subscriptions/" + id), a.orgSubscriptions("/" + id), a.orgSubscriptions("/" + id + "?billing_id=" + a.accountID)} {
		if got := obj(t, s.ok(req{method: "GET", path: path, as: &member}), "subscription"); got["id"] != id {
			t.Errorf("GET %s: %v", path, got)
		}
	}
	expanded := obj(t, s.ok(req{method: "GET", path: a.orgSubscriptions("/" + id + "?expand=customer&expand=plan")}), "subscription")
	if obj(t, expanded, "customer")["id"] != a.accountID || obj(t, expanded, "plan")["name"] != a.plan {
		t.Errorf("expanded subscription: %v", expanded)
	}

	// Metadata, on both update paths; a member may read, not write.
	for i, r := range []req{
		{method: "PUT", path: a.account("/subscriptions/" + id), body: map[string]any{"metadata": map[string]any{"team": "ml"}}},
		{method: "POST", path: a.orgSubscriptions("/" + id), body: map[string]any{"billing_id": a.accountID, "metadata": map[string]any{"team": "ai"}}},
	} {
		r.as = &a.owner
		want := []string{"ml", "ai"}[i]
		if got := obj(t, obj(t, s.ok(r), "subscription"), "metadata"); got["team"] != want {
			t.Errorf("%s %s: metadata %v, want team %s", r.method, r.path, got, want)
		}
	}
	s.fails(req{method: "PUT", path: a.account("/subscriptions/" + id), as: &member, body: map[string]any{}}, 403, 7, "not authorized")
	s.fails(req{method: "POST", path: a.account("/subscriptions/" + id + "/cancel"), as: &member, body: map[string]any{}}, 403, 7, "not authorized")

	// Entitlements: a's, on both paths; b has none; b's client may not ask about a.
	check := map[string]any{"feature": feature}
	if !entitled(t, s, a.account("/check"), a.owner, check) ||
		!entitled(t, s, "/v1beta1/organizations/billing/check", member, map[string]any{"org_id": a.orgID, "feature": feature}) ||
		!entitled(t, s, "/v1beta1/organizations/billing/check", member, map[string]any{"project_id": a.projectID, "feature": feature}) {
		t.Error("a is not entitled to the feature of its plan")
	}
	s.fails(req{method: "POST", path: "/v1beta1/organizations/billing/check", as: &b.owner,
		body: map[string]any{"project_id": a.projectID, "feature": feature}}, 404, 5, "project not found")
	if entitled(t, s, "/v1beta1/organizations/billing/check", b.owner, map[string]any{"org_id": b.orgID, "feature": feature}) {
		t.Error("b is entitled without a subscription")
	}
	s.fails(req{method: "POST", path: "/v1beta1/organizations/billing/check", as: &b.owner, body: map[string]any{"org_id": a.orgID, "feature": feature}}, 403, 7, "not authorized")
	s.fails(req{method: "POST", path: a.account("/check"), as: &b.owner, body: check}, 403, 7, "not authorized")
	s.fails(req{method: "POST", path: a.account("/check"), body: map[string]any{"feature": "no-such-feature"}}, 404, 5, "feature not found")

	// Trials, and the next renewal's invoice.
	for plan, want := range map[string]bool{a.plan: true, next: false} {
		if got := s.ok(req{method: "GET", path: a.account("/plans/" + plan + "/trialed"), as: &member})["trialed"]; got != want {
			t.Errorf("trialed %s: %v, want %v", plan, got, want)
		}
	}
	s.fails(req{method: "GET", path: a.account("/plans/no-such-plan/trialed")}, 404, 5, "plan not found")
	upcoming := obj(t, s.ok(req{method: "GET", path: "/v1beta1/organizations/" + a.orgID + "/billing/invoices/upcoming", as: &a.owner}), "invoice")
	if upcoming["amount"] != "900" || upcoming["currency"] != "usd" || upcoming["state"] != "draft" || upcoming["customer_id"] != a.accountID ||
		!timestamp(t, "period_start_at", upcoming["period_start_at"]).Equal(periodEnd) {
		t.Errorf("upcoming invoice: %v", upcoming)
	}
	if none := obj(t, s.ok(req{method: "GET", path: b.account("/invoices/upcoming")}), "invoice"); none["id"] != "" || none["amount"] != "0" || none["created_at"] != nil {
		t.Errorf("upcoming invoice of an account without a subscription: %v, want an empty one", none)
	}
	s.fails(req{method: "GET", path: a.account("/invoices/upcoming"), as: &member}, 403, 7, "not authorized")

	checkChanges(t, s, a, id, planID, nextID, periodEnd)
	checkCancel(t, s, a, id, feature, periodEnd)

	// A delegated subscription is listed as any other.
	delegated := obj(t, s.ok(req{method: "POST", path: "/v1beta1/admin/organizations/" + b.orgID + "/billing/" + b.accountID + "/checkouts",
		body: map[string]any{"subscription_body": map[string]any{"plan": b.plan}}}), "subscription")
	items := subscriptionsOf(t, s, b.orgSubscriptions(""), b.owner)
	if len(items) != 1 || items[0].(map[string]any)["id"] != delegated["id"] || items[0].(map[string]any)["provider_id"] != "" ||
		obj(t, items[0].(map[string]any), "metadata")["delegated"] != true {
		t.Errorf("b's subscriptions after a delegated checkout: %v", items)
	}

	// Nobody sees another organization's subscription.
	bID := str(t, delegated, "id")
	for _, r := range []req{
		{method: "GET", path: b.orgSubscriptions("/" + id), as: &b.owner},
		{method: "GET", path: b.account("/subscriptions/" + id), as: &b.owner},
		{method: "GET", path: b.orgSubscriptions("/" + id)},
		{method: "GET", path: a.orgSubscriptions("/" + id + "?billing_id=" + b.accountID)},
		{method: "GET", path: a.orgSubscriptions("/" + bID), as: &a.owner},
		{method: "PUT", path: b.account("/subscriptions/" + id), body: map[string]any{"metadata": map[string]any{}}},
		{method: "POST", path: b.orgSubscriptions("/" + id + "/cancel"), body: map[string]any{}},
		{method: "POST", path: b.orgSubscriptions("/" + id + "/change"), body: map[string]any{"plan_change": map[string]any{"plan": next}}},
	} {
		s.fails(r, 404, 5, "subscription not found")
	}
	s.fails(req{method: "GET", path: a.orgSubscriptions("/" + id), as: &b.owner}, 403, 7, "not authorized")
	s.fails(req{method: "GET", path: a.orgSubscriptions("/not-a-uuid")}, 400, 3, "must be a UUID")
}

// checkChanges changes a's subscription id's plan and back: both changes at once or none are
// refused with Frontier's messages; a plan change is scheduled for the period's end (a phase of
// the subscription) and cancelled; the older top-level fields work too.
func checkChanges(t *testing.T, s *server, a *checkoutWorld, id, planID, nextID string, periodEnd time.Time) {
	t.Helper()
	change := a.account("/subscriptions/" + id + "/change")
	s.fails(req{method: "POST", path: change, as: &a.owner, body: map[string]any{"plan_change": map[string]any{"plan": nextID},
		"phase_change": map[string]any{"cancel_upcoming_changes": true}}}, 400, 3, "cannot change plan and cancel upcoming changes at the same time")
	s.fails(req{method: "POST", path: change, as: &a.owner, body: map[string]any{}}, 400, 3, "no change requested")
	s.fails(req{method: "POST", path: change, as: &a.owner, body: map[string]any{"plan_change": map[string]any{"plan": planID}}}, 400, 3, "already on same plan")
	phases := func() []any {
		t.Helper()
		return obj(t, s.ok(req{method: "GET", path: a.orgSubscriptions("/" + id)}), "subscription")["phases"].([]any)
	}
	for _, r := range []req{
		{method: "POST", path: change, body: map[string]any{"plan_change": map[string]any{"plan": nextID}}},
		{method: "POST", path: a.orgSubscriptions("/" + id + "/change"), body: map[string]any{"plan": nextID, "immediate": false}},
	} {
		r.as = &a.owner
		ph := keys(t, "phase", obj(t, s.ok(r), "phase"), "effective_at", "plan_id", "reason")
		if ph["plan_id"] != nextID || ph["reason"] != "change" || !timestamp(t, "effective_at", ph["effective_at"]).Equal(periodEnd) {
			t.Errorf("%s: phase %v, want a change to %s at %s", r.path, ph, nextID, periodEnd)
		}
		if got := phases(); len(got) != 1 || got[0].(map[string]any)["plan_id"] != nextID {
			t.Errorf("phases after a change: %v", got)
		}
		ph = obj(t, s.ok(req{method: "POST", path: change, as: &a.owner, body: map[string]any{"phase_change": map[string]any{"cancel_upcoming_changes": true}}}), "phase")
		if ph["plan_id"] != planID {
			t.Errorf("phase after the change was cancelled: %v, want plan %s", ph, planID)
		}
		if got := phases(); len(got) != 0 {
			t.Errorf("phases after the change was cancelled: %v", got)
		}
	}
}

// checkCancel cancels a's subscription id at the end of its period (it still entitles), then at
// once (it no longer does); a third cancel is refused.
func checkCancel(t *testing.T, s *server, a *checkoutWorld, id, feature string, periodEnd time.Time) {
	t.Helper()
	atEnd := obj(t, s.ok(req{method: "POST", path: a.account("/subscriptions/" + id + "/cancel"), as: &a.owner, body: map[string]any{}}), "subscription")
	phases := atEnd["phases"].([]any)
	if atEnd["state"] != "active" || atEnd["cancel_at_period_end"] != true || len(phases) != 1 ||
		phases[0].(map[string]any)["reason"] != "cancel" || !timestamp(t, "effective_at", phases[0].(map[string]any)["effective_at"]).Equal(periodEnd) {
		t.Errorf("cancelled at the period's end: %v", atEnd)
	}
	check := map[string]any{"feature": feature}
	if !entitled(t, s, a.account("/check"), a.owner, check) {
		t.Error("not entitled before the period's end")
	}
	now := obj(t, s.ok(req{method: "POST", path: a.orgSubscriptions("/" + id + "/cancel"), as: &a.owner, body: map[string]any{"immediate": true}}), "subscription")
	if now["state"] != "canceled" || now["ended_at"] == nil || now["canceled_at"] == nil {
		t.Errorf("cancelled at once: %v", now)
	}
	if entitled(t, s, a.account("/check"), a.owner, check) {
		t.Error("entitled after the subscription was cancelled")
	}
	s.fails(req{method: "POST", path: a.account("/subscriptions/" + id + "/cancel"), as: &a.owner, body: map[string]any{"immediate": true}}, 400, 9, "subscription is canceled")
}
