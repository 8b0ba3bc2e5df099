package billd_test

import (
	"math"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// This file tests the ledger rules of DESIGN.md §2 through the Service, on SQLite and on
// PostgreSQL. Each test builds its state with Service calls only.

// Rule 1: the stored balance moves in the transaction of each transfer, so after any sequence of
// grants, usages and reverts the balance is what the operations imply and the journal re-sums to it.
func TestLedgerBalanceMovesWithEachTransfer(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()
		a, b := f.newOrg(t), f.newOrg(t)
		u1, u2, u3, u4 := usage(300), usage(150), usage(50), usage(25)
		steps := []struct {
			name      string
			do        func() error
			transfers int64 // journal entries the step adds
			balance   int64 // a's balance after the step
		}{
			{"grant by id", func() error {
				_, err := f.svc.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: a.ID, BillingID: a.AccountID,
					ID: billd.NewUUID(), Amount: 1000})
				return err
			}, 1, 1000},
			{"grant by idempotency key", func() error {
				_, err := f.svc.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: a.ID, BillingID: a.AccountID,
					IdempotencyKey: "welcome-bonus", Amount: 500})
				return err
			}, 1, 1500},
			{"one usage", func() error { return f.report(t, a, u1) }, 1, 1200},
			{"two usages in one report", func() error { return f.report(t, a, u2, u3) }, 2, 1000},
			{"usage naming the account", func() error {
				u := u4
				u.CustomerID = a.AccountID
				return f.svc.ReportUsage(ctx, meter, billd.UsageReport{OrgID: a.ID, BillingID: a.AccountID,
					Usages: []billd.Usage{u}})
			}, 1, 975},
			{"partial revert", func() error { return f.revert(t, a, u1.ID, 100) }, 1, 1075},
			{"second partial revert", func() error { return f.revert(t, a, u1.ID, 200) }, 1, 1275},
			{"revert of another usage", func() error { return f.revert(t, a, u2.ID, 30) }, 1, 1305},
			{"full revert", func() error { return f.revert(t, a, u3.ID, 50) }, 1, 1355},
		}
		var transfers int64
		for _, st := range steps {
			if err := st.do(); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			transfers += st.transfers
			f.wantBalance(t, a, st.balance)
			if sum := f.journalSum(t, a); sum != st.balance {
				t.Fatalf("after %s: the journal of the account sums to %d, the stored balance is %d", st.name, sum, st.balance)
			}
			f.wantClean(t, transfers)
		}
		if got := len(f.transactions(t, a)); int64(got) != transfers {
			t.Fatalf("account has %d journal entries, want %d", got, transfers)
		}

		// Another account's transfers leave a's balance alone, and a's left b's alone.
		f.wantBalance(t, b, 0)
		f.grant(t, b, 70)
		f.use(t, b, 20)
		f.wantBalance(t, b, 50)
		f.wantBalance(t, a, 1355)
		f.wantClean(t, transfers+2)
		if r := f.verify(t); r.Accounts != 2 {
			t.Fatalf("verify ledger checked %d accounts, want 2", r.Accounts)
		}
	})
}

// Rule 2: a debit needs balance - amount >= credit_min. A rejected debit is EINVALID "insufficient
// credits" and changes nothing.
func TestDebitStopsAtCreditMin(t *testing.T) {
	type debit struct {
		amount int64
		ok     bool
	}
	cases := []struct {
		name      string
		creditMin int64
		grant     int64
		debits    []debit
		final     int64
	}{
		{"credit_min zero", 0, 100, []debit{{101, false}, {60, true}, {41, false}, {40, true}, {1, false}}, 0},
		{"overdraft line", -50, 100, []debit{{151, false}, {150, true}, {1, false}}, -50},
		{"overdraft line without credits", -50, 0, []debit{{51, false}, {20, true}, {30, true}, {1, false}}, -50},
		{"minimum balance kept", 30, 100, []debit{{71, false}, {70, true}, {1, false}}, 30},
		{"minimum balance above the balance", 200, 100, []debit{{1, false}}, 100},
		{"no credits", 0, 0, []debit{{1, false}}, 0},
	}
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				o := f.newOrg(t)
				f.setCreditMin(t, o, c.creditMin)
				d, err := f.svc.AccountDetails(t.Context(), sys, o.ID, o.AccountID)
				must(t, err)
				if d.CreditMin != c.creditMin {
					t.Fatalf("credit_min = %d, want %d", d.CreditMin, c.creditMin)
				}
				if c.grant > 0 {
					f.grant(t, o, c.grant)
				}
				for _, dbt := range c.debits {
					before := f.state(t, o)
					err := f.report(t, o, usage(dbt.amount))
					if dbt.ok {
						if err != nil {
							t.Fatalf("debit %d at %v: %v", dbt.amount, before, err)
						}
						f.wantBalance(t, o, before.Balance-dbt.amount)
						continue
					}
					wantCode(t, err, billd.EINVALID, "insufficient credits")
					f.wantUnchanged(t, o, before)
				}
				f.wantBalance(t, o, c.final)
			})
		}
		f.wantNoProblems(t)
	})
}

