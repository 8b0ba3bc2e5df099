package billd_test

import (
	"fmt"
	"maps"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// This file races writes against one account on SQLite and on PostgreSQL. The goroutines are
// released together; the assertions are about outcomes only, never about timing.

// Concurrent debits of one account stop exactly at credit_min: the check runs under the
// account's write lock, in the transaction that writes.
func TestConcurrentDebitsStopAtCreditMin(t *testing.T) {
	const (
		workers   = 64
		fits      = 40 // debits the account is funded for
		amount    = 10
		creditMin = -50
	)
	eachMode(t, func(t *testing.T, s sqltest.Store, commit billd.CommitConfig) {
		f := newFixtureWith(t, s, commit)
		o, bystander := f.newOrg(t), f.newOrg(t)
		f.setCreditMin(t, o, creditMin)
		f.grant(t, o, fits*amount+creditMin) // balance - 40*10 = credit_min
		f.grant(t, bystander, 1000)

		errs := race(workers, func(int) error {
			return f.svc.ReportUsage(t.Context(), meter, billd.UsageReport{OrgID: o.ID,
				Usages: []billd.Usage{usage(amount)}})
		})
		got := outcomes(errs)
		want := map[string]int{"ok": fits, billd.EINVALID + ": insufficient credits": workers - fits}
		if !maps.Equal(got, want) {
			t.Fatalf("outcomes = %v, want %v", got, want)
		}
		f.wantBalance(t, o, creditMin)
		f.wantBalance(t, bystander, 1000)
		d, err := f.svc.DebitedTotal(t.Context(), sys, o.ID, o.AccountID)
		must(t, err)
		if d.Amount != fits*amount {
			t.Fatalf("DebitedTotal = %d, want %d", d.Amount, fits*amount)
		}
		f.wantClean(t, 2+fits)
	})
}

// Concurrent reverts of one usage never sum past it: each takes the account's write lock and
// re-reads what is left to revert under it.
func TestConcurrentRevertsNeverExceedTheUsage(t *testing.T) {
	const (
		workers     = 16
		usageAmount = 100
	)
	cases := []struct {
		name   string
		amount int64
		fits   int // reverts that fit in the usage
	}{
		{"reverts of 10", 10, 10},
		{"reverts of 30", 30, 3},
		{"reverts of the whole usage", usageAmount, 1},
	}
	eachMode(t, func(t *testing.T, s sqltest.Store, commit billd.CommitConfig) {
		f := newFixtureWith(t, s, commit)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				o := f.newOrg(t)
				f.grant(t, o, 1000)
				u := f.use(t, o, usageAmount)
				before := f.verify(t).Transfers

				errs := race(workers, func(int) error { return f.revert(t, o, u, c.amount) })
				ok := 0
				for _, err := range errs {
					switch billd.ErrorCode(err) {
					case "":
						ok++
					case billd.EINVALID: // beyond what is left of the usage
					default:
						t.Errorf("revert: %v", err)
					}
				}
				reverted := int64(ok) * c.amount
				if reverted > usageAmount {
					t.Fatalf("%d reverts of %d succeeded: %d reverted of a usage of %d", ok, c.amount, reverted, usageAmount)
				}
				if ok != c.fits {
					t.Fatalf("%d reverts of %d succeeded, want %d", ok, c.amount, c.fits)
				}
				f.wantBalance(t, o, 1000-usageAmount+reverted)
				d, err := f.svc.DebitedTotal(t.Context(), sys, o.ID, o.AccountID)
				must(t, err)
				if d.Amount != usageAmount-reverted {
					t.Fatalf("DebitedTotal = %d, want %d", d.Amount, usageAmount-reverted)
				}
				f.wantClean(t, before+int64(ok))
			})
		}
	})
}

