package billd_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// The changes that write notices: each event reaches an organization's webhook once, sent by the
// delivery worker after the change's commit.

// eventTypes returns the types of the events r got, sorted, and checks that no event came twice.
func eventTypes(t *testing.T, r *receiver) []string {
	t.Helper()
	var types []string
	seen := map[string]bool{}
	for _, req := range r.requests() {
		var body struct{ ID, Type string }
		must(t, json.Unmarshal(req.body, &body))
		if seen[body.ID] {
			t.Errorf("event %s (%s) came twice", body.ID, body.Type)
		}
		seen[body.ID] = true
		types = append(types, body.Type)
	}
	slices.Sort(types)
	return types
}

func TestWebhookEventsOfInvoicesAndSuspensions(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixtureConfig(t, s, billd.Config{Invoicing: billd.InvoicingConfig{Product: "micro"},
			Webhooks: billd.WebhookConfig{AllowPrivate: true}}, nil)
		ctx := t.Context()
		_, _, err := pf.svc.PutProduct(ctx, sys, billd.ProductInput{Name: "micro", Behavior: billd.BehaviorCredits,
			CreditAmount: 100, Prices: []billd.PriceInput{{Name: "unit", Currency: "usd", Amount: 100}}})
		must(t, err)
		o := pf.newOrg(t)
		r := newReceiver(t)
		pf.hook(t, o.ID, r.srv.URL)
		pf.setCreditMin(t, o, -1000)
		pf.use(t, o, 300)
		_, err = pf.svc.GenerateInvoices(ctx, sys)
		must(t, err)
		_, err = pf.svc.GenerateInvoices(ctx, sys) // nothing more to bill: no second event
		must(t, err)
		page, err := pf.svc.ListAllInvoices(ctx, sys, o.ID, billd.PageRequest{})
		must(t, err)
		pf.advance(time.Duration(billd.DefaultDueInDays+1) * 24 * time.Hour)
		pf.svc.RunJobsOnce(ctx, 100) // suspends for payment
		_, err = pf.svc.MarkInvoicePaid(ctx, sys, o.ID, o.AccountID, page.Items[0].ID)
		must(t, err)
		_, err = pf.svc.MarkInvoicePaid(ctx, sys, o.ID, o.AccountID, page.Items[0].ID) // paid already: no event
		must(t, err)
		must(t, pf.svc.SuspendBillingAccount(ctx, sys, o.ID, o.AccountID, billd.SuspendedForAbuse))
		must(t, pf.svc.SetBillingAccountState(ctx, sys, o.ID, o.AccountID, billd.AccountActive))
		must(t, pf.svc.SetBillingAccountState(ctx, sys, o.ID, o.AccountID, billd.AccountDisabled)) // no suspension: no event
		pf.sendWebhooks(t)
		want := []string{"account.reactivated", "account.reactivated", "account.suspended", "account.suspended",
			"invoice.created", "invoice.paid"}
		if got := eventTypes(t, r); !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
	})
}

func TestWebhookEventOfACompletedCheckout(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixtureConfig(t, s, billd.Config{Webhooks: billd.WebhookConfig{AllowPrivate: true}}, nil)
		o := pf.newOrg(t)
		r := newReceiver(t)
		pf.hook(t, o.ID, r.srv.URL, string(billd.NoticeCheckoutCompleted))
		c := pf.buy(t, o, 2)
		if code := pf.act(t, c.ID, "pay", "4242424242424242"); code >= 400 {
			t.Fatalf("pay: %d", code)
		}
		pf.svc.RunJobsOnce(t.Context(), 100) // syncs the checkout again: fulfilled once
		pf.sendWebhooks(t)
		got := r.requests()
		if len(got) != 1 {
			t.Fatalf("the receiver got %d events, want one checkout.completed", len(got))
		}
		var body struct {
			Type string
			Data struct {
				CheckoutID string `json:"checkout_id"`
				Credits    int64
			}
		}
		must(t, json.Unmarshal(got[0].body, &body))
		if body.Type != "checkout.completed" || body.Data.CheckoutID != c.ID || body.Data.Credits != 2*creditsPerUnit {
			t.Errorf("event %s, want checkout.completed of %s with %d credits", got[0].body, c.ID, 2*creditsPerUnit)
		}
	})
}