// Rule 2: only an active account of an enabled organization can be debited; a closed account is
// not found.
func TestDebitNeedsActiveAccountAndOrganization(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()

		t.Run("disabled account", func(t *testing.T) {
			o := f.newOrg(t)
			f.grant(t, o, 100)
			must(t, f.svc.SetBillingAccountState(ctx, sys, o.ID, o.AccountID, billd.AccountDisabled))
			before := f.state(t, o)
			err := f.svc.ReportUsage(ctx, meter, billd.UsageReport{OrgID: o.ID, BillingID: o.AccountID,
				Usages: []billd.Usage{usage(10)}})
			wantCode(t, err, billd.EPRECONDITION)
			f.wantUnchanged(t, o, before)
			if ok, err := f.svc.CheckCredit(ctx, sys, o.ID, 10); err != nil || ok {
				t.Fatalf("CheckCredit with a disabled account = %v, %v; want false", ok, err)
			}
			// Enabled again, the same account takes the debit.
			must(t, f.svc.SetBillingAccountState(ctx, sys, o.ID, o.AccountID, billd.AccountActive))
			must(t, f.report(t, o, usage(10)))
			f.wantBalance(t, o, 90)
		})

		t.Run("disabled organization", func(t *testing.T) {
			o := f.newOrg(t)
			f.grant(t, o, 100)
			must(t, f.svc.SetOrganizationState(ctx, sys, o.ID, billd.OrgDisabled))
			before := f.state(t, o)
			wantCode(t, f.report(t, o, usage(10)), billd.EPRECONDITION)
			err := f.svc.ReportUsage(ctx, meter, billd.UsageReport{OrgID: o.ID, BillingID: o.AccountID,
				Usages: []billd.Usage{usage(10)}})
			wantCode(t, err, billd.EPRECONDITION)
			f.wantUnchanged(t, o, before)
			must(t, f.svc.SetOrganizationState(ctx, sys, o.ID, billd.OrgEnabled))
			must(t, f.report(t, o, usage(10)))
			f.wantBalance(t, o, 90)
		})

		t.Run("deleted account", func(t *testing.T) {
			o := f.newOrg(t)
			f.grant(t, o, 100)
			transfers := f.verify(t).Transfers
			must(t, f.svc.DeleteBillingAccount(ctx, sys, o.ID, o.AccountID))
			err := f.svc.ReportUsage(ctx, meter, billd.UsageReport{OrgID: o.ID, BillingID: o.AccountID,
				Usages: []billd.Usage{usage(10)}})
			wantCode(t, err, billd.ENOTFOUND)
			wantCode(t, f.report(t, o, usage(10)), billd.ENOTFOUND) // the organization has no active account
			f.wantClean(t, transfers)
		})
	})
}