// A replayed id never moves money twice, however many copies of the request race.
func TestConcurrentReplaysApplyOnce(t *testing.T) {
	eachMode(t, func(t *testing.T, s sqltest.Store, commit billd.CommitConfig) {
		f := newFixtureWith(t, s, commit)
		ctx := t.Context()

		t.Run("usage id", func(t *testing.T) {
			const workers = 32
			o := f.newOrg(t)
			f.grant(t, o, 1000)
			id := billd.NewUUID()
			errs := race(workers, func(int) error {
				return f.report(t, o, billd.Usage{ID: id, Amount: 25})
			})
			got := outcomes(errs)
			if got["ok"] != 1 || got[billd.ECONFLICT+": credits already applied"] != workers-1 {
				t.Fatalf("outcomes = %v, want 1 ok and %d \"credits already applied\"", got, workers-1)
			}
			f.wantBalance(t, o, 975)
			if n := len(f.transactions(t, o)); n != 2 {
				t.Fatalf("journal has %d entries, want 2", n)
			}
			f.wantNoProblems(t)
		})

		t.Run("usage id on two accounts", func(t *testing.T) {
			const workers = 16
			a, b := f.newOrg(t), f.newOrg(t)
			f.grant(t, a, 1000)
			f.grant(t, b, 1000)
			id := billd.NewUUID()
			errs := race(2*workers, func(i int) error {
				return f.report(t, []org{a, b}[i%2], billd.Usage{ID: id, Amount: 25})
			})
			ok := 0
			for _, err := range errs {
				switch billd.ErrorCode(err) {
				case "":
					ok++
				case billd.ECONFLICT:
				default:
					t.Errorf("report: %v", err)
				}
			}
			if ok != 1 {
				t.Fatalf("%d reports of one usage id succeeded, want 1", ok)
			}
			if total := f.balance(t, a) + f.balance(t, b); total != 2000-25 {
				t.Fatalf("balances sum to %d, want %d: the usage was applied more than once", total, 2000-25)
			}
			f.wantNoProblems(t)
		})

		t.Run("grant idempotency key", func(t *testing.T) {
			const workers = 32
			o := f.newOrg(t)
			errs := race(workers, func(int) error {
				_, err := f.svc.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: o.ID, BillingID: o.AccountID,
					IdempotencyKey: "checkout-1", Amount: 500})
				return err
			})
			got := outcomes(errs)
			if got["ok"] != 1 || got[billd.ECONFLICT+": credits already applied"] != workers-1 {
				t.Fatalf("outcomes = %v, want 1 ok and %d \"credits already applied\"", got, workers-1)
			}
			f.wantBalance(t, o, 500)
			f.wantNoProblems(t)
		})

		t.Run("revert idempotency key", func(t *testing.T) {
			const workers = 16
			o := f.newOrg(t)
			f.grant(t, o, 1000)
			u := f.use(t, o, 100)
			errs := race(workers, func(int) error {
				return f.svc.RevertUsage(ctx, meter, billd.RevertRequest{OrgID: o.ID, UsageID: u, Amount: 10,
					IdempotencyKey: "refund-1"})
			})
			ok := 0
			for _, err := range errs {
				switch billd.ErrorCode(err) {
				case "":
					ok++
				case billd.ECONFLICT:
				default:
					t.Errorf("revert: %v", err)
				}
			}
			if ok != 1 {
				t.Fatalf("%d reverts under one idempotency key succeeded, want 1", ok)
			}
			f.wantBalance(t, o, 910)
			f.wantNoProblems(t)
		})
	})
}

// Concurrent revocations of platform admins never revoke the last one: the count of admins that
// guards a revocation must hold until the revocation commits. Each round races to revoke every
// platform admin there is; exactly one must be left.
func TestConcurrentRevocationsKeepAPlatformAdmin(t *testing.T) {
	const (
		rounds = 10
		admins = 16 // made in each round
	)
	eachMode(t, func(t *testing.T, s sqltest.Store, commit billd.CommitConfig) {
		f := newFixtureWith(t, s, commit)
		ctx := t.Context()
		platformAdmins := func() []string {
			page, err := f.svc.ListClients(ctx, sys, "", billd.PageRequest{PageSize: billd.MaxPageSize})
			must(t, err)
			var ids []string
			for _, c := range page.Items {
				if c.Role == billd.RoleAdmin && c.OrgID == "" {
					ids = append(ids, c.ID)
				}
			}
			return ids
		}
		for round := range rounds {
			for range admins {
				_, err := f.svc.CreateClient(ctx, sys, billd.ClientInput{Role: billd.RoleAdmin})
				must(t, err)
			}
			ids := platformAdmins()
			errs := race(len(ids), func(i int) error { return f.svc.RevokeClient(ctx, sys, ids[i]) })
			ok := 0
			for _, err := range errs {
				switch billd.ErrorCode(err) {
				case "":
					ok++
				case billd.EPRECONDITION: // the last platform admin
				default:
					t.Errorf("revoke: %v", err)
				}
			}
			if left := len(platformAdmins()); left != 1 || ok != len(ids)-1 {
				t.Fatalf("round %d: %d of %d concurrent revocations succeeded and %d platform admins are left, want %d and 1",
					round, ok, len(ids), left, len(ids)-1)
			}
		}
	})
}

// Nodes that start together with the same BILLD_ADMIN_CLIENT_ID and secret all succeed in making
// sure that admin exists (DESIGN.md §7: any number of API nodes run against one database). Each
// round races the nodes on a new admin id.
func TestConcurrentBootstrapOfTheSameAdmin(t *testing.T) {
	const (
		rounds = 20
		nodes  = 8
		secret = "bootstrap-secret-0123456789"
	)
	eachMode(t, func(t *testing.T, s sqltest.Store, commit billd.CommitConfig) {
		f := newFixtureWith(t, s, commit)
		for round := range rounds {
			id := fmt.Sprintf("ops-admin-%d", round)
			errs := race(nodes, func(int) error {
				_, err := f.svc.BootstrapAdmin(t.Context(), id, secret, "")
				return err
			})
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d, node %d: BootstrapAdmin(%q): %v", round, i, id, err)
				}
			}
			p, err := f.svc.Authenticate(t.Context(), billd.Credentials{ClientID: id, Secret: secret})
			must(t, err)
			if p.Role != billd.RoleAdmin || p.OrgID != "" {
				t.Fatalf("bootstrap admin authenticates as %+v, want a platform admin", p)
			}
		}
	})
}
