package billd_test

import (
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// dayFixture is a fixture whose clock stays on the day it is set to (a millisecond further at
// each reading), so that a test writes the journal of several days.
func dayFixture(t *testing.T, s sqltest.Store) (*fixture, func(day time.Time)) {
	t.Helper()
	f := &fixture{db: s.DB, store: s.Name}
	var at, ticks atomic.Int64
	at.Store(t0.UnixMilli())
	f.svc = billd.NewService(billd.Config{Store: s.DB, Logger: slog.New(slog.DiscardHandler),
		SecretHashIterations: testHashIterations,
		Now:                  func() time.Time { return time.UnixMilli(at.Load() + ticks.Add(1)).UTC() }})
	t.Cleanup(func() { f.svc.Close() })
	return f, func(day time.Time) { at.Store(day.UnixMilli()); ticks.Store(0) }
}

// TestChartSeries reads the balance and the usage of an account by day over a range with quiet
// days, a revert, transfers after the range and an empty range, on both stores.
func TestChartSeries(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f, setDay := dayFixture(t, s)
		ctx := t.Context()
		day := func(n int) time.Time { return t0.AddDate(0, 0, n) }
		o := f.newOrg(t)
		f.grant(t, o, 1000)
		setDay(day(1))
		gpu := usage(300)
		gpu.Source = "gpu"
		cpu := usage(50)
		cpu.Source = "cpu"
		must(t, f.report(t, o, gpu, cpu))
		setDay(day(3))
		must(t, f.revert(t, o, gpu.ID, 100))
		setDay(day(6))
		f.grant(t, o, 10)

		points, err := f.svc.BalanceSeries(ctx, sys, o.ID, o.AccountID, day(-1), day(3))
		must(t, err)
		if got, want := balances(points), "02-28:0 03-01:1000 03-02:650 03-03:650 03-04:750"; got != want {
			t.Errorf("balance series = %s, want %s", got, want)
		}
		days, err := f.svc.UsageByDay(ctx, sys, o.ID, o.AccountID, day(0), day(4))
		must(t, err)
		if got, want := usageText(days), "03-01: 03-02:gpu=300,cpu=50 03-03: 03-04:gpu=-100 03-05:"; got != want {
			t.Errorf("usage by day = %s, want %s", got, want)
		}
		points, err = f.svc.BalanceSeries(ctx, sys, o.ID, o.AccountID, day(20), day(21))
		must(t, err)
		if got, want := balances(points), "03-21:760 03-22:760"; got != want {
			t.Errorf("balance series after the last transfer = %s, want %s", got, want)
		}
		days, err = f.svc.UsageByDay(ctx, sys, o.ID, o.AccountID, day(20), day(20))
		must(t, err)
		if got, want := usageText(days), "03-21:"; got != want {
			t.Errorf("usage of a quiet day = %s, want %s", got, want)
		}
	})
}

// TestChartSeriesBounds refuses ranges that are unset, reversed or longer than a year, naming the
// field, and an account of another organization.
func TestChartSeriesBounds(t *testing.T) {
	f := newFixture(t, sqltest.Open(t, "sqlite"))
	ctx := t.Context()
	a, b := f.newOrg(t), f.newOrg(t)
	for _, tc := range []struct {
		from, to time.Time
		msg      string
	}{
		{time.Time{}, t0, "from and to are required"},
		{t0, t0.AddDate(0, 0, -1), "to must not be before from"},
		{t0, t0.AddDate(0, 0, billd.MaxSeriesDays), "to: the range covers 367 days, at most 366 are allowed"},
		{time.Date(2, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC),
			"to: the range covers 106752 days, at most 366 are allowed"},
	} {
		_, err := f.svc.BalanceSeries(ctx, sys, a.ID, a.AccountID, tc.from, tc.to)
		wantCode(t, err, billd.EINVALID, tc.msg)
		_, err = f.svc.UsageByDay(ctx, sys, a.ID, a.AccountID, tc.from, tc.to)
		wantCode(t, err, billd.EINVALID, tc.msg)
	}
	if _, err := f.svc.BalanceSeries(ctx, sys, a.ID, a.AccountID, t0, t0.AddDate(0, 0, billd.MaxSeriesDays-1)); err != nil {
		t.Errorf("a range of %d days: %v", billd.MaxSeriesDays, err)
	}
	_, err := f.svc.BalanceSeries(ctx, sys, a.ID, b.AccountID, t0, t0)
	wantCode(t, err, billd.ENOTFOUND)
	_, err = f.svc.UsageByDay(ctx, sys, a.ID, b.AccountID, t0, t0)
	wantCode(t, err, billd.ENOTFOUND)
}

// TestUsageByDayBoundsSources names the sources with the largest usage and sums the rest as one.
func TestUsageByDayBoundsSources(t *testing.T) {
	f := newFixture(t, sqltest.Open(t, "sqlite"))
	o := f.newOrg(t)
	f.grant(t, o, 1_000_000)
	var usages []billd.Usage
	for i := range billd.MaxSeriesSources + 5 {
		u := usage(int64(100 + i))
		u.Source = fmt.Sprintf("s%02d", i)
		usages = append(usages, u)
	}
	must(t, f.report(t, o, usages...))
	days, err := f.svc.UsageByDay(t.Context(), sys, o.ID, o.AccountID, t0, t0)
	must(t, err)
	if got, want := usageText(days), "03-01:s12=112,s11=111,s10=110,s09=109,s08=108,s07=107,s06=106,s05=105,other=510"; got != want {
		t.Errorf("usage by day = %s, want %s", got, want)
	}
}

// balances writes points as "MM-DD:balance" words.
func balances(points []billd.BalancePoint) string {
	var words []string
	for _, p := range points {
		words = append(words, fmt.Sprintf("%s:%d", p.Day.Format("01-02"), p.Balance))
	}
	return strings.Join(words, " ")
}

// usageText writes days as "MM-DD:source=amount,…" words.
func usageText(days []billd.UsageDay) string {
	var words []string
	for _, d := range days {
		var sources []string
		for _, s := range d.Sources {
			name := s.Source
			if s.Other {
				name = "other"
			}
			sources = append(sources, fmt.Sprintf("%s=%d", name, s.Amount))
		}
		words = append(words, d.Day.Format("01-02")+":"+strings.Join(sources, ","))
	}
	return strings.Join(words, " ")
}