// Rule 3: the usage id is the idempotency key of a usage, and a grant's id (given, or derived
// from its Idempotency-Key) that of a grant. A replay moves no money; the same key with another
// body is a conflict too.
func TestIdempotencyKeys(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()

		t.Run("usage", func(t *testing.T) {
			a, b := f.newOrg(t), f.newOrg(t)
			f.grant(t, a, 1000)
			f.grant(t, b, 1000)
			u := usage(100)
			must(t, f.report(t, a, u))
			f.wantBalance(t, a, 900)
			before, beforeB := f.state(t, a), f.state(t, b)

			wantCode(t, f.report(t, a, u), billd.ECONFLICT, "credits already applied")
			upper := u
			upper.ID = strings.ToUpper(u.ID)
			wantCode(t, f.report(t, a, upper), billd.ECONFLICT, "credits already applied")
			f.wantUnchanged(t, a, before)

			for name, other := range map[string]billd.Usage{
				"another amount":      {ID: u.ID, Amount: 99},
				"another description": {ID: u.ID, Amount: 100, Description: "something else"},
			} {
				err := f.report(t, a, other)
				wantCode(t, err, billd.ECONFLICT)
				if billd.ErrorMessage(err) == "credits already applied" {
					t.Fatalf("%s: a different request under a used id must not read as a replay: %v", name, err)
				}
				f.wantUnchanged(t, a, before)
			}
			// A usage that was reverted in part is still applied: replaying it moves nothing.
			must(t, f.revert(t, a, u.ID, 40))
			before = f.state(t, a)
			wantCode(t, f.report(t, a, u), billd.ECONFLICT, "credits already applied")
			f.wantUnchanged(t, a, before)
			// The id is taken for every account, not only the one it debited.
			wantCode(t, f.report(t, b, u), billd.ECONFLICT)
			f.wantUnchanged(t, b, beforeB)
			f.wantUnchanged(t, a, before)
		})

		grantCases := []struct {
			name string
			req  func(o org, amount int64) billd.GrantRequest
		}{
			{"grant by id", func() func(org, int64) billd.GrantRequest {
				id := billd.NewUUID()
				return func(o org, amount int64) billd.GrantRequest {
					return billd.GrantRequest{OrgID: o.ID, BillingID: o.AccountID, ID: id, Amount: amount}
				}
			}()},
			{"grant by idempotency key", func(o org, amount int64) billd.GrantRequest {
				return billd.GrantRequest{OrgID: o.ID, BillingID: o.AccountID, IdempotencyKey: "order-42", Amount: amount}
			}},
		}
		for _, c := range grantCases {
			t.Run(c.name, func(t *testing.T) {
				o := f.newOrg(t)
				first, err := f.svc.GrantCredits(ctx, sys, c.req(o, 100))
				must(t, err)
				if first.Amount != 100 || first.Kind != billd.KindGrant || first.Direction() != "credit" {
					t.Fatalf("grant = %+v, want a credit of 100 of kind grant", first)
				}
				before := f.state(t, o)
				_, err = f.svc.GrantCredits(ctx, sys, c.req(o, 100))
				wantCode(t, err, billd.ECONFLICT, "credits already applied")
				f.wantUnchanged(t, o, before)
				_, err = f.svc.GrantCredits(ctx, sys, c.req(o, 200))
				wantCode(t, err, billd.ECONFLICT)
				if billd.ErrorMessage(err) == "credits already applied" {
					t.Fatalf("a different grant under a used key must not read as a replay: %v", err)
				}
				f.wantUnchanged(t, o, before)
				f.wantBalance(t, o, 100)
			})
		}

		t.Run("grant ids across accounts", func(t *testing.T) {
			a, b := f.newOrg(t), f.newOrg(t)
			id := billd.NewUUID()
			_, err := f.svc.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: a.ID, BillingID: a.AccountID, ID: id, Amount: 5})
			must(t, err)
			// An explicit id is global...
			_, err = f.svc.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: b.ID, BillingID: b.AccountID, ID: id, Amount: 5})
			wantCode(t, err, billd.ECONFLICT)
			f.wantBalance(t, b, 0)
			// ...while an Idempotency-Key is scoped to the account it names.
			for _, o := range []org{a, b} {
				_, err = f.svc.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: o.ID, BillingID: o.AccountID,
					IdempotencyKey: "signup", Amount: 7})
				must(t, err)
			}
			f.wantBalance(t, a, 12)
			f.wantBalance(t, b, 7)
			// Without an id or a key a retry could grant twice, so the grant is refused.
			_, err = f.svc.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: a.ID, BillingID: a.AccountID, Amount: 7})
			wantCode(t, err, billd.EINVALID)
			f.wantBalance(t, a, 12)
		})
		f.wantNoProblems(t)
	})
}

