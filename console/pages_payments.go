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
	Pager   pager
}

// pager is the paging links of one list of a page: to its next page and, past the first, back to
// its newest items ("" : none). ID is the list's element id, which the links jump to.
type pager struct {
	ID, Next, First string
}

// sectionOf makes the section of a list, or a refused one when err is the Service's EFORBIDDEN.
func sectionOf[T any](items []T, err error) (section[T], error) {
	if billd.ErrorCode(err) == billd.EFORBIDDEN {
		return section[T]{Refused: true}, nil
	}
	return section[T]{Items: items}, err
}

// pagedSection makes the section of a page of a list that list reads from the page token in the
// query parameter id+"_page": each list of a page keeps its own position, which the others' links
// keep. id is the list's element id.
func pagedSection[T any](r *http.Request, id string, list func(billd.PageRequest) (billd.Page[T], error)) (section[T], error) {
	param := id + "_page"
	req, err := pageRequest(r, param, shortList)
	if err != nil {
		return section[T]{}, err
	}
	page, err := list(req)
	s, err := sectionOf(page.Items, err)
	if err != nil || s.Refused {
		return s, err
	}
	s.Pager = pager{ID: id, Next: nextLink(r, param, page.NextPageToken)}
	if req.PageToken != "" {
		s.Pager.First = pageLink(r, param, "")
	}
	return s, nil
}

// payments shows an account's checkouts, subscriptions and invoices, newest first and a page of
// each at a time, and its payment methods.
func (c *Console) payments(q *request) error {
	ctx := q.r.Context()
	st, err := c.svc.AccountStatus(ctx, q.p, q.r.PathValue("org"), q.r.PathValue("acct"))
	if err != nil {
		return err
	}
	a := st.Account
	d := paymentsData{Account: a, Base: accountPath(a)}
	d.Checkouts, err = pagedSection(q.r, "checkouts", func(page billd.PageRequest) (billd.Page[*billd.Checkout], error) {
		return c.svc.ListCheckouts(ctx, q.p, a.OrgID, a.ID, page)
	})
	if err != nil {
		return err
	}
	methods, err := c.svc.PaymentMethods(ctx, q.p, a.OrgID, a.ID)
	if d.Methods, err = sectionOf(methods, err); err != nil {
		return err
	}
	d.Subscriptions, err = pagedSection(q.r, "subscriptions", func(page billd.PageRequest) (billd.Page[*billd.Subscription], error) {
		return c.svc.ListSubscriptions(ctx, q.p, a.OrgID, a.ID, billd.SubscriptionFilter{}, page)
	})
	if err != nil {
		return err
	}
	d.Invoices, err = pagedSection(q.r, "invoices", func(page billd.PageRequest) (billd.Page[*billd.Invoice], error) {
		return c.svc.ListInvoices(ctx, q.p, a.OrgID, a.ID, false, page)
	})
	if err != nil {
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
