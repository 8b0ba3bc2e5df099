package billd_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sandbox"
	"github.com/billd/billd/sqlstore/sqltest"
)

// saveCard saves card as o's default payment method through a setup checkout.
func (pf *payFixture) saveCard(t *testing.T, o org, card string) {
	t.Helper()
	c, err := pf.svc.CreateCheckout(t.Context(), sys, billd.CheckoutRequest{OrgID: o.ID, BillingID: o.AccountID,
		Setup: &billd.SetupRequest{PaymentMethod: true}})
	must(t, err)
	if code := pf.act(t, c.ID, "pay", card); code != http.StatusSeeOther {
		t.Fatalf("set up %s: status %d", card, code)
	}
}

// setRecharge arms o's automatic recharge between low and high, as the organization's owner may.
func (pf *payFixture) setRecharge(t *testing.T, o org, low, high int64) {
	t.Helper()
	_, err := pf.svc.UpdateAccountControls(t.Context(), sys, o.ID, o.AccountID,
		billd.ControlsUpdate{Recharge: &billd.Recharge{Auto: true, Low: low, High: high}})
	must(t, err)
}

// charges lists o's charges, newest first.
func (f *fixture) charges(t *testing.T, o org) []*billd.Charge {
	t.Helper()
	page, err := f.svc.Charges(t.Context(), sys, o.ID, o.AccountID, billd.PageRequest{PageSize: billd.MaxPageSize})
	must(t, err)
	return page.Items
}

// onlyCharge returns o's one charge, failing the test if there are others.
func (f *fixture) onlyCharge(t *testing.T, o org) *billd.Charge {
	t.Helper()
	got := f.charges(t, o)
	if len(got) != 1 {
		t.Fatalf("charges of %s = %d (%+v), want 1", o.Name, len(got), got)
	}
	return got[0]
}

// runJobs runs one round of the background jobs, as the jobs loop does.
func (f *fixture) runJobs(t *testing.T) {
	t.Helper()
	if n := f.svc.RunJobsOnce(t.Context(), 100); n == 0 {
		t.Fatal("no job ran")
	}
}

// grants returns the amounts of o's grants from source, oldest last.
func (f *fixture) grants(t *testing.T, o org, source string) []int64 {
	t.Helper()
	var out []int64
	for _, tr := range f.transactions(t, o) {
		if tr.Kind == billd.KindGrant && tr.Source == source {
			out = append(out, tr.Amount)
		}
	}
	return out
}

// notices counts o's notices of type typ in the outbox.
func (f *fixture) notices(t *testing.T, o org, typ billd.NoticeType) int64 {
	t.Helper()
	n, err := f.db.CountRaw(t.Context(), `SELECT COUNT(*) FROM notices WHERE type = $1 AND account_id = $2`, string(typ), o.AccountID)
	must(t, err)
	return n
}

// newRechargeFixture returns a payment fixture whose service recharges with cfg, and an
// organization with card saved, granted 10000 credits.
func newRechargeFixture(t *testing.T, s sqltest.Store, cfg billd.RechargeConfig, card string) (*payFixture, org) {
	t.Helper()
	return newRechargeFixtureConfig(t, s, billd.Config{Recharge: cfg}, card)
}

// newRechargeFixtureConfig is newRechargeFixture whose service has cfg's settings.
func newRechargeFixtureConfig(t *testing.T, s sqltest.Store, cfg billd.Config, card string) (*payFixture, org) {
	t.Helper()
	pf := newPayFixtureConfig(t, s, cfg, nil)
	o := pf.newOrg(t)
	pf.saveCard(t, o, card)
	pf.grant(t, o, 10000)
	return pf, o
}

