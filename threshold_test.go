package billd_test

import (
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// invoices lists o's invoices, newest first.
func (f *fixture) invoices(t *testing.T, o org) []*billd.Invoice {
	t.Helper()
	page, err := f.svc.ListInvoices(t.Context(), sys, o.ID, o.AccountID, false, billd.PageRequest{PageSize: billd.MaxPageSize})
	must(t, err)
	return page.Items
}

// An invoiced account's usage reaching its billing threshold cuts one overdraft invoice at once
// (of what it owes then), however many rounds run; the next threshold's worth of usage cuts the
// next. The account's status says the invoice is due now while it is being cut.
func TestBillingThresholdCutsOneInvoicePerCrossing(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixtureConfig(t, s, billd.Config{Invoicing: billd.InvoicingConfig{Product: "credits"}}, nil)
		o := pf.newOrg(t)
		pf.setCreditMin(t, o, -100000)
		threshold := int64(1000)
		_, err := pf.svc.UpdateAccountControls(t.Context(), sys, o.ID, o.AccountID, billd.ControlsUpdate{BillingThreshold: &threshold})
		must(t, err)

		pf.use(t, o, 600)
		pf.runJobs(t)
		if got := pf.invoices(t, o); len(got) != 0 {
			t.Fatalf("invoices below the threshold = %+v", got)
		}
		st, err := pf.svc.AccountStatus(t.Context(), sys, o.ID, o.AccountID)
		must(t, err)
		if st.InvoiceTime != nil || st.NextInvoiceTotal != 600 {
			t.Fatalf("status below the threshold: invoice time %v, next total %d", st.InvoiceTime, st.NextInvoiceTotal)
		}

		pf.use(t, o, 500) // 1100: crossed
		pf.runJobs(t)
		pf.runJobs(t)
		got := pf.invoices(t, o)
		if len(got) != 1 || got[0].Kind != billd.InvoiceOverdraft || got[0].Credits != 1100 || got[0].Amount != 5500 ||
			got[0].Metadata["threshold_crossing"] != "1" {
			t.Fatalf("invoices after the threshold = %+v", got)
		}

		pf.use(t, o, 999)
		pf.runJobs(t)
		if n := len(pf.invoices(t, o)); n != 1 {
			t.Fatalf("invoices = %d before the second crossing, want 1", n)
		}
		pf.use(t, o, 1) // 1000 more: the second crossing
		pf.runJobs(t)
		got = pf.invoices(t, o)
		if len(got) != 2 || got[0].Credits != 1000 || got[0].Metadata["threshold_crossing"] != "2" {
			t.Fatalf("invoices after the second crossing = %+v", got)
		}
		if n := pf.notices(t, o, billd.NoticeInvoiceCreated); n != 2 {
			t.Fatalf("invoice.created notices = %d, want 2", n)
		}
		pf.wantNoProblems(t)
	})
}
