package billd_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sandbox"
	"github.com/billd/billd/sqlstore/sqltest"
)

// advance moves the fixture's clock d ahead.
func (f *fixture) advance(d time.Duration) { f.ticks.Add(int64(d / time.Millisecond)) }

// subscribe pays a subscription checkout of plan for o with card and returns the subscription.
func (pf *payFixture) subscribe(t *testing.T, o org, plan, card string) *billd.Subscription {
	t.Helper()
	c, err := pf.svc.CreateCheckout(t.Context(), sys, billd.CheckoutRequest{OrgID: o.ID, BillingID: o.AccountID,
		Subscription: &billd.PlanPurchase{Plan: plan}})
	must(t, err)
	if code := pf.act(t, c.ID, "pay", card); code != http.StatusSeeOther {
		t.Fatalf("pay: status %d", code)
	}
	c = pf.checkout(t, o, c.ID)
	sub, err := pf.svc.GetSubscription(t.Context(), sys, o.ID, "", c.SubscriptionID)
	must(t, err)
	return sub
}

func TestEntitlementsFollowLiveSubscriptions(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixture(t, s)
		ctx := t.Context()
		_, _, err := pf.svc.UpdateProduct(ctx, sys, "pro-seat", billd.ProductInput{Name: "pro-seat", Behavior: billd.BehaviorBasic,
			Features: []string{"gpu"}, Prices: []billd.PriceInput{{Name: "monthly", Interval: "month", Currency: "usd", Amount: 2000}}})
		must(t, err)
		o, other := pf.newOrg(t), pf.newOrg(t)
		check := func(o org) bool {
			t.Helper()
			ok, err := pf.svc.CheckFeatureEntitlement(ctx, sys, o.ID, "", "gpu")
			must(t, err)
			return ok
		}
		if check(o) {
			t.Fatal("entitled without a subscription")
		}
		sub := pf.subscribe(t, o, "pro", sandbox.CardSuccess)
		if !check(o) || check(other) {
			t.Fatal("a live subscription does not entitle its organization alone")
		}
		_, err = pf.svc.CheckFeatureEntitlement(ctx, sys, o.ID, "", "nope")
		wantCode(t, err, billd.ENOTFOUND, "feature not found")
		owner := billd.Principal{ClientID: "owner", OrgID: other.ID, Role: billd.RoleOwner}
		_, err = pf.svc.CheckFeatureEntitlement(ctx, owner, o.ID, "", "gpu")
		wantCode(t, err, billd.EFORBIDDEN)
		_, err = pf.svc.CancelSubscription(ctx, sys, o.ID, "", sub.ID, true)
		must(t, err)
		if check(o) {
			t.Fatal("entitled after the subscription was cancelled")
		}
	})
}