// 32 concurrent debits that take the balance below the recharge low make one charge and one
// grant, High minus the balance when it was charged, in every commit mode (group commit on, small
// batches, one transaction each).
func TestConcurrentDebitsCrossingLowRechargeOnce(t *testing.T) {
	eachMode(t, func(t *testing.T, s sqltest.Store, commit billd.CommitConfig) {
		pf, o := newRechargeFixtureConfig(t, s, billd.Config{Commit: commit}, sandbox.CardSuccess)
		pf.setRecharge(t, o, 5000, 20000)
		errs := race(32, func(int) error { return pf.report(t, o, usage(200)) })
		if got := outcomes(errs); got["ok"] != 32 {
			t.Fatalf("outcomes = %v", got)
		}
		pf.runJobs(t)
		ch := pf.onlyCharge(t, o)
		// Charged at some moment after the crossing: the balance was then between 3600 (all 32
		// debits) and 4999.
		if ch.Status != billd.ChargeSucceeded || ch.Kind != billd.ChargeRecharge || ch.Attempts != 1 ||
			ch.Amount < 20000-4999 || ch.Amount > 20000-3600 || ch.Currency != "usd" || ch.ProviderChargeID == "" {
			t.Fatalf("charge = %+v", ch)
		}
		if got := pf.grants(t, o, billd.SourceRecharge); len(got) != 1 || got[0] != ch.Amount {
			t.Fatalf("recharge grants = %v, want [%d]", got, ch.Amount)
		}
		pf.wantBalance(t, o, 10000-32*200+ch.Amount)
		if low, ok := pf.notices(t, o, billd.NoticeBalanceLow), pf.notices(t, o, billd.NoticeRechargeSucceeded); low != 1 || ok != 1 {
			t.Fatalf("notices: %d balance.low, %d recharge.succeeded; want 1 each", low, ok)
		}
		pf.runJobs(t) // nothing more to do
		if got := pf.onlyCharge(t, o); got.Status != billd.ChargeSucceeded || got.Attempts != 1 {
			t.Fatalf("charge after another round = %+v", got)
		}
		pf.wantNoProblems(t)
	})
}

// Without auto-recharge, a low still makes one balance.low notice per crossing, re-armed when a
// credit brings the balance back to the low; no charge is made.
func TestBalanceLowOncePerCrossing(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf, o := newRechargeFixture(t, s, billd.RechargeConfig{}, sandbox.CardSuccess)
		_, err := pf.svc.UpdateAccountControls(t.Context(), sys, o.ID, o.AccountID,
			billd.ControlsUpdate{Recharge: &billd.Recharge{Low: 5000}})
		must(t, err)
		pf.use(t, o, 5001) // 4999: a crossing
		pf.use(t, o, 1000) // still below
		if n := pf.notices(t, o, billd.NoticeBalanceLow); n != 1 {
			t.Fatalf("balance.low notices = %d after one crossing, want 1", n)
		}
		pf.grant(t, o, 1000) // 4999: not yet recovered
		pf.use(t, o, 1)
		if n := pf.notices(t, o, billd.NoticeBalanceLow); n != 1 {
			t.Fatalf("balance.low notices = %d without recovery, want 1", n)
		}
		pf.grant(t, o, 2) // 5000: re-armed
		pf.use(t, o, 1)   // a second crossing
		if n := pf.notices(t, o, billd.NoticeBalanceLow); n != 2 {
			t.Fatalf("balance.low notices = %d after a recovery and a second crossing, want 2", n)
		}
		pf.runJobs(t)
		if got := pf.charges(t, o); len(got) != 0 {
			t.Fatalf("charges without auto-recharge = %+v", got)
		}
	})
}

