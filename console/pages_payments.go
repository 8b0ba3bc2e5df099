package console

import (
	"bytes"
	"net/http"

	"github.com/billd/billd"
)

// paymentsData is an account's payments page. A list the principal's role may not see is left
// out, and says so, by the Service's own refusal.
type paymentsData struct {
	Account       *billd.BillingAccount
	Base          string
	Checkouts     section[*billd.Checkout]
	Methods       section[*billd.PaymentMethod]
	Subscriptions section[*billd.Subscription]
	Invoices      section[*billd.Invoice]
}

// section is one list of a page, or Refused when the Service refused it to the principal.
type section[T any] struct {
	Items   []T
	Refused bool
}

// sectionOf makes the section of a list, or a refused one when err is the Service's EFORBIDDEN.
func sectionOf[T any](items []T, err error) (section[T], error) {
	if billd.ErrorCode(err) == billd.EFORBIDDEN {
		return section[T]{Refused: true}, nil
	}
	return section[T]{Items: items}, err
}

// payments shows an account's newest checkouts, its payment methods, subscriptions and invoices.
func (c *Console) payments(q *request) error {
	ctx := q.r.Context()
	st, err := c.svc.AccountStatus(ctx, q.p, q.r.PathValue("org"), q.r.PathValue("acct"))
	if err != nil {
		return err
	}
	a := st.Account
	d := paymentsData{Account: a, Base: accountPath(a)}
	page := billd.PageRequest{PageSize: shortList}
	checkouts, err := c.svc.ListCheckouts(ctx, q.p, a.OrgID, a.ID, page)
	if d.Checkouts, err = sectionOf(checkouts.Items, err); err != nil {
		return err
	}
	methods, err := c.svc.PaymentMethods(ctx, q.p, a.OrgID, a.ID)
	if d.Methods, err = sectionOf(methods, err); err != nil {
		return err
	}
	subs, err := c.svc.ListSubscriptions(ctx, q.p, a.OrgID, a.ID, billd.SubscriptionFilter{}, page)
	if d.Subscriptions, err = sectionOf(subs.Items, err); err != nil {
		return err
	}
	invoices, err := c.svc.ListInvoices(ctx, q.p, a.OrgID, a.ID, false, page)
	if d.Invoices, err = sectionOf(invoices.Items, err); err != nil {
		return err
	}
	return c.page(q, http.StatusOK, "payments.html", "Payments · "+accountTitle(a), d)
}

// invoicePDF sends an invoice as a PDF download, rendered by WriteInvoicePDF from the Service's
// InvoiceDocument (which needs the permission listing invoices does).
func (c *Console) invoicePDF(q *request) error {
	doc, err := c.svc.InvoiceDocument(q.r.Context(), q.p, q.r.PathValue("org"), q.r.PathValue("acct"), q.r.PathValue("id"))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := WriteInvoicePDF(&buf, doc); err != nil {
		return err
	}
	h := q.w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="invoice-`+doc.Number+`.pdf"`)
	h.Set("Cache-Control", "no-store")
	_, err = buf.WriteTo(q.w)
	return err
}
