package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/billd/billd"
)

// maxInList bounds the ids of one IN list, and insertRows the rows of one INSERT, to stay well
// under the parameter limits of both databases.
const (
	maxInList  = 1000
	insertRows = 500
)

const ledgerColumns = `id, currency, platform, debits_posted, credits_posted, updated_at`

func scanLedgerAccount(s scanner) (billd.LedgerAccount, error) {
	var l billd.LedgerAccount
	err := s.Scan(&l.ID, &l.Currency, &l.Platform, &l.DebitsPosted, &l.CreditsPosted, &l.UpdatedAt)
	l.UpdatedAt = l.UpdatedAt.UTC()
	return l, err
}

// LedgerAccount implements billd.LedgerTx.
func (t *tx) LedgerAccount(ctx context.Context, id string) (*billd.LedgerAccount, error) {
	l, err := queryOne(ctx, t, "ledger account", scanLedgerAccount,
		`SELECT `+ledgerColumns+` FROM ledger_accounts WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	return &l, nil
}

// LockLedgerAccounts implements billd.LedgerTx. Rows are locked in id order, so that two
// transactions that lock overlapping sets cannot deadlock.
func (t *tx) LockLedgerAccounts(ctx context.Context, ids []string) ([]billd.LedgerAccount, error) {
	var out []billd.LedgerAccount
	for _, part := range chunks(sortedCopy(ids), maxInList) {
		var f filter
		f.in(t.d, "id", part)
		f.add("NOT platform")
		got, err := queryAll(ctx, t, scanLedgerAccount,
			`SELECT `+ledgerColumns+` FROM ledger_accounts`+f.where()+` ORDER BY id`+t.d.forUpdate, f.args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// AccountGuards implements billd.LedgerTx.
func (t *tx) AccountGuards(ctx context.Context, ids []string) ([]billd.AccountGuard, error) {
	var out []billd.AccountGuard
	for _, part := range chunks(ids, maxInList) {
		var f filter
		f.in(t.d, "b.id", part)
		got, err := queryAll(ctx, t, func(s scanner) (billd.AccountGuard, error) {
			var g billd.AccountGuard
			err := s.Scan(&g.AccountID, &g.State, &g.CreditMin, &g.OrgState)
			return g, err
		}, `SELECT b.id, b.state, b.credit_min, o.state FROM billing_accounts b
			JOIN organizations o ON o.id = b.org_id`+f.where(), f.args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// UpdateLedgerAccounts implements billd.LedgerTx.
func (t *tx) UpdateLedgerAccounts(ctx context.Context, accounts []billd.LedgerAccount) error {
	for _, a := range accounts {
		err := t.exec(ctx, `UPDATE ledger_accounts SET debits_posted = $1, credits_posted = $2, updated_at = $3
			WHERE id = $4`, a.DebitsPosted, a.CreditsPosted, a.UpdatedAt, a.ID)
		if err != nil {
			return err
		}
	}
	return nil
}

const transferColumns = `seq, id, debit_account_id, credit_account_id, amount, kind, source, description,
	user_id, metadata, ref_id, created_at`

func scanTransfer(s scanner) (billd.Transfer, error) {
	var tr billd.Transfer
	var meta string
	var ref sql.NullString
	err := s.Scan(&tr.Seq, &tr.ID, &tr.DebitAccountID, &tr.CreditAccountID, &tr.Amount, &tr.Kind, &tr.Source,
		&tr.Description, &tr.UserID, &meta, &ref, &tr.CreatedAt)
	if err != nil {
		return tr, err
	}
	tr.RefID, tr.CreatedAt = ref.String, tr.CreatedAt.UTC()
	tr.Metadata, err = billd.ParseMetadata(meta)
	return tr, err
}

// Transfers implements billd.LedgerTx.
func (t *tx) Transfers(ctx context.Context, ids []string) ([]billd.Transfer, error) {
	var out []billd.Transfer
	for _, part := range chunks(ids, maxInList) {
		var f filter
		f.in(t.d, "id", part)
		got, err := queryAll(ctx, t, scanTransfer, `SELECT `+transferColumns+` FROM transfers`+f.where(), f.args...)
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// RevertedAmounts implements billd.LedgerTx.
func (t *tx) RevertedAmounts(ctx context.Context, usageIDs []string) (map[string]int64, error) {
	out := make(map[string]int64, len(usageIDs))
	for _, part := range chunks(usageIDs, maxInList) {
		var f filter
		f.in(t.d, "ref_id", part)
		rows, err := t.query(ctx, `SELECT ref_id, CAST(SUM(amount) AS BIGINT) FROM transfers`+
			f.where()+` GROUP BY ref_id`, f.args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var sum int64
			if err := rows.Scan(&id, &sum); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = sum
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// InsertTransfers implements billd.LedgerTx: multi-row INSERTs of up to insertRows rows.
func (t *tx) InsertTransfers(ctx context.Context, transfers []billd.Transfer) error {
	for len(transfers) > 0 {
		n := min(len(transfers), insertRows)
		var f filter
		values := make([]string, n)
		for i, tr := range transfers[:n] {
			values[i] = "(" + strings.Join([]string{
				f.next(tr.ID), f.next(tr.DebitAccountID), f.next(tr.CreditAccountID), f.next(tr.Amount),
				f.next(string(tr.Kind)), f.next(tr.Source), f.next(tr.Description), f.next(tr.UserID),
				f.next(tr.Metadata.Marshal()), f.next(nullString(tr.RefID)), f.next(tr.CreatedAt),
			}, ", ") + ")"
		}
		err := t.exec(ctx, `INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, kind, source,
			description, user_id, metadata, ref_id, created_at) VALUES `+strings.Join(values, ", "), f.args...)
		if err != nil {
			return conflict(err, billd.Errorf(billd.ECONFLICT, "credits already applied"))
		}
		transfers = transfers[n:]
	}
	return nil
}

// AccountTransfers implements billd.LedgerTx. The account's debits and credits are read from
// their own indexes, each cut to the page, and merged.
func (t *tx) AccountTransfers(ctx context.Context, q billd.TransferQuery) ([]billd.Transfer, error) {
	var f filter
	account := f.next(q.AccountID)
	var conds []string
	if !q.Start.IsZero() {
		conds = append(conds, "created_at >= "+f.next(q.Start))
	}
	if !q.End.IsZero() {
		conds = append(conds, "created_at <= "+f.next(q.End))
	}
	if q.After != nil {
		conds = append(conds, "(created_at, seq) < ("+f.next(q.After.At)+", "+f.next(q.After.Seq)+")")
	}
	limit := f.next(q.Limit)
	extra := ""
	if len(conds) > 0 {
		extra = " AND " + strings.Join(conds, " AND ")
	}
	side := func(column string) string {
		return `SELECT ` + transferColumns + ` FROM (SELECT ` + transferColumns + ` FROM transfers WHERE ` +
			column + ` = ` + account + extra + ` ORDER BY created_at DESC, seq DESC LIMIT ` + limit + `) AS ` + column
	}
	query := side("debit_account_id") + ` UNION ALL ` + side("credit_account_id") +
		` ORDER BY created_at DESC, seq DESC LIMIT ` + limit
	return queryAll(ctx, t, scanTransfer, query, f.args...)
}

// DebitedTotal implements billd.LedgerTx.
func (t *tx) DebitedTotal(ctx context.Context, accountID string) (int64, error) {
	var total int64
	err := t.queryRow(ctx, `SELECT CAST(
		COALESCE((SELECT SUM(amount) FROM transfers WHERE debit_account_id = $1 AND kind = 'usage'), 0) -
		COALESCE((SELECT SUM(amount) FROM transfers WHERE credit_account_id = $1 AND kind = 'revert'), 0)
		AS BIGINT)`, accountID).Scan(&total)
	return total, err
}

// sortedCopy returns ids sorted, leaving ids as it was.
func sortedCopy(ids []string) []string {
	out := append([]string(nil), ids...)
	slices.Sort(out)
	return out
}