// Rule 4: a report of several usages is all or nothing, and bad input is EINVALID (never an
// internal error) before anything moves.
func TestReportUsageIsAllOrNothing(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()
		o, other := f.newOrg(t), f.newOrg(t)
		f.grant(t, o, 100)
		applied := usage(10)
		must(t, f.report(t, o, applied))
		f.wantBalance(t, o, 90)

		short1, short2, short3 := usage(40), usage(40), usage(40) // 120 > 90: the third fails
		fresh1, fresh2 := usage(10), usage(10)
		dup := usage(10)
		dupUpper := dup
		dupUpper.ID = strings.ToUpper(dup.ID)
		cases := []struct {
			name   string
			usages []billd.Usage
			code   string
			msg    string // checked when not empty
		}{
			{"insufficient credits on the third", []billd.Usage{short1, short2, short3}, billd.EINVALID, "insufficient credits"},
			{"one id already applied", []billd.Usage{fresh1, applied, fresh2}, billd.ECONFLICT, "credits already applied"},
			{"one id applied with another amount", []billd.Usage{fresh1, {ID: applied.ID, Amount: 11}}, billd.ECONFLICT, ""},
			{"duplicate id in the request", []billd.Usage{dup, usage(5), dup}, billd.EINVALID, ""},
			{"duplicate id in another case", []billd.Usage{dup, dupUpper}, billd.EINVALID, ""},
			{"feature usage", []billd.Usage{usage(5), {ID: billd.NewUUID(), Type: billd.UsageFeature, Amount: 5}}, billd.EINVALID, ""},
			{"unknown type", []billd.Usage{{ID: billd.NewUUID(), Type: "minutes", Amount: 5}}, billd.EINVALID, ""},
			{"id is not a UUID", []billd.Usage{usage(5), {ID: "usage-1", Amount: 5}}, billd.EINVALID, ""},
			{"id is missing", []billd.Usage{{Amount: 5}}, billd.EINVALID, ""},
			{"zero amount", []billd.Usage{usage(5), usage(0)}, billd.EINVALID, ""},
			{"negative amount", []billd.Usage{usage(-5)}, billd.EINVALID, ""},
			{"amounts sum past int64", []billd.Usage{usage(math.MaxInt64), usage(1)}, billd.EINVALID, ""},
			{"amounts sum past int64 late", []billd.Usage{usage(1), usage(math.MaxInt64 - 1), usage(1)}, billd.EINVALID, ""},
			{"no usages", nil, billd.EINVALID, ""},
			{"customer_id of another account", []billd.Usage{{ID: billd.NewUUID(), Amount: 5, CustomerID: other.AccountID}}, billd.EINVALID, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := f.state(t, o)
				err := f.report(t, o, c.usages...)
				if c.msg != "" {
					wantCode(t, err, c.code, c.msg)
				} else {
					wantCode(t, err, c.code)
				}
				f.wantUnchanged(t, o, before)
			})
		}
		// No usage of a rejected report was recorded: each id can still be applied.
		f.grant(t, o, 100)
		must(t, f.report(t, o, short1, short2))
		must(t, f.report(t, o, fresh1, fresh2, dup))
		f.wantBalance(t, o, 190-80-30)
		wantCode(t, f.svc.ReportUsage(ctx, meter, billd.UsageReport{Usages: []billd.Usage{usage(1)}}), billd.EINVALID)
		wantCode(t, f.svc.ReportUsage(ctx, meter, billd.UsageReport{OrgID: billd.NewUUID(), Usages: []billd.Usage{usage(1)}}), billd.ENOTFOUND)
		f.wantClean(t, 8)
	})
}

