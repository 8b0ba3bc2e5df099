package billd_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sandbox"
	"github.com/billd/billd/sqlstore/sqltest"
)

// An overdraft invoice's document has the seller of the configuration, the buyer as its account
// stores it, one line of its credits and its total; another organization's account does not find
// it, and a member may not read it (as listing invoices).
func TestInvoiceDocument(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		seller := billd.Seller{Name: "Billd GmbH", Address: "Hauptstraße 1, Berlin", Email: "billing@example.com", TaxID: "DE1"}
		pf := newPayFixtureConfig(t, s, billd.Config{Invoicing: billd.InvoicingConfig{Product: "micro", Seller: seller}}, nil)
		ctx := t.Context()
		_, _, err := pf.svc.PutProduct(ctx, sys, billd.ProductInput{Name: "micro", Behavior: billd.BehaviorCredits,
			CreditAmount: 10, Prices: []billd.PriceInput{{Name: "unit", Currency: "usd", Amount: 100}}})
		must(t, err)
		o, other := pf.newOrg(t), pf.newOrg(t)
		pf.setCreditMin(t, o, -5000)
		pf.use(t, o, 2500)
		_, err = pf.svc.GenerateInvoices(ctx, sys)
		must(t, err)
		page, err := pf.svc.ListAllInvoices(ctx, sys, o.ID, billd.PageRequest{})
		must(t, err)
		inv := page.Items[0]

		doc, err := pf.svc.InvoiceDocument(ctx, sys, o.ID, o.AccountID, inv.ID)
		must(t, err)
		if doc.Number != inv.ID || doc.Seller != seller || doc.Buyer.Name != o.Name || doc.Buyer.Email != o.Name+"@example.com" ||
			doc.Total != 25000 || doc.Subtotal != 25000 || doc.Currency != "usd" || doc.DueAt == nil || !doc.IssuedAt.Equal(inv.CreatedAt) {
			t.Errorf("document = %+v", doc)
		}
		if len(doc.Lines) != 1 || doc.Lines[0] != (billd.InvoiceLine{Description: "Credits used beyond the balance: 2,500 credits",
			Quantity: 1, UnitAmount: 25000, Amount: 25000}) {
			t.Errorf("lines = %+v", doc.Lines)
		}
		_, err = pf.svc.InvoiceDocument(ctx, sys, other.ID, other.AccountID, inv.ID)
		wantCode(t, err, billd.ENOTFOUND, "invoice not found")
		_, err = pf.svc.InvoiceDocument(ctx, sys, o.ID, o.AccountID, billd.NewUUID())
		wantCode(t, err, billd.ENOTFOUND, "invoice not found")
		member := billd.Principal{ClientID: "member", OrgID: o.ID, Role: billd.RoleMember}
		_, err = pf.svc.InvoiceDocument(ctx, member, o.ID, o.AccountID, inv.ID)
		wantCode(t, err, billd.EFORBIDDEN)
		owner := billd.Principal{ClientID: "owner", OrgID: o.ID, Role: billd.RoleOwner}
		_, err = pf.svc.InvoiceDocument(ctx, owner, o.ID, o.AccountID, inv.ID)
		must(t, err)
	})
}

// A renewal's invoice prints the plan of the period it paid for, even after the subscription moved
// to another plan, and the period.
func TestSubscriptionInvoiceDocument(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixture(t, s)
		ctx := t.Context()
		o := pf.newOrg(t)
		sub := pf.subscribe(t, o, "pro", sandbox.CardSuccess)
		pf.advance(sub.CurrentPeriod.End.Sub(pf.now()) + time.Hour)
		pf.svc.RunJobsOnce(ctx, 100)
		_, _, err := pf.svc.PutPlan(ctx, sys, billd.PlanInput{Name: "max", Interval: "month",
			Products: []billd.PlanProductInput{{Product: &billd.ProductInput{Name: "max-seat", Behavior: billd.BehaviorBasic,
				Prices: []billd.PriceInput{{Name: "monthly", Interval: "month", Currency: "usd", Amount: 5000}}}}}})
		must(t, err)
		_, err = pf.svc.ChangeSubscription(ctx, sys, o.ID, "", sub.ID, billd.PlanChange{Plan: "max", Immediate: true})
		must(t, err)
		invoices, err := pf.svc.ListInvoices(ctx, sys, o.ID, "", true, billd.PageRequest{})
		must(t, err)
		if len(invoices.Items) == 0 {
			t.Fatal("no invoice after a renewal")
		}
		inv := invoices.Items[len(invoices.Items)-1]
		doc, err := pf.svc.InvoiceDocument(ctx, sys, o.ID, o.AccountID, inv.ID)
		must(t, err)
		want := fmt.Sprintf("Plan pro, %s to %s", inv.PeriodStart.Format(time.DateOnly), inv.PeriodEnd.Format(time.DateOnly))
		if len(doc.Lines) != 1 || doc.Lines[0].Description != want || doc.Lines[0].Amount != 2000 || doc.Total != 2000 ||
			doc.State != billd.InvoicePaid || doc.PaidAt == nil {
			t.Errorf("document = %+v, want one line %q of 2000", doc, want)
		}
	})
}