// usage.rejected comes at most once per account, reason and hour, whatever the refusals.
func TestWebhookEventsOfRejectedUsage(t *testing.T) {
	t.Parallel()
	eachMode(t, func(t *testing.T, s sqltest.Store, commit billd.CommitConfig) {
		f := newFixtureConfig(t, s, billd.Config{Commit: commit, Webhooks: billd.WebhookConfig{AllowPrivate: true}})
		o, other := f.newOrg(t), f.newOrg(t)
		r := newReceiver(t)
		f.hook(t, o.ID, r.srv.URL)
		ctx := t.Context()
		errs := race(8, func(int) error { return f.report(t, o, usage(5)) })
		for _, err := range errs {
			wantCode(t, err, billd.EINVALID, "insufficient credits")
		}
		wantCode(t, f.report(t, other, usage(5)), billd.EINVALID, "insufficient credits") // another org's
		f.grant(t, o, 100)
		_, err := f.svc.SetSpendLimits(ctx, sys, o.ID, o.AccountID, ptr(int64(10)), nil)
		must(t, err)
		wantCode(t, f.report(t, o, usage(11)), billd.EPRECONDITION, "hourly spend limit of 10 reached: 0 spent this hour")
		wantCode(t, f.report(t, o, usage(500)), billd.EINVALID, "insufficient credits") // this hour's again
		f.advance(time.Hour)
		wantCode(t, f.report(t, o, usage(500)), billd.EINVALID, "insufficient credits") // a new hour
		f.sendWebhooks(t)
		reasons := usageRejectedReasons(t, r)
		if want := []string{"credit", "credit", "limit"}; !slices.Equal(reasons, want) {
			t.Errorf("rejections %v, want %v", reasons, want)
		}
	})
}

// usageRejectedReasons returns the reasons of the usage.rejected events r got, sorted.
func usageRejectedReasons(t *testing.T, r *receiver) []string {
	t.Helper()
	var reasons []string
	for _, req := range r.requests() {
		var body struct {
			Type string
			Data struct{ Reason string }
		}
		must(t, json.Unmarshal(req.body, &body))
		if body.Type != "usage.rejected" {
			t.Errorf("event %s, want usage.rejected", req.body)
		}
		reasons = append(reasons, body.Data.Reason)
	}
	slices.Sort(reasons)
	return reasons
}

// A usage.rejected notice whose write failed is written by the next refusal of the hour: the
// memory of stored notices learns of a notice only once it is committed.
func TestWebhookEventsOfRejectedUsageAfterAFailedWrite(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixtureConfig(t, s, billd.Config{Webhooks: billd.WebhookConfig{AllowPrivate: true}})
		o := f.newOrg(t)
		r := newReceiver(t)
		f.hook(t, o.ID, r.srv.URL)
		refusal := billd.Errorf(billd.EINVALID, "insufficient credits: 0 available, 5 asked")
		gone, cancel := context.WithCancel(t.Context())
		cancel()
		billd.NoteRejection(f.svc, gone, o.AccountID, refusal) // its write fails
		f.sendWebhooks(t)
		if got := usageRejectedReasons(t, r); len(got) != 0 {
			t.Fatalf("rejections %v after a failed write, want none", got)
		}
		billd.NoteRejection(f.svc, t.Context(), o.AccountID, refusal)
		f.sendWebhooks(t)
		if got, want := usageRejectedReasons(t, r), []string{"credit"}; !slices.Equal(got, want) {
			t.Errorf("rejections %v after the next refusal, want %v", got, want)
		}
	})
}

// Two services over one store (two nodes) that each refuse an account's usage in the same hour
// send one usage.rejected: the notice's id, derived from account, reason and hour, dedupes what
// neither node's memory knows.
func TestWebhookEventsOfRejectedUsageOnTwoNodes(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		cfg := billd.Config{Webhooks: billd.WebhookConfig{AllowPrivate: true}}
		f, other := newFixtureConfig(t, s, cfg), newFixtureConfig(t, s, cfg)
		o := f.newOrg(t)
		r := newReceiver(t)
		f.hook(t, o.ID, r.srv.URL)
		refusal := billd.Errorf(billd.EINVALID, "insufficient credits: 0 available, 5 asked")
		billd.NoteRejection(f.svc, t.Context(), o.AccountID, refusal)
		billd.NoteRejection(other.svc, t.Context(), o.AccountID, refusal)
		f.sendWebhooks(t)
		if got, want := usageRejectedReasons(t, r), []string{"credit"}; !slices.Equal(got, want) {
			t.Errorf("rejections %v from two nodes, want %v", got, want)
		}
	})
}

func ptr[T any](v T) *T { return &v }
