package billd_test

import (
	"testing"

	"github.com/billd/billd"
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