// A recharge credits exactly High minus the balance at the charge, which is read when it is
// charged; the next crossing waits for the cooldown after the previous recharge, and a debit
// meanwhile makes it larger, not a second charge.
func TestRechargeTopsUpToHighAfterTheCooldown(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf, o := newRechargeFixture(t, s, billd.RechargeConfig{}, sandbox.CardSuccess)
		pf.setRecharge(t, o, 5000, 20000)
		pf.use(t, o, 6000) // 4000: below the low
		pf.runJobs(t)
		if ch := pf.onlyCharge(t, o); ch.Status != billd.ChargeSucceeded || ch.Amount != 16000 {
			t.Fatalf("first recharge = %+v", ch)
		}
		pf.wantBalance(t, o, 20000)

		pf.use(t, o, 16000) // 4000 again: a second crossing, within the cooldown
		pf.runJobs(t)
		second := pf.charges(t, o)[0]
		if second.Status != billd.ChargePending || second.Attempts != 0 || second.NextAttemptAt == nil {
			t.Fatalf("recharge within the cooldown = %+v, want pending until the cooldown ends", second)
		}
		pf.use(t, o, 500) // 3500: still below, no new crossing
		pf.wantBalance(t, o, 3500)
		pf.advance(10 * time.Minute)
		pf.runJobs(t)
		all := pf.charges(t, o)
		if len(all) != 2 || all[0].ID != second.ID || all[0].Status != billd.ChargeSucceeded || all[0].Amount != 16500 {
			t.Fatalf("charges = %+v, want the second recharge of 16500", all)
		}
		pf.wantBalance(t, o, 20000)
		st, err := pf.svc.AccountStatus(t.Context(), sys, o.ID, o.AccountID)
		must(t, err)
		if st.LastRecharge == nil || st.LastRecharge.ID != second.ID {
			t.Fatalf("last recharge = %+v, want %s", st.LastRecharge, second.ID)
		}

		pf.use(t, o, 16000)  // a third crossing, waiting for the cooldown
		pf.grant(t, o, 1000) // 5000: recovered before it is charged
		pf.advance(10 * time.Minute)
		pf.runJobs(t)
		if ch := pf.charges(t, o)[0]; ch.Status != billd.ChargeCanceled || ch.FailureCode != "balance_recovered" {
			t.Fatalf("recharge after recovery = %+v, want canceled", ch)
		}
		pf.wantBalance(t, o, 5000)
		pf.wantNoProblems(t)
	})
}

// A declined recharge leaves the balance as it was, shows its failure codes, and is tried again
// after a backoff that doubles, until it is given up.
func TestDeclinedRechargeIsRetriedWithBackoff(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf, o := newRechargeFixture(t, s, billd.RechargeConfig{Attempts: 3, Backoff: time.Hour}, sandbox.CardDeclineOffSession)
		pf.setRecharge(t, o, 5000, 20000)
		pf.use(t, o, 6000)
		want := func(attempts int, status string) *billd.Charge {
			t.Helper()
			ch := pf.onlyCharge(t, o)
			if ch.Status != status || ch.Attempts != attempts || ch.FailureCode != "card_declined" ||
				ch.DeclineCode != "generic_decline" || ch.FailureMessage != sandbox.ReasonDeclined {
				t.Fatalf("charge = %+v, want %s after %d attempts, declined", ch, status, attempts)
			}
			pf.wantBalance(t, o, 4000)
			return ch
		}
		pf.runJobs(t)
		ch := want(1, billd.ChargeFailed)
		if ch.NextAttemptAt == nil || ch.NextAttemptAt.Sub(ch.UpdatedAt) != time.Hour {
			t.Fatalf("next attempt = %v after %v, want an hour later", ch.NextAttemptAt, ch.UpdatedAt)
		}
		pf.runJobs(t) // not due yet
		want(1, billd.ChargeFailed)
		pf.advance(time.Hour)
		pf.runJobs(t)
		ch = want(2, billd.ChargeFailed)
		if ch.NextAttemptAt.Sub(ch.UpdatedAt) != 2*time.Hour {
			t.Fatalf("second backoff = %v, want 2h", ch.NextAttemptAt.Sub(ch.UpdatedAt))
		}
		pf.advance(2 * time.Hour)
		pf.runJobs(t)
		want(3, billd.ChargeCanceled) // given up
		pf.advance(24 * time.Hour)
		pf.runJobs(t)
		want(3, billd.ChargeCanceled)
		if n := pf.notices(t, o, billd.NoticeRechargeFailed); n != 3 {
			t.Fatalf("recharge.failed notices = %d, want one per attempt", n)
		}
		if got := pf.grants(t, o, billd.SourceRecharge); len(got) != 0 {
			t.Fatalf("recharge grants = %v, want none", got)
		}
	})
}

