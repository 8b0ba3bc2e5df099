package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestJournalByDay sums an account's journal by UTC day on both stores: transfers a millisecond
// either side of midnight fall on their own days, a revert counts on its day for its usage's
// source, and another account's transfers are left out.
func TestJournalByDay(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		day := func(n int) time.Time { return time.Date(2026, 1, n, 0, 0, 0, 0, time.UTC) }
		o := newOrg(t, s.DB, "acme", t0)
		a := newAccount(t, s.DB, o.ID, billd.AccountActive, t0)
		b := newAccount(t, s.DB, o.ID, billd.AccountDisabled, t0)
		grant := transfer(billd.KindGrant, a.ID, 1000, day(2).Add(-time.Millisecond))
		gpu := transfer(billd.KindUsage, a.ID, 300, day(2))
		gpu.Source = "gpu"
		cpu := transfer(billd.KindUsage, a.ID, 50, day(2).Add(12*time.Hour))
		cpu.Source = "cpu"
		revert := transfer(billd.KindGrant, a.ID, 100, day(3).Add(time.Hour))
		revert.Kind, revert.RefID, revert.Source = billd.KindRevert, gpu.ID, "system.revert.gpu"
		later := transfer(billd.KindGrant, a.ID, 10, day(5))
		elsewhere := transfer(billd.KindUsage, b.ID, 7, day(2).Add(time.Hour))
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			return tx.AppendTransfers(ctx, []billd.Transfer{grant, gpu, cpu, revert, later, elsewhere}, nil)
		})

		view(t, s.DB, func(tx billd.Tx) error {
			net, err := tx.AccountDailyNet(ctx, a.ID, day(1), day(4))
			if got, want := fmt.Sprint(net), fmt.Sprint([]billd.DayAmount{
				{Day: day(1), Amount: 1000}, {Day: day(2), Amount: -350}, {Day: day(3), Amount: 100}}); err != nil || got != want {
				t.Errorf("daily net = %s, %v; want %s", got, err, want)
			}
			for since, want := range map[time.Time]int64{day(4): 10, day(2): -240, day(6): 0} {
				if got, err := tx.AccountNetSince(ctx, a.ID, since); err != nil || got != want {
					t.Errorf("net since %s = %d, %v; want %d", since.Format(time.DateOnly), got, err, want)
				}
			}
			usage, err := tx.AccountDailyUsage(ctx, a.ID, day(1), day(4), 8)
			if got, want := fmt.Sprint(usage), fmt.Sprint([]billd.SourceDayAmount{
				{Day: day(2), Source: "cpu", Amount: 50}, {Day: day(2), Source: "gpu", Amount: 300},
				{Day: day(3), Source: "gpu", Amount: -100}}); err != nil || got != want {
				t.Errorf("daily usage = %s, %v; want %s", got, err, want)
			}
			usage, err = tx.AccountDailyUsage(ctx, a.ID, day(1), day(4), 1)
			if got, want := fmt.Sprint(usage), fmt.Sprint([]billd.SourceDayAmount{
				{Day: day(2), Source: "gpu", Amount: 300}, {Day: day(2), Other: true, Amount: 50},
				{Day: day(3), Source: "gpu", Amount: -100}}); err != nil || got != want {
				t.Errorf("daily usage of the top source = %s, %v; want %s", got, err, want)
			}
			net, err = tx.AccountDailyNet(ctx, a.ID, day(10), day(20))
			usage, err2 := tx.AccountDailyUsage(ctx, a.ID, day(10), day(20), 8)
			if len(net) != 0 || len(usage) != 0 || err != nil || err2 != nil {
				t.Errorf("an empty range: net %v (%v), usage %v (%v)", net, err, usage, err2)
			}
			return nil
		})
	})
}

// TestDailyUsageSumsBeforeRanking checks on PostgreSQL that AccountDailyUsage sums the usages by
// day and source before it ranks the sources: its CTE, which PostgreSQL materializes, holds days ×
// sources rows, not one row per usage (a busy account's year once spilled tens of MB of temporary
// files).
func TestDailyUsageSumsBeforeRanking(t *testing.T) {
	sqltest.RequirePostgres(t)
	s := sqltest.Open(t, "postgres")
	ctx := context.Background()
	day := func(n int) time.Time { return time.Date(2026, 1, n, 0, 0, 0, 0, time.UTC) }
	a := newAccount(t, s.DB, newOrg(t, s.DB, "busy", t0).ID, billd.AccountActive, t0)
	const usages = 2000
	batch := make([]billd.Transfer, 0, usages)
	for i := range usages {
		u := transfer(billd.KindUsage, a.ID, 1, day(1+i%2).Add(time.Duration(i)*time.Second))
		u.Source = fmt.Sprint("source-", i%3)
		batch = append(batch, u)
	}
	mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.AppendTransfers(ctx, batch, nil) })
	if rows, err := s.DB.UsageCTERows(ctx, a.ID, day(1), day(3), 2); err != nil || rows != 6 {
		t.Errorf("the usage CTE holds %d rows (%v), want 6: 2 days × 3 sources", rows, err)
	}
}
