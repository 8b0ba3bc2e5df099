package console

import (
	"net/http"

	"github.com/billd/billd"
)

// paymentsData is an account's payments page.
type paymentsData struct {
	Account       *billd.BillingAccount
	Base          string
	Checkouts     []*billd.Checkout
	Methods       []*billd.PaymentMethod
	Subscriptions []*billd.Subscription
	Invoices      []*billd.Invoice
	PDFPending    bool // PLACEHOLDER: invoice PDFs land with console-parts
}

// payments shows an account's newest checkouts, its payment methods, subscriptions and invoices.
func (c *Console) payments(q *request) error {
	ctx := q.r.Context()
	orgID, id := q.r.PathValue("org"), q.r.PathValue("acct")
	st, err := c.svc.AccountStatus(ctx, q.p, orgID, id)
	if err != nil {
		return err
	}
	a := st.Account
	d := paymentsData{Account: a, Base: accountPath(a), PDFPending: true}
	page := billd.PageRequest{PageSize: shortList}
	checkouts, err := c.svc.ListCheckouts(ctx, q.p, a.OrgID, a.ID, page)
	if err != nil {
		return err
	}
	if d.Methods, err = c.svc.PaymentMethods(ctx, q.p, a.OrgID, a.ID); err != nil {
		return err
	}
	subs, err := c.svc.ListSubscriptions(ctx, q.p, a.OrgID, a.ID, billd.SubscriptionFilter{}, page)
	if err != nil {
		return err
	}
	invoices, err := c.svc.ListInvoices(ctx, q.p, a.OrgID, a.ID, false, page)
	if err != nil {
		return err
	}
	d.Checkouts, d.Subscriptions, d.Invoices = checkouts.Items, subs.Items, invoices.Items
	return c.page(q, http.StatusOK, "payments.html", "Payments · "+accountTitle(a), d)
}