// At most MonthlyCap recharges succeed per calendar month; one beyond is canceled with its reason,
// and the next month recharges again.
func TestRechargeMonthlyCap(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf, o := newRechargeFixture(t, s, billd.RechargeConfig{MonthlyCap: 2}, sandbox.CardSuccess)
		pf.setRecharge(t, o, 5000, 20000)
		for range 2 {
			pf.use(t, o, pf.balance(t, o)-4000)
			pf.runJobs(t)
			pf.wantBalance(t, o, 20000)
			pf.advance(10 * time.Minute)
		}
		pf.use(t, o, 16000)
		pf.runJobs(t)
		if ch := pf.charges(t, o)[0]; ch.Status != billd.ChargeCanceled || ch.FailureCode != "monthly_cap_reached" || ch.Attempts != 0 {
			t.Fatalf("third recharge of the month = %+v, want canceled for the cap", ch)
		}
		pf.wantBalance(t, o, 4000)

		pf.grant(t, o, 1000)            // 5000: back at the low, re-armed
		pf.advance(31 * 24 * time.Hour) // April
		pf.use(t, o, 1000)              // a new crossing in a new month
		pf.runJobs(t)
		if ch := pf.charges(t, o)[0]; ch.Status != billd.ChargeSucceeded || ch.Amount != 16000 {
			t.Fatalf("recharge of a new month = %+v", ch)
		}
		if got := len(pf.charges(t, o)); got != 4 {
			t.Fatalf("charges = %d, want 4", got)
		}
		pf.wantNoProblems(t)
	})
}

// lostAnswers is the sandbox whose Charge takes the money but loses its answer while lose is set,
// as a connection dropped after the provider charged would.
type lostAnswers struct {
	*sandbox.Provider
	lose  atomic.Bool
	calls atomic.Int64
}

func (p *lostAnswers) Charge(ctx context.Context, r billd.ChargeRequest) (*billd.ChargeResult, error) {
	p.calls.Add(1)
	res, err := p.Provider.Charge(ctx, r)
	if err == nil && p.lose.Load() {
		return nil, billd.Errorf(billd.EUNAVAILABLE, "the provider's answer was lost")
	}
	return res, err
}

// A recharge whose answer is lost stays pending with its attempt recorded; the next round asks
// again under the same idempotency key, learns it was paid, and credits it once.
func TestRechargeAnswerLostIsReplayed(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		var pr *lostAnswers
		pf := newPayFixtureConfig(t, s, billd.Config{}, func(sb *sandbox.Provider) billd.Provider {
			pr = &lostAnswers{Provider: sb}
			return pr
		})
		o := pf.newOrg(t)
		pf.saveCard(t, o, sandbox.CardSuccess)
		pf.grant(t, o, 10000)
		pf.setRecharge(t, o, 5000, 20000)
		pr.lose.Store(true)
		pf.use(t, o, 6000)
		pf.runJobs(t)
		if ch := pf.onlyCharge(t, o); ch.Status != billd.ChargePending || ch.Attempts != 1 || ch.Amount != 16000 {
			t.Fatalf("charge with its answer lost = %+v, want pending, attempt 1 recorded", ch)
		}
		pf.wantBalance(t, o, 4000)
		pf.use(t, o, 1000) // the replay asks for the amount of its attempt, not a new one
		pr.lose.Store(false)
		pf.runJobs(t)
		if ch := pf.onlyCharge(t, o); ch.Status != billd.ChargeSucceeded || ch.Attempts != 1 || ch.Amount != 16000 {
			t.Fatalf("charge after the replay = %+v", ch)
		}
		pf.wantBalance(t, o, 3000+16000)
		if got := pf.grants(t, o, billd.SourceRecharge); len(got) != 1 {
			t.Fatalf("recharge grants = %v, want one", got)
		}
		if pr.calls.Load() < 2 {
			t.Fatalf("the provider was asked %d times, want the attempt replayed", pr.calls.Load())
		}
	})
}
