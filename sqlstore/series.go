package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/billd/billd"
)

// The journal summed by UTC day, for charts. Each side of an account is read through its own
// index (transfers_debit, transfers_credit), bounded by created_at; days are numbered since the
// epoch by the dialect's epochDay and turned back into times here.

// AccountDailyNet implements billd.SeriesTx.
func (t *tx) AccountDailyNet(ctx context.Context, accountID string, from, to time.Time) ([]billd.DayAmount, error) {
	if err := t.onJournal(ctx); err != nil {
		return nil, err
	}
	day := t.d.day("created_at")
	query := `SELECT day, CAST(SUM(amount) AS BIGINT) FROM (
		SELECT ` + day + ` AS day, amount FROM transfers
		WHERE credit_account_id = $1 AND kind <> 'usage' AND created_at >= $2 AND created_at < $3
		UNION ALL
		SELECT ` + day + ` AS day, -amount FROM transfers
		WHERE debit_account_id = $1 AND created_at >= $2 AND created_at < $3
	) AS moves GROUP BY day ORDER BY day`
	return queryAll(ctx, t, func(s scanner) (billd.DayAmount, error) {
		var d billd.DayAmount
		var n int64
		err := s.Scan(&n, &d.Amount)
		d.Day = epochDay(n)
		return d, err
	}, query, accountID, from, to)
}

// AccountNetSince implements billd.SeriesTx.
func (t *tx) AccountNetSince(ctx context.Context, accountID string, since time.Time) (int64, error) {
	if err := t.onJournal(ctx); err != nil {
		return 0, err
	}
	return queryInt64(ctx, t, `SELECT CAST(
		COALESCE((SELECT SUM(amount) FROM transfers
			WHERE credit_account_id = $1 AND kind <> 'usage' AND created_at >= $2), 0) -
		COALESCE((SELECT SUM(amount) FROM transfers WHERE debit_account_id = $1 AND created_at >= $2), 0)
		AS BIGINT)`, accountID, since)
}

// AccountDailyUsage implements billd.SeriesTx. A revert credits the account and names its usage
// (ref_id), whose source it counts under. The usages are summed by day and source first: used is
// read twice (to rank the sources, then to sum the days), and PostgreSQL materializes such a CTE,
// so it must hold days × sources rows, not one per usage. The work still grows with the usages in
// the range, read through transfers_debit; the range is bounded to MaxSeriesDays.
func (t *tx) AccountDailyUsage(ctx context.Context, accountID string, from, to time.Time, sources int) ([]billd.SourceDayAmount, error) {
	if err := t.onJournal(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, t, func(s scanner) (billd.SourceDayAmount, error) {
		var r billd.SourceDayAmount
		var day, other int64
		err := s.Scan(&day, &other, &r.Source, &r.Amount)
		r.Day, r.Other = epochDay(day), other == 1
		return r, err
	}, t.d.dailyUsageQuery(), accountID, from, to, sources)
}

// dailyUsageQuery is AccountDailyUsage's query: $1 the account, [$2, $3) the range, $4 the sources
// named. The reverts' "kind <> 'usage'", implied by "kind = 'revert'", states the predicate of
// the partial index transfers_credit, so that SQLite reads them through it.
func (d *dialect) dailyUsageQuery() string {
	return `WITH used AS (
		SELECT day, source, SUM(amount) AS amount FROM (
			SELECT ` + d.day("created_at") + ` AS day, source, amount FROM transfers
			WHERE debit_account_id = $1 AND kind = 'usage' AND created_at >= $2 AND created_at < $3
			UNION ALL
			SELECT ` + d.day("r.created_at") + ` AS day, u.source, -r.amount
			FROM transfers AS r JOIN transfers AS u ON u.id = r.ref_id
			WHERE r.credit_account_id = $1 AND r.kind <> 'usage' AND r.kind = 'revert' AND r.created_at >= $2 AND r.created_at < $3
		) AS moves GROUP BY day, source
	), top AS (
		SELECT source FROM used GROUP BY source ORDER BY SUM(amount) DESC, source LIMIT $4
	)
	SELECT used.day, CASE WHEN top.source IS NULL THEN 1 ELSE 0 END AS other,
		COALESCE(top.source, '') AS named, CAST(SUM(used.amount) AS BIGINT)
	FROM used LEFT JOIN top ON top.source = used.source
	GROUP BY used.day, 2, 3 ORDER BY used.day, 2, 3`
}

// day is the dialect's expression of the UTC day number of the timestamp column.
func (d *dialect) day(column string) string {
	return fmt.Sprintf(d.epochDay, column)
}

// epochDay returns the start of the UTC day n days after 1970-01-01.
func epochDay(n int64) time.Time {
	return time.Unix(n*86400, 0).UTC()
}