// billd renews the sandbox's subscriptions: a paid renewal starts the next period with a paid
// invoice, a scheduled plan change moves in at the period's end, a declined card makes the
// subscription past_due, and one set to cancel ends.
func TestSandboxRenewals(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixture(t, s)
		ctx := t.Context()
		_, _, err := pf.svc.PutPlan(ctx, sys, billd.PlanInput{Name: "team", Interval: "month",
			Products: []billd.PlanProductInput{{Product: &billd.ProductInput{Name: "team-seat", Behavior: billd.BehaviorPerSeat,
				SeatLimit: 5, Prices: []billd.PriceInput{{Name: "seat", Interval: "month", Currency: "usd", Amount: 1000}}}}}})
		must(t, err)
		o := pf.newOrg(t)
		_, err = pf.svc.SetOrganizationSeats(ctx, sys, o.ID, 3)
		must(t, err)
		sub := pf.subscribe(t, o, "pro", sandbox.CardSuccess)
		upcoming, err := pf.svc.UpcomingInvoice(ctx, sys, o.ID, "")
		must(t, err)
		if upcoming == nil || upcoming.Amount != 2000 || !upcoming.PeriodStart.Equal(sub.CurrentPeriod.End) {
			t.Fatalf("upcoming invoice = %+v for %+v", upcoming, sub)
		}
		phase, err := pf.svc.ChangeSubscription(ctx, sys, o.ID, "", sub.ID, billd.PlanChange{Plan: "team"})
		must(t, err)
		if phase.PlanID == sub.PlanID || !phase.EffectiveAt.Equal(sub.CurrentPeriod.End) {
			t.Fatalf("phase = %+v", phase)
		}
		_, err = pf.svc.ChangeSubscription(ctx, sys, o.ID, "", sub.ID, billd.PlanChange{Plan: "pro"})
		wantCode(t, err, billd.EINVALID, "already on same plan")
		_, err = pf.svc.ChangeSubscription(ctx, sys, o.ID, "", sub.ID, billd.PlanChange{})
		wantCode(t, err, billd.EINVALID, "no change requested")

		pf.advance(sub.CurrentPeriod.End.Sub(pf.now()) + time.Hour)
		pf.svc.RunJobsOnce(ctx, 100)
		renewed, err := pf.svc.GetSubscription(ctx, sys, o.ID, "", sub.ID)
		must(t, err)
		if renewed.State != billd.SubscriptionActive || renewed.PlanID != phase.PlanID || len(renewed.PlanHistory) != 1 ||
			!renewed.CurrentPeriod.Start.Equal(sub.CurrentPeriod.End) {
			t.Fatalf("renewed subscription = %+v", renewed)
		}
		invoices, err := pf.svc.ListInvoices(ctx, sys, o.ID, "", true, billd.PageRequest{})
		must(t, err)
		if len(invoices.Items) != 1 || invoices.Items[0].Amount != 3000 || invoices.Items[0].State != billd.InvoicePaid {
			t.Fatalf("invoices after the renewal = %+v", invoices.Items)
		}
		pf.svc.RunJobsOnce(ctx, 100) // the same round again renews nothing
		invoices, err = pf.svc.ListInvoices(ctx, sys, o.ID, "", false, billd.PageRequest{})
		must(t, err)
		if len(invoices.Items) != 1 {
			t.Fatalf("%d invoices after a second round, want 1", len(invoices.Items))
		}
		trialed, err := pf.svc.HasTrialed(ctx, sys, o.ID, o.AccountID, "pro")
		must(t, err)
		if !trialed {
			t.Fatal("HasTrialed(pro) = false after a subscription to pro")
		}

		_, err = pf.svc.CancelSubscription(ctx, sys, o.ID, "", sub.ID, false)
		must(t, err)
		pf.advance(renewed.CurrentPeriod.End.Sub(pf.now()) + time.Hour)
		pf.svc.RunJobsOnce(ctx, 100)
		ended, err := pf.svc.GetSubscription(ctx, sys, o.ID, "", sub.ID)
		must(t, err)
		if ended.State != billd.SubscriptionEnded {
			t.Fatalf("subscription set to cancel, after its period = %+v", ended)
		}

		o2 := pf.newOrg(t)
		declining := pf.subscribe(t, o2, "pro", sandbox.CardDeclineOffSession)
		pf.advance(declining.CurrentPeriod.End.Sub(pf.now()) + time.Hour)
		pf.svc.RunJobsOnce(ctx, 100)
		pastDue, err := pf.svc.GetSubscription(ctx, sys, o2.ID, "", declining.ID)
		must(t, err)
		if pastDue.State != billd.SubscriptionPastDue || !pastDue.CurrentPeriod.End.Equal(declining.CurrentPeriod.End) {
			t.Fatalf("subscription whose renewal was declined = %+v", pastDue)
		}

		_, err = pf.svc.SetOrganizationSeats(ctx, sys, o2.ID, 6)
		must(t, err)
		_, err = pf.svc.CreateCheckout(ctx, sys, billd.CheckoutRequest{OrgID: o2.ID, BillingID: o2.AccountID,
			Subscription: &billd.PlanPurchase{Plan: "team"}})
		wantCode(t, err, billd.EPRECONDITION, "per seat limit reached: 6 seats, product team-seat allows 5")
	})
}

