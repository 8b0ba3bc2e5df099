package billd_test

import (
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sandbox"
	"github.com/billd/billd/sqlstore/sqltest"
)

// A credit payment charges the saved card and grants what it paid, once: a retry with the same
// idempotency key answers with the first charge, and the key with another amount is a conflict.
func TestCreditAccountChargesOnce(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf, o := newRechargeFixture(t, s, billd.RechargeConfig{}, sandbox.CardSuccess)
		ctx := t.Context()
		req := billd.CreditRequest{Amount: 1234, IdempotencyKey: "order-1"}
		ch, err := pf.svc.CreditAccountRequest(ctx, sys, o.ID, o.AccountID, req)
		must(t, err)
		if ch.Status != billd.ChargeSucceeded || ch.Kind != billd.ChargeCredit || ch.Amount != 1234 || ch.Attempts != 1 {
			t.Fatalf("charge = %+v", ch)
		}
		pf.wantBalance(t, o, 10000+1234)
		again, err := pf.svc.CreditAccountRequest(ctx, sys, o.ID, o.AccountID, req)
		must(t, err)
		if again.ID != ch.ID || again.Status != billd.ChargeSucceeded {
			t.Fatalf("replay = %+v, want %+v", again, ch)
		}
		pf.wantBalance(t, o, 10000+1234)
		_, err = pf.svc.CreditAccountRequest(ctx, sys, o.ID, o.AccountID, billd.CreditRequest{Amount: 1, IdempotencyKey: "order-1"})
		wantCode(t, err, billd.ECONFLICT)
		_, err = pf.svc.CreditAccount(ctx, sys, o.ID, o.AccountID, 0, "")
		wantCode(t, err, billd.EINVALID)
		_, err = pf.svc.CreditAccount(ctx, sys, o.ID, o.AccountID, 10, billd.NewUUID())
		wantCode(t, err, billd.ENOTFOUND)

		methods, err := pf.svc.PaymentMethods(ctx, sys, o.ID, o.AccountID)
		must(t, err)
		_, err = pf.svc.CreditAccount(ctx, sys, o.ID, o.AccountID, 66, methods[0].ID)
		must(t, err)
		if got := pf.grants(t, o, billd.SourceCredit); len(got) != 2 {
			t.Fatalf("credit grants = %v, want 2", got)
		}
		page, err := pf.svc.Charges(ctx, sys, o.ID, o.AccountID, billd.PageRequest{PageSize: 1})
		must(t, err)
		if len(page.Items) != 1 || page.Items[0].Amount != 66 || page.NextPageToken == "" {
			t.Fatalf("first page = %+v", page)
		}
		page, err = pf.svc.Charges(ctx, sys, o.ID, o.AccountID, billd.PageRequest{PageSize: 1, PageToken: page.NextPageToken})
		must(t, err)
		if len(page.Items) != 1 || page.Items[0].ID != ch.ID || page.NextPageToken != "" {
			t.Fatalf("second page = %+v", page)
		}
		pf.wantNoProblems(t)
	})
}

// A declined credit payment is answered with the failed charge and its codes; nothing is granted
// and it is not tried again.
func TestCreditAccountDeclined(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf, o := newRechargeFixture(t, s, billd.RechargeConfig{}, sandbox.CardDeclineOffSession)
		ch, err := pf.svc.CreditAccount(t.Context(), sys, o.ID, o.AccountID, 500, "")
		must(t, err)
		if ch.Status != billd.ChargeFailed || ch.FailureCode != "card_declined" || ch.DeclineCode != "generic_decline" {
			t.Fatalf("charge = %+v", ch)
		}
		pf.runJobs(t)
		if got := pf.onlyCharge(t, o); got.Status != billd.ChargeFailed || got.Attempts != 1 {
			t.Fatalf("charge after a round = %+v", got)
		}
		pf.wantBalance(t, o, 10000)
	})
}
