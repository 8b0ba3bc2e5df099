package billd_test

import (
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// An organization's admin sets the recharge watermarks but none of the controls that are a
// platform admin's (limits, threshold, terms, state): each is refused naming the field, and the
// account is left as it was. Invalid watermarks and negative amounts are refused for anyone.
func TestControlsFollowTheirOwners(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		o := f.newOrg(t)
		orgAdmin := billd.Principal{ClientID: "org-admin", Role: billd.RoleAdmin, OrgID: o.ID}
		ctx := t.Context()

		limit, terms, state := int64(10), billd.PaymentTermsPrepaid, billd.SuspendedForAbuse
		for field, u := range map[string]billd.ControlsUpdate{
			"hourly spend limit":  {HourlySpendLimit: &limit},
			"monthly spend limit": {MonthlySpendLimit: &limit},
			"billing threshold":   {BillingThreshold: &limit},
			"payment terms":       {PaymentTerms: &terms},
			"state":               {State: &state},
		} {
			u.Recharge = &billd.Recharge{Auto: true, Low: 1, High: 2}
			_, err := f.svc.UpdateAccountControls(ctx, orgAdmin, o.ID, o.AccountID, u)
			wantCode(t, err, billd.EFORBIDDEN, "only a platform admin may set the "+field)
		}
		a, err := f.svc.UpdateAccountControls(ctx, orgAdmin, o.ID, o.AccountID,
			billd.ControlsUpdate{Recharge: &billd.Recharge{Auto: true, Low: 100, High: 500}})
		must(t, err)
		if a.Recharge != (billd.Recharge{Auto: true, Low: 100, High: 500}) || a.HourlySpendLimit != 0 {
			t.Fatalf("account after the org admin's change: recharge %+v, hourly limit %d", a.Recharge, a.HourlySpendLimit)
		}

		for _, r := range []billd.Recharge{{Auto: true, Low: 500, High: 100}, {Auto: true, Low: 5, High: 5}, {Low: -1, High: 3}} {
			_, err := f.svc.UpdateAccountControls(ctx, sys, o.ID, o.AccountID, billd.ControlsUpdate{Recharge: &r})
			wantCode(t, err, billd.EINVALID)
		}
		negative := int64(-1)
		_, err = f.svc.UpdateAccountControls(ctx, sys, o.ID, o.AccountID, billd.ControlsUpdate{BillingThreshold: &negative})
		wantCode(t, err, billd.EINVALID, "billing threshold must not be negative (0 is none)")

		// Terms follow credit_min: invoice terms need a credit line first; prepaid ends one.
		invoice := billd.PaymentTermsInvoice
		_, err = f.svc.UpdateAccountControls(ctx, sys, o.ID, o.AccountID, billd.ControlsUpdate{PaymentTerms: &invoice})
		wantCode(t, err, billd.EPRECONDITION, "invoice terms need a credit line: set credit_min below 0 first")
		line := int64(-1000)
		must(t, f.svc.UpdateAccountDetails(ctx, sys, o.ID, o.AccountID, billd.AccountDetailsUpdate{CreditMin: &line}))
		st, err := f.svc.AccountStatus(ctx, orgAdmin, o.ID, o.AccountID)
		must(t, err)
		if st.Account.PaymentTerms() != billd.PaymentTermsInvoice {
			t.Fatalf("terms with a credit line = %q", st.Account.PaymentTerms())
		}
		a, err = f.svc.UpdateAccountControls(ctx, sys, o.ID, o.AccountID, billd.ControlsUpdate{PaymentTerms: &terms, State: &state})
		must(t, err)
		if a.CreditMin != 0 || a.State != billd.AccountDisabled || a.SuspendedFor != billd.SuspendedForAbuse {
			t.Fatalf("after prepaid terms and a suspension: credit_min %d, state %s (%s)", a.CreditMin, a.State, a.SuspendedFor)
		}
		wantCode(t, f.report(t, o, usage(1)), billd.EPRECONDITION, "billing account is suspended for abuse")
	})
}

// AccountStatus reads the spend of the current hour and month and, for an invoiced account, what it
// owes beyond its invoices.
func TestAccountStatusReadsSpendAndDues(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		o := f.newOrg(t)
		line := int64(-1000)
		must(t, f.svc.UpdateAccountDetails(t.Context(), sys, o.ID, o.AccountID, billd.AccountDetailsUpdate{CreditMin: &line}))
		f.grant(t, o, 100)
		f.use(t, o, 70)
		f.use(t, o, 80)
		st, err := f.svc.AccountStatus(t.Context(), sys, "", o.AccountID)
		must(t, err)
		if st.Balance.Amount != -50 || st.Spend.Hour != 150 || st.Spend.Month != 150 || st.NextInvoiceTotal != 50 {
			t.Fatalf("status: balance %d, spend %d/%d, next invoice %d; want -50, 150/150, 50",
				st.Balance.Amount, st.Spend.Hour, st.Spend.Month, st.NextInvoiceTotal)
		}
	})
}
