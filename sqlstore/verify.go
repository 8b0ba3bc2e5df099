package sqlstore

import (
	"context"
	"fmt"

	"github.com/billd/billd"
)

// LedgerTotals implements billd.LedgerTx. It re-sums the journal with full scans, so that it
// relies on no index (the credit index leaves out usage, which only credits the platform). Only
// customer accounts are summed: the platform account is the other side of every transfer, and its
// sums can exceed int64 (SQLite's SUM then fails).
func (t *tx) LedgerTotals(ctx context.Context) ([]billd.AccountTotals, int64, error) {
	if err := t.onJournal(ctx); err != nil {
		return nil, 0, err
	}
	totals, err := queryAll(ctx, t, func(s scanner) (billd.AccountTotals, error) {
		var a billd.AccountTotals
		err := s.Scan(&a.AccountID, &a.StoredDebits, &a.StoredCredits, &a.JournalDebits, &a.JournalCredits)
		return a, err
	}, `SELECT l.id, l.debits_posted, l.credits_posted,
		CAST(COALESCE(d.total, 0) AS BIGINT), CAST(COALESCE(c.total, 0) AS BIGINT)
		FROM ledger_accounts l
		LEFT JOIN (SELECT debit_account_id AS id, SUM(amount) AS total FROM transfers
			WHERE debit_account_id IN (SELECT id FROM ledger_accounts WHERE NOT platform)
			GROUP BY debit_account_id) d ON d.id = l.id
		LEFT JOIN (SELECT credit_account_id AS id, SUM(amount) AS total FROM transfers
			WHERE credit_account_id IN (SELECT id FROM ledger_accounts WHERE NOT platform)
			GROUP BY credit_account_id) c ON c.id = l.id
		WHERE NOT l.platform ORDER BY l.id`)
	if err != nil {
		return nil, 0, err
	}
	n, err := queryInt64(ctx, t, `SELECT COUNT(*) FROM transfers`)
	return totals, n, err
}

// RevertOverruns implements billd.LedgerTx.
func (t *tx) RevertOverruns(ctx context.Context) ([]billd.LedgerProblem, error) {
	if err := t.onJournal(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, t, func(s scanner) (billd.LedgerProblem, error) {
		var p billd.LedgerProblem
		var kind string
		var amount, reverted, strays int64
		if err := s.Scan(&p.TransferID, &p.AccountID, &kind, &amount, &reverted, &strays); err != nil {
			return p, err
		}
		p.Detail = fmt.Sprintf("%s of %d has reverts summing to %d, %d of them crediting another account",
			kind, amount, reverted, strays)
		return p, nil
	}, `SELECT u.id, u.debit_account_id, u.kind, u.amount, CAST(SUM(r.amount) AS BIGINT),
		CAST(SUM(CASE WHEN r.credit_account_id <> u.debit_account_id THEN 1 ELSE 0 END) AS BIGINT)
		FROM transfers u JOIN transfers r ON r.ref_id = u.id
		GROUP BY u.id, u.debit_account_id, u.kind, u.amount
		HAVING u.kind <> 'usage' OR SUM(r.amount) > u.amount
			OR SUM(CASE WHEN r.credit_account_id <> u.debit_account_id THEN 1 ELSE 0 END) > 0
		ORDER BY u.id`)
}
