package billd_test

import (
	"maps"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// setSpendLimits sets o's hourly and monthly spend limits as a platform admin.
func (f *fixture) setSpendLimits(t *testing.T, o org, hourly, monthly int64) {
	t.Helper()
	must(t, f.svc.UpdateAccountDetails(t.Context(), sys, o.ID, o.AccountID,
		billd.AccountDetailsUpdate{HourlySpendLimit: &hourly, MonthlySpendLimit: &monthly}))
}

// 64 concurrent usages against an hourly limit never overshoot it, in every commit mode: each
// batch checks each usage against the spend its predecessors in the batch left.
func TestConcurrentUsagesStopAtTheHourlyLimit(t *testing.T) {
	const (
		workers = 64
		amount  = 10
		fits    = 23 // usages the limit admits
	)
	eachMode(t, func(t *testing.T, s sqltest.Store, commit billd.CommitConfig) {
		f := newFixtureWith(t, s, commit)
		o := f.newOrg(t)
		f.grant(t, o, 100000)
		f.setSpendLimits(t, o, fits*amount+amount-1, 0)
		errs := race(workers, func(int) error {
			return f.svc.ReportUsage(t.Context(), meter, billd.UsageReport{OrgID: o.ID, Usages: []billd.Usage{usage(amount)}})
		})
		got := outcomes(errs)
		want := map[string]int{"ok": fits,
			billd.EPRECONDITION + ": hourly spend limit of 239 reached: 230 spent this hour": workers - fits}
		if !maps.Equal(got, want) {
			t.Fatalf("outcomes = %v, want %v", got, want)
		}
		f.wantBalance(t, o, 100000-fits*amount)
		f.wantClean(t, 1+fits)
	})
}

// The windows roll over at the hour and at the month, by the service's clock; a revert gives its
// spend back to the window of the usage it reverts, if that window is still the current one; a
// limit of 0 is none.
func TestSpendWindows(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		o := f.newOrg(t)
		f.grant(t, o, 1_000_000)
		f.setSpendLimits(t, o, 100, 250)

		first := f.use(t, o, 100)
		wantCode(t, f.report(t, o, usage(1)), billd.EPRECONDITION, "hourly spend limit of 100 reached: 100 spent this hour")
		must(t, f.revert(t, o, first, 30)) // gives 30 back to this hour and month
		f.use(t, o, 30)
		wantCode(t, f.report(t, o, usage(1)), billd.EPRECONDITION)
		ok, err := f.svc.CheckCredit(t.Context(), meter, o.ID, 1)
		must(t, err)
		if ok {
			t.Fatal("CheckCredit admits a usage the hourly limit refuses")
		}

		f.advance(time.Hour) // 10:00: a new hour, the same month (100 spent)
		f.use(t, o, 90)
		must(t, f.revert(t, o, first, 10)) // the usage's hour is gone: only the month gets it back (180)
		f.use(t, o, 10)                    // this hour: 100
		f.advance(time.Hour)
		f.use(t, o, 60)
		wantCode(t, f.report(t, o, usage(1)), billd.EPRECONDITION, "monthly spend limit of 250 reached: 250 spent this month")

		f.advance(31 * 24 * time.Hour) // April: both windows are new
		f.use(t, o, 100)
		f.setSpendLimits(t, o, 0, 0)
		f.use(t, o, 5000)
		f.wantNoProblems(t)

		zero := int64(-1)
		err = f.svc.UpdateAccountDetails(t.Context(), sys, o.ID, o.AccountID, billd.AccountDetailsUpdate{HourlySpendLimit: &zero})
		wantCode(t, err, billd.EINVALID, "hourly_spend_limit must not be negative (0 is no limit)")
	})
}
