package billd

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// MaxSeriesDays bounds the days a chart series covers (a year, leap day included).
const MaxSeriesDays = 366

// MaxSeriesSources bounds the usage sources UsageByDay names; the others are summed as one.
const MaxSeriesSources = 8

// BalancePoint is an account's balance, in ledger units, at the end of one UTC day.
type BalancePoint struct {
	Day     time.Time // the day's start, UTC
	Balance int64
}

// UsageDay is the net usage debited from an account in one UTC day (reverts subtract), by source.
type UsageDay struct {
	Day     time.Time // the day's start, UTC
	Sources []SourceUsage
}

// SourceUsage is the net usage of one source in one day. Other marks the sum of the sources left
// out of the series (Source is then empty).
type SourceUsage struct {
	Source string
	Other  bool
	Amount int64
}

// DayAmount is an amount summed over one UTC day.
type DayAmount struct {
	Day    time.Time // the day's start, UTC
	Amount int64
}

// SourceDayAmount is the net usage of one source in one UTC day, or of the sources beyond the
// top ones (Other).
type SourceDayAmount struct {
	Day    time.Time
	Source string
	Other  bool
	Amount int64
}

// SeriesTx reads the journal summed by day, for charts.
type SeriesTx interface {
	// AccountDailyNet returns the account's credits minus debits per UTC day of the transfers
	// created in [from, to), in day order; days without transfers are left out.
	AccountDailyNet(ctx context.Context, accountID string, from, to time.Time) ([]DayAmount, error)
	// AccountNetSince returns the account's credits minus debits of the transfers created at or
	// after t.
	AccountNetSince(ctx context.Context, accountID string, t time.Time) (int64, error)
	// AccountDailyUsage returns the account's usage debits minus their reverts per UTC day and
	// usage source, of the transfers created in [from, to) (a revert counts on its own day, for the
	// source of its usage). The top sources sources by net total over the range are named; the
	// rest are summed per day as one row with Other set. Rows are in day order.
	AccountDailyUsage(ctx context.Context, accountID string, from, to time.Time, sources int) ([]SourceDayAmount, error)
}

// BalanceSeries returns the balance of the account billingID of the organization at the end of
// each UTC day from the day of from to the day of to, one point a day, days without transfers
// included. Needs get permission. EINVALID when the range is empty, reversed or longer than
// MaxSeriesDays days; ENOTFOUND for an unknown organization or account.
func (s *Service) BalanceSeries(ctx context.Context, p Principal, orgID, billingID string, from, to time.Time) ([]BalancePoint, error) {
	first, days, err := seriesDays(from, to)
	if err != nil {
		return nil, err
	}
	end := first.AddDate(0, 0, days)
	var net []DayAmount
	var balance, after int64
	err = s.seriesView(ctx, p, orgID, billingID, func(tx Tx, accountID string) error {
		l, err := tx.LedgerAccount(ctx, accountID)
		if err != nil {
			return err
		}
		if after, err = tx.AccountNetSince(ctx, accountID, end); err != nil {
			return err
		}
		balance = l.CreditsPosted - l.DebitsPosted
		net, err = tx.AccountDailyNet(ctx, accountID, first, end)
		return err
	})
	if err != nil {
		return nil, err
	}
	return balancePoints(first, days, balance-after, net), nil
}

// balancePoints walks back from closing, the balance at the end of the last of days days from
// first, subtracting each day's net movement.
func balancePoints(first time.Time, days int, closing int64, net []DayAmount) []BalancePoint {
	points := make([]BalancePoint, days)
	moves := make(map[int64]int64, len(net))
	for _, n := range net {
		moves[n.Day.Unix()] = n.Amount
	}
	balance := closing
	for i := days - 1; i >= 0; i-- {
		day := first.AddDate(0, 0, i)
		points[i] = BalancePoint{Day: day, Balance: balance}
		balance -= moves[day.Unix()]
	}
	return points
}