// Overflow on any sum is an error, not a wrap (DESIGN.md §2).
func TestLedgerTotalsNeverWrap(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		rich, deep := f.newOrg(t), f.newOrg(t)

		f.grant(t, rich, math.MaxInt64)
		before := f.state(t, rich)
		_, err := f.svc.GrantCredits(t.Context(), sys, billd.GrantRequest{OrgID: rich.ID, BillingID: rich.AccountID,
			ID: billd.NewUUID(), Amount: 1})
		wantCode(t, err, billd.EINVALID)
		f.wantUnchanged(t, rich, before)

		f.setCreditMin(t, deep, math.MinInt64) // no floor at all
		f.use(t, deep, math.MaxInt64)
		f.wantBalance(t, deep, -math.MaxInt64)
		before = f.state(t, deep)
		wantCode(t, f.report(t, deep, usage(1)), billd.EINVALID)
		f.wantUnchanged(t, deep, before)
		f.wantClean(t, 2)
	})
}

// TestCheckCreditAgreesWithTheDebit checks an account whose next debit would overflow its debit
// total: the credit check must not promise a debit that the ledger then refuses.
func TestCheckCreditAgreesWithTheDebit(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		o := f.newOrg(t)
		f.grant(t, o, math.MaxInt64-5)
		f.use(t, o, math.MaxInt64-5) // debits posted: MaxInt64-5, balance 0
		f.setCreditMin(t, o, -100)   // room for 100 more by the balance rule
		ok, err := f.svc.CheckCredit(t.Context(), meter, o.ID, 10)
		must(t, err)
		refused := f.report(t, o, usage(10))
		wantCode(t, refused, billd.EINVALID, "amount overflows the account's debit total")
		if ok {
			t.Fatalf("CheckCredit(10) = true, but a debit of 10 is refused: %v", refused)
		}
		if ok, err := f.svc.CheckCredit(t.Context(), meter, o.ID, 5); err != nil || !ok {
			t.Fatalf("CheckCredit(5) = %v, %v; want true", ok, err)
		}
		must(t, f.report(t, o, usage(5)))
	})
}

