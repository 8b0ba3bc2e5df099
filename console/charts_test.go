package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// invoiced turns the fixture's account into an invoiced one with a credit line, reports usage
// past its balance from the source gpu and makes its overdraft invoice, whose id it returns.
func (f *fixture) invoiced() string {
	f.t.Helper()
	ctx, sys := context.Background(), billd.SystemPrincipal
	_, _, err := f.svc.PutProduct(ctx, sys, billd.ProductInput{Name: overdraftProduct, Behavior: billd.BehaviorCredits,
		CreditAmount: 10, Prices: []billd.PriceInput{{Name: "unit", Currency: "usd", Amount: 100}}})
	f.must(err)
	line := int64(-5000)
	f.must(f.svc.UpdateAccountDetails(ctx, sys, f.orgID, f.account, billd.AccountDetailsUpdate{CreditMin: &line}))
	f.must(f.svc.ReportUsage(ctx, sys, billd.UsageReport{OrgID: f.orgID, BillingID: f.account,
		Usages: []billd.Usage{{ID: billd.NewUUID(), Amount: 2500, Source: "gpu"}}}))
	_, err = f.svc.GenerateInvoices(ctx, sys)
	f.must(err)
	list, err := f.svc.ListInvoices(ctx, sys, f.orgID, f.account, false, billd.PageRequest{})
	f.must(err)
	if len(list.Items) != 1 {
		f.t.Fatalf("%d invoices, want 1", len(list.Items))
	}
	return list.Items[0].ID
}

// TestChartsAndInvoices draws the balance and usage charts over a chosen period, refuses other
// periods, and downloads an invoice as a PDF for those who may see invoices.
func TestChartsAndInvoices(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		id := f.invoiced()
		o := f.signedIn(f.owner)
		wantStatus(t, "the account page", o.get(f.accountPath("")), http.StatusOK,
			`id="balance-chart"`, `id="usage-chart"`, "gpu", "Next invoice", "-1,000")
		wantStatus(t, "a week of charts", o.get(f.accountPath("?days=7")), http.StatusOK, `id="balance-chart"`)
		wantStatus(t, "8 days of charts", o.get(f.accountPath("?days=8")), http.StatusBadRequest, "days must be one of")
		wantStatus(t, "payments", o.get(f.accountPath("/payments")), http.StatusOK, id, ".00 USD", "/invoices/"+id+"/pdf")

		pdf := o.get(f.accountPath("/invoices/" + id + "/pdf"))
		if pdf.status != http.StatusOK || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF-") {
			t.Fatalf("the invoice PDF: %d %s %q", pdf.status, pdf.header.Get("Content-Type"), pdf.body[:min(len(pdf.body), 16)])
		}
		if !strings.Contains(pdf.body, id) || !strings.Contains(pdf.header.Get("Content-Disposition"), "invoice-"+id+".pdf") {
			t.Errorf("the PDF does not name the invoice %s (Content-Disposition %q)", id, pdf.header.Get("Content-Disposition"))
		}
		wantStatus(t, "another account's invoice path", o.get("/console/orgs/"+f.orgID+"/accounts/"+billd.NewUUID()+"/invoices/"+id+"/pdf"),
			http.StatusNotFound)

		m := f.signedIn(f.member)
		page := m.get(f.accountPath("/payments"))
		wantStatus(t, "a member's payments page", page, http.StatusOK, "Your role may not see invoices")
		if strings.Contains(page.body, "/pdf") {
			t.Error("a member is shown invoice PDF links")
		}
		wantStatus(t, "a member downloading the PDF", m.get(f.accountPath("/invoices/"+id+"/pdf")), http.StatusForbidden)
	})
}

// TestPaymentsListsPage pages the payments page's invoices, 20 at a time, while another list's
// position (its own query parameter) stays as it was; a page parameter is bounded and checked.
func TestPaymentsListsPage(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx, sys := context.Background(), billd.SystemPrincipal
		oldest := f.invoiced()
		for range 20 { // one overdraft invoice a month
			f.advance(32 * 24 * time.Hour)
			f.must(f.svc.ReportUsage(ctx, sys, billd.UsageReport{OrgID: f.orgID, BillingID: f.account,
				Usages: []billd.Usage{{ID: billd.NewUUID(), Amount: 100, Source: "gpu"}}}))
			_, err := f.svc.GenerateInvoices(ctx, sys)
			f.must(err)
		}
		o := f.signedIn(f.owner)
		checkouts := billd.Cursor{At: t0, ID: billd.NewUUID()}.Encode() // a position in the checkouts
		first := o.get(f.accountPath("/payments?checkouts_page=" + checkouts))
		wantStatus(t, "the first page of invoices", first, http.StatusOK, `id="invoices-next"`)
		if strings.Contains(first.body, oldest) || strings.Contains(first.body, `id="invoices-first"`) {
			t.Errorf("the first page holds more than 20 invoices or links to itself")
		}
		next := hrefOf(t, first.body, "invoices-next")
		if !strings.Contains(next, "checkouts_page="+checkouts) {
			t.Errorf("the invoices' next link %q drops the checkouts' position", next)
		}
		second := o.get(next)
		wantStatus(t, "the second page of invoices", second, http.StatusOK, oldest, `id="invoices-first"`)
		if strings.Contains(second.body, `id="invoices-next"`) {
			t.Error("the second page of 21 invoices goes on")
		}
		if newest := hrefOf(t, second.body, "invoices-first"); strings.Contains(newest, "invoices_page") || !strings.Contains(newest, "checkouts_page") {
			t.Errorf("the newest invoices' link %q keeps the invoices' position or drops the checkouts'", newest)
		}
		for _, c := range []struct{ query, says string }{
			{"invoices_page=not-a-token", "the page token is not a token this server issued"},
			{"subscriptions_page=" + strings.Repeat("x", 2000), "the subscriptions_page parameter is too long"},
		} {
			wantStatus(t, c.query[:20], o.get(f.accountPath("/payments?"+c.query)), http.StatusBadRequest, c.says)
		}
	})
}