// UsageByDay returns the net usage debited from the account billingID of the organization on
// each UTC day from the day of from to the day of to, by source: one UsageDay a day, days
// without usage included (with no sources). Each day lists its sources in the order of their net
// total over the range, largest first: at most MaxSeriesSources sources are named, the rest
// are summed as one Other entry. Needs get permission; errors as BalanceSeries.
func (s *Service) UsageByDay(ctx context.Context, p Principal, orgID, billingID string, from, to time.Time) ([]UsageDay, error) {
	first, days, err := seriesDays(from, to)
	if err != nil {
		return nil, err
	}
	var rows []SourceDayAmount
	err = s.seriesView(ctx, p, orgID, billingID, func(tx Tx, accountID string) error {
		rows, err = tx.AccountDailyUsage(ctx, accountID, first, first.AddDate(0, 0, days), MaxSeriesSources)
		return err
	})
	if err != nil {
		return nil, err
	}
	return usageDays(first, days, rows), nil
}

// usageDays spreads rows over days days from first, sources in the order of their total.
func usageDays(first time.Time, days int, rows []SourceDayAmount) []UsageDay {
	totals := make(map[sourceKey]int64)
	for _, r := range rows {
		totals[sourceKey{r.Source, r.Other}] += r.Amount
	}
	out := make([]UsageDay, days)
	index := make(map[int64]int, days)
	for i := range out {
		out[i].Day = first.AddDate(0, 0, i)
		index[out[i].Day.Unix()] = i
	}
	for _, r := range rows {
		if i, ok := index[r.Day.Unix()]; ok && r.Amount != 0 {
			out[i].Sources = append(out[i].Sources, SourceUsage{Source: r.Source, Other: r.Other, Amount: r.Amount})
		}
	}
	for i := range out {
		sortSources(out[i].Sources, totals)
	}
	return out
}

// sourceKey names a source of a usage series, or the other sources.
type sourceKey struct {
	source string
	other  bool
}

// sortSources orders sources by their total in totals, largest first, the Other entry last and
// equal totals by name.
func sortSources(sources []SourceUsage, totals map[sourceKey]int64) {
	slices.SortFunc(sources, func(a, b SourceUsage) int {
		if a.Other != b.Other {
			if a.Other {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(totals[sourceKey{b.Source, b.Other}], totals[sourceKey{a.Source, a.Other}]), cmp.Compare(a.Source, b.Source))
	})
}

// seriesView runs fn in a read transaction on the account billingID of the organization orgID,
// after checking that p may read it.
func (s *Service) seriesView(ctx context.Context, p Principal, orgID, billingID string, fn func(tx Tx, accountID string) error) error {
	if err := Preauthorize(p, PermRead, orgID); err != nil {
		return err
	}
	return s.view(ctx, func(tx Tx) error {
		o, err := openOrganization(ctx, tx, p, PermRead, orgID, false)
		if err != nil {
			return err
		}
		a, err := accountOf(ctx, tx, o.ID, billingID)
		if err != nil {
			return err
		}
		return fn(tx, a.ID)
	})
}

// seriesDays returns the UTC day of from and the number of days from it to the day of to,
// inclusive; EINVALID when the range is unset, reversed or longer than MaxSeriesDays.
func seriesDays(from, to time.Time) (time.Time, int, error) {
	if from.IsZero() || to.IsZero() {
		return time.Time{}, 0, Errorf(EINVALID, "from and to are required")
	}
	first, last := utcDay(from), utcDay(to)
	if last.Before(first) {
		return time.Time{}, 0, Errorf(EINVALID, "to must not be before from")
	}
	days := int(last.Sub(first)/(24*time.Hour)) + 1
	if days > MaxSeriesDays {
		return time.Time{}, 0, Errorf(EINVALID, "to: the range covers %d days, at most %d are allowed", days, MaxSeriesDays)
	}
	return first, days, nil
}

// utcDay returns the start of t's UTC day.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