// Rule 5: only usage can be reverted, in parts that never sum past it, into the account it
// debited, and a revert is never reverted.
func TestRevertUsage(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()

		t.Run("only usage", func(t *testing.T) {
			o := f.newOrg(t)
			g := f.grant(t, o, 1000)
			before := f.state(t, o)
			wantCode(t, f.revert(t, o, g.ID, 10), billd.EINVALID)
			f.wantUnchanged(t, o, before)
		})

		t.Run("amount must be positive", func(t *testing.T) {
			o := f.newOrg(t)
			f.grant(t, o, 1000)
			u := f.use(t, o, 100)
			before := f.state(t, o)
			for _, amount := range []int64{0, -1, math.MinInt64} {
				wantCode(t, f.revert(t, o, u, amount), billd.EINVALID)
			}
			wantCode(t, f.revert(t, o, "not-a-uuid", 10), billd.EINVALID)
			wantCode(t, f.revert(t, o, billd.NewUUID(), 10), billd.ENOTFOUND)
			f.wantUnchanged(t, o, before)
		})

		t.Run("partial reverts up to the usage", func(t *testing.T) {
			o := f.newOrg(t)
			f.grant(t, o, 1000)
			u := f.use(t, o, 100)
			f.wantBalance(t, o, 900)
			steps := []struct {
				amount int64
				ok     bool
			}{{101, false}, {30, true}, {50, true}, {21, false}, {20, true}, {1, false}}
			balance := int64(900)
			for _, st := range steps {
				before := f.state(t, o)
				err := f.revert(t, o, u, st.amount)
				if !st.ok {
					wantCode(t, err, billd.EINVALID)
					f.wantUnchanged(t, o, before)
					continue
				}
				must(t, err)
				balance += st.amount
				f.wantBalance(t, o, balance)
			}
			f.wantBalance(t, o, 1000)
		})

		t.Run("revert credits the usage's account", func(t *testing.T) {
			a, b := f.newOrg(t), f.newOrg(t)
			f.grant(t, a, 1000)
			f.grant(t, b, 1000)
			u := f.use(t, a, 100)
			must(t, f.revert(t, a, u, 40))
			f.wantBalance(t, a, 940)
			f.wantBalance(t, b, 1000)
			latest := f.transactions(t, a)[0]
			if latest.Kind != billd.KindRevert || latest.RefID != u || latest.Amount != 40 ||
				latest.CreditAccountID != a.AccountID || latest.DebitAccountID != billd.PlatformAccountID(billd.CreditCurrency) {
				t.Fatalf("latest entry = %+v, want a revert of 40 of %s from the platform to %s", latest.Transfer, u, a.AccountID)
			}
		})

		t.Run("a revert cannot be reverted", func(t *testing.T) {
			o := f.newOrg(t)
			f.grant(t, o, 1000)
			u := f.use(t, o, 100)
			must(t, f.revert(t, o, u, 10))
			var revertID string
			for _, tr := range f.transactions(t, o) {
				if tr.Kind == billd.KindRevert {
					revertID = tr.ID
				}
			}
			if revertID == "" {
				t.Fatal("the revert is not in the journal")
			}
			before := f.state(t, o)
			wantCode(t, f.revert(t, o, revertID, 5), billd.ECONFLICT)
			f.wantUnchanged(t, o, before)
		})

		t.Run("organization by project", func(t *testing.T) {
			a, b := f.newOrg(t), f.newOrg(t)
			f.grant(t, a, 1000)
			u := f.use(t, a, 100)
			pa, err := f.svc.CreateProject(ctx, sys, billd.ProjectInput{OrgID: a.ID, Name: f.name("proj")})
			must(t, err)
			pb, err := f.svc.CreateProject(ctx, sys, billd.ProjectInput{OrgID: b.ID, Name: f.name("proj")})
			must(t, err)
			must(t, f.svc.RevertUsage(ctx, meter, billd.RevertRequest{ProjectID: pa.ID, UsageID: u, Amount: 25}))
			f.wantBalance(t, a, 925)
			before := f.state(t, a)
			// A project of another organization does not reach a's usage.
			err = f.svc.RevertUsage(ctx, meter, billd.RevertRequest{ProjectID: pb.ID, UsageID: u, Amount: 25})
			wantCode(t, err, billd.ENOTFOUND)
			err = f.svc.RevertUsage(ctx, meter, billd.RevertRequest{OrgID: a.ID, ProjectID: pb.ID, UsageID: u, Amount: 25})
			wantCode(t, err, billd.EINVALID)
			f.wantUnchanged(t, a, before)
		})

		t.Run("usage of another organization", func(t *testing.T) {
			a, b := f.newOrg(t), f.newOrg(t)
			f.grant(t, a, 1000)
			f.grant(t, b, 1000)
			u := f.use(t, a, 100)
			beforeA, beforeB := f.state(t, a), f.state(t, b)
			wantCode(t, f.revert(t, b, u, 10), billd.ENOTFOUND)
			err := f.svc.RevertUsage(ctx, meter, billd.RevertRequest{OrgID: a.ID, BillingID: b.AccountID, UsageID: u, Amount: 10})
			wantCode(t, err, billd.ENOTFOUND)
			f.wantUnchanged(t, a, beforeA)
			f.wantUnchanged(t, b, beforeB)
		})

		t.Run("idempotency key", func(t *testing.T) {
			o := f.newOrg(t)
			f.grant(t, o, 1000)
			u := f.use(t, o, 100)
			req := billd.RevertRequest{OrgID: o.ID, UsageID: u, Amount: 30, IdempotencyKey: "refund-7"}
			must(t, f.svc.RevertUsage(ctx, meter, req))
			f.wantBalance(t, o, 930)
			before := f.state(t, o)
			wantCode(t, f.svc.RevertUsage(ctx, meter, req), billd.ECONFLICT, "revert already applied")
			other := req
			other.Amount = 31
			wantCode(t, f.svc.RevertUsage(ctx, meter, other), billd.ECONFLICT)
			f.wantUnchanged(t, o, before)
			// Another key is another revert.
			other.IdempotencyKey = "refund-8"
			must(t, f.svc.RevertUsage(ctx, meter, other))
			f.wantBalance(t, o, 961)
		})
		f.wantNoProblems(t)
	})
}