// An overdraft is billed exactly (rounded up once, never to zero), once per month, and paying the
// invoice gives the credits back once.
func TestOverdraftInvoices(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixtureConfig(t, s, billd.Config{Invoicing: billd.InvoicingConfig{Product: "micro"}}, nil)
		ctx := t.Context()
		// 1 cent buys 1000 credits: 0.001 cent per credit, which Frontier's truncation bills as 0.
		_, _, err := pf.svc.PutProduct(ctx, sys, billd.ProductInput{Name: "micro", Behavior: billd.BehaviorCredits,
			CreditAmount: 1000, Prices: []billd.PriceInput{{Name: "unit", Currency: "usd", Amount: 1}}})
		must(t, err)
		o := pf.newOrg(t)
		pf.setCreditMin(t, o, -5000)
		pf.use(t, o, 2500)

		made, err := pf.svc.GenerateInvoices(ctx, sys)
		must(t, err)
		again, err := pf.svc.GenerateInvoices(ctx, sys)
		must(t, err)
		if made != 1 || again != 0 {
			t.Fatalf("generated %d then %d invoices, want 1 then 0", made, again)
		}
		page, err := pf.svc.ListAllInvoices(ctx, sys, o.ID, billd.PageRequest{})
		must(t, err)
		inv := page.Items[0]
		if len(page.Items) != 1 || inv.Credits != 2500 || inv.Amount != 3 || inv.State != billd.InvoiceOpen || inv.Kind != billd.InvoiceOverdraft {
			t.Fatalf("overdraft invoice = %+v (want 2500 credits for 3 cents, open)", inv)
		}
		for range 2 {
			_, err = pf.svc.MarkInvoicePaid(ctx, sys, o.ID, o.AccountID, inv.ID)
			must(t, err)
		}
		pf.wantBalance(t, o, 0)
		pf.svc.RunJobsOnce(ctx, 100)
		pf.wantBalance(t, o, 0)
		owner := billd.Principal{ClientID: "owner", OrgID: o.ID, Role: billd.RoleOwner}
		_, err = pf.svc.MarkInvoicePaid(ctx, owner, o.ID, o.AccountID, inv.ID)
		wantCode(t, err, billd.EFORBIDDEN)
		pf.wantNoProblems(t)
	})
}

// An invoice unpaid past its due date suspends its account for payment: usage is refused, saying
// why, until the invoice is paid. An admin's suspension for abuse holds until the account is
// enabled again.
func TestSuspensions(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixtureConfig(t, s, billd.Config{Invoicing: billd.InvoicingConfig{Product: "micro"}}, nil)
		ctx := t.Context()
		_, _, err := pf.svc.PutProduct(ctx, sys, billd.ProductInput{Name: "micro", Behavior: billd.BehaviorCredits,
			CreditAmount: 100, Prices: []billd.PriceInput{{Name: "unit", Currency: "usd", Amount: 100}}})
		must(t, err)
		o := pf.newOrg(t)
		pf.setCreditMin(t, o, -1000)
		pf.use(t, o, 300)
		_, err = pf.svc.GenerateInvoices(ctx, sys)
		must(t, err)
		page, err := pf.svc.ListAllInvoices(ctx, sys, o.ID, billd.PageRequest{})
		must(t, err)
		inv := page.Items[0]

		pf.svc.RunJobsOnce(ctx, 100) // not due yet
		pf.use(t, o, 10)
		pf.advance(time.Duration(billd.DefaultDueInDays+1) * 24 * time.Hour)
		pf.svc.RunJobsOnce(ctx, 100)
		wantCode(t, pf.report(t, o, usage(1)), billd.EPRECONDITION, "billing account is suspended for an unpaid invoice")
		a, err := pf.svc.BillingAccount(ctx, sys, o.ID, o.AccountID)
		must(t, err)
		if a.State != billd.AccountDisabled || a.SuspendedFor != billd.SuspendedForPayment {
			t.Fatalf("account with an overdue invoice = %+v", a)
		}
		_, err = pf.svc.MarkInvoicePaid(ctx, sys, o.ID, o.AccountID, inv.ID)
		must(t, err)
		pf.use(t, o, 1) // reactivated

		must(t, pf.svc.SuspendBillingAccount(ctx, sys, o.ID, o.AccountID, billd.SuspendedForAbuse))
		wantCode(t, pf.report(t, o, usage(1)), billd.EPRECONDITION, "billing account is suspended for abuse")
		pf.svc.RunJobsOnce(ctx, 100)
		wantCode(t, pf.report(t, o, usage(1)), billd.EPRECONDITION, "billing account is suspended for abuse")
		wantCode(t, pf.svc.SuspendBillingAccount(ctx, sys, o.ID, o.AccountID, "boredom"), billd.EINVALID)
		owner := billd.Principal{ClientID: "owner", OrgID: o.ID, Role: billd.RoleOwner}
		wantCode(t, pf.svc.SuspendBillingAccount(ctx, owner, o.ID, o.AccountID, billd.SuspendedForAbuse), billd.EFORBIDDEN)
		wantCode(t, pf.svc.SetBillingAccountState(ctx, owner, o.ID, o.AccountID, billd.AccountActive), billd.EFORBIDDEN,
			"billing account is suspended for abuse: only a platform admin can lift the suspension")
		must(t, pf.svc.SetBillingAccountState(ctx, sys, o.ID, o.AccountID, billd.AccountActive))
		pf.use(t, o, 1)
		pf.wantNoProblems(t)
	})
}