// Rule 6: nothing in the journal is updated or deleted. Deleting an account or an organization
// closes it: it is no longer found through the API, and its journal still counts.
func TestDeletingClosesAndKeepsTheJournal(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()

		t.Run("billing account", func(t *testing.T) {
			o := f.newOrg(t)
			f.setCreditMin(t, o, -100)
			f.grant(t, o, 100)
			u := f.use(t, o, 150)
			must(t, f.revert(t, o, u, 10))
			f.wantBalance(t, o, -40)
			before := f.verify(t)
			must(t, f.svc.DeleteBillingAccount(ctx, sys, o.ID, o.AccountID))

			_, err := f.svc.Balance(ctx, sys, o.ID, o.AccountID)
			wantCode(t, err, billd.ENOTFOUND)
			_, err = f.svc.BillingAccount(ctx, sys, o.ID, o.AccountID)
			wantCode(t, err, billd.ENOTFOUND)
			_, _, err = f.svc.ListTransactions(ctx, sys, billd.TransactionQuery{OrgID: o.ID, BillingID: o.AccountID})
			wantCode(t, err, billd.ENOTFOUND)
			_, err = f.svc.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: o.ID, BillingID: o.AccountID,
				ID: billd.NewUUID(), Amount: 40})
			wantCode(t, err, billd.ENOTFOUND)
			_, err = f.svc.DebitedTotal(ctx, sys, o.ID, o.AccountID)
			wantCode(t, err, billd.ENOTFOUND)
			wantCode(t, f.svc.DeleteBillingAccount(ctx, sys, o.ID, o.AccountID), billd.ENOTFOUND)
			list, err := f.svc.ListBillingAccounts(ctx, sys, o.ID, billd.PageRequest{})
			must(t, err)
			if len(list.Items) != 0 {
				t.Fatalf("ListBillingAccounts lists %d accounts after the delete, want 0", len(list.Items))
			}

			after := f.verify(t)
			if after.Transfers != before.Transfers || after.Accounts != before.Accounts || len(after.Problems) != 0 {
				t.Fatalf("verify after the delete = %+v, before = %+v: the journal must be kept", after, before)
			}
			// The closed account's negative balance still counts as the organization's dues.
			_, err = f.svc.CreateBillingAccount(ctx, sys, o.ID, billd.BillingAccountInput{Name: "again"})
			wantCode(t, err, billd.EPRECONDITION)
		})

		t.Run("organization", func(t *testing.T) {
			o, keep := f.newOrg(t), f.newOrg(t)
			f.grant(t, o, 100)
			f.use(t, o, 30)
			f.grant(t, keep, 5)
			project, err := f.svc.CreateProject(ctx, sys, billd.ProjectInput{OrgID: o.ID, Name: f.name("proj")})
			must(t, err)
			before := f.verify(t)
			must(t, f.svc.DeleteOrganization(ctx, sys, o.ID))

			_, err = f.svc.Organization(ctx, sys, o.ID)
			wantCode(t, err, billd.ENOTFOUND)
			_, err = f.svc.Organization(ctx, sys, o.Name)
			wantCode(t, err, billd.ENOTFOUND)
			_, err = f.svc.Balance(ctx, sys, o.ID, o.AccountID)
			wantCode(t, err, billd.ENOTFOUND)
			_, err = f.svc.Project(ctx, sys, project.ID)
			wantCode(t, err, billd.ENOTFOUND)
			wantCode(t, f.report(t, o, usage(1)), billd.ENOTFOUND)
			_, err = f.svc.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: o.ID, BillingID: o.AccountID,
				ID: billd.NewUUID(), Amount: 1})
			wantCode(t, err, billd.ENOTFOUND)
			wantCode(t, f.svc.DeleteOrganization(ctx, sys, o.ID), billd.ENOTFOUND)
			orgs, err := f.svc.ListOrganizations(ctx, sys, "", billd.PageRequest{})
			must(t, err)
			for _, listed := range orgs.Items {
				if listed.ID == o.ID {
					t.Fatalf("ListOrganizations lists the deleted organization %s", o.Name)
				}
			}
			all, err := f.svc.ListAllBillingAccounts(ctx, sys, "", billd.PageRequest{})
			must(t, err)
			for _, a := range all.Items {
				if a.ID == o.AccountID {
					t.Fatalf("ListAllBillingAccounts lists the account of the deleted organization")
				}
			}

			after := f.verify(t)
			if after.Transfers != before.Transfers || after.Accounts != before.Accounts || len(after.Problems) != 0 {
				t.Fatalf("verify after the delete = %+v, before = %+v: the journal must be kept", after, before)
			}
			f.wantBalance(t, keep, 5)
		})
	})
}

// Rule 7: VerifyLedger re-sums the journal and names the account whose stored totals drifted.
func TestVerifyLedgerFindsDrift(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		a, b := f.newOrg(t), f.newOrg(t)
		f.grant(t, a, 100)
		u := f.use(t, a, 40)
		must(t, f.revert(t, a, u, 15))
		f.grant(t, b, 50)
		f.wantClean(t, 4)

		// Tampering: the stored credits of a no longer match its journal.
		must(t, s.DB.ExecRaw(t.Context(), `UPDATE ledger_accounts SET credits_posted = credits_posted + 7 WHERE id = $1`, a.AccountID))
		r := f.verify(t)
		if len(r.Problems) != 1 {
			t.Fatalf("verify found %d problems, want 1: %+v", len(r.Problems), r.Problems)
		}
		if p := r.Problems[0]; p.AccountID != a.AccountID || p.Detail == "" {
			t.Fatalf("problem = %+v, want one naming account %s", p, a.AccountID)
		}
		if r.Accounts != 2 || r.Transfers != 4 {
			t.Fatalf("verify checked %d accounts and %d transfers, want 2 and 4", r.Accounts, r.Transfers)
		}
		// The stored balance is what a balance read returns, which is why drift matters.
		f.wantBalance(t, a, 100-40+15+7)
	})
}

// Rule 8: CheckCredit answers whether a debit would pass now; DebitedTotal is usage minus reverts.
func TestCheckCreditAndDebitedTotal(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()
		o := f.newOrg(t)

		check := func(t *testing.T, amount int64, want bool) {
			t.Helper()
			for _, p := range []billd.Principal{sys, meter} {
				got, err := f.svc.CheckCredit(ctx, p, o.ID, amount)
				if err != nil || got != want {
					t.Fatalf("CheckCredit(%d) as %s = %v, %v; want %v", amount, p.Role, got, err, want)
				}
			}
		}
		debited := func(t *testing.T, want int64) {
			t.Helper()
			d, err := f.svc.DebitedTotal(ctx, meter, o.ID, o.AccountID)
			if err != nil || d.Amount != want || d.Currency != billd.CreditCurrency {
				t.Fatalf("DebitedTotal = %+v, %v; want %d %s", d, err, want, billd.CreditCurrency)
			}
		}

		check(t, 1, false)
		debited(t, 0)
		f.grant(t, o, 100)
		check(t, 100, true)
		check(t, 101, false)
		debited(t, 0) // grants are not spending

		u1 := f.use(t, o, 30)
		u2 := f.use(t, o, 20)
		check(t, 50, true)
		check(t, 51, false)
		debited(t, 50)

		must(t, f.revert(t, o, u1, 5))
		must(t, f.revert(t, o, u2, 20))
		debited(t, 25)
		check(t, 75, true)
		check(t, 76, false)

		f.setCreditMin(t, o, -20)
		check(t, 95, true)
		check(t, 96, false)
		f.setCreditMin(t, o, 10)
		check(t, 65, true)
		check(t, 66, false)

		// The answers agree with what ReportUsage then does.
		wantCode(t, f.report(t, o, usage(66)), billd.EINVALID, "insufficient credits")
		must(t, f.report(t, o, usage(65)))
		debited(t, 90)
		check(t, 1, false)

		for _, amount := range []int64{0, -1} {
			_, err := f.svc.CheckCredit(ctx, sys, o.ID, amount)
			wantCode(t, err, billd.EINVALID)
		}

		f.setCreditMin(t, o, -1000)
		check(t, 1, true)
		must(t, f.svc.SetOrganizationState(ctx, sys, o.ID, billd.OrgDisabled))
		check(t, 1, false)
		must(t, f.svc.SetOrganizationState(ctx, sys, o.ID, billd.OrgEnabled))
		check(t, 1, true)
		must(t, f.svc.SetBillingAccountState(ctx, sys, o.ID, o.AccountID, billd.AccountDisabled))
		check(t, 1, false)
	})
}
