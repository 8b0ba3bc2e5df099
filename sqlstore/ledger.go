package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/billd/billd"
)

const ledgerColumns = `id, currency, platform, debits_posted, credits_posted, hour_start, hour_spend, month_start,
	month_spend, below_low, low_crossings, unbilled, threshold_crossings, updated_at`

func scanLedgerAccount(s scanner) (billd.LedgerAccount, error) {
	var l billd.LedgerAccount
	w := &l.Spend
	v := &l.Watch
	err := s.Scan(&l.ID, &l.Currency, &l.Platform, &l.DebitsPosted, &l.CreditsPosted, &w.HourStart, &w.Hour,
		&w.MonthStart, &w.Month, &v.BelowLow, &v.LowCrossings, &v.Unbilled, &v.ThresholdCrossings, &l.UpdatedAt)
	l.UpdatedAt, w.HourStart, w.MonthStart = l.UpdatedAt.UTC(), w.HourStart.UTC(), w.MonthStart.UTC()
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

// AccountBalance implements billd.LedgerTx.
func (t *tx) AccountBalance(ctx context.Context, accountID string) (*billd.AccountBalance, error) {
	return queryOne(ctx, t, "billing account", func(s scanner) (*billd.AccountBalance, error) {
		var a billd.AccountBalance
		l := &a.Ledger
		err := s.Scan(&a.OrgID, &a.OrgState, &a.State, &l.ID, &l.Currency, &l.Platform, &l.DebitsPosted,
			&l.CreditsPosted, &l.UpdatedAt)
		l.UpdatedAt = l.UpdatedAt.UTC()
		return &a, err
	}, `SELECT b.org_id, o.state, b.state, l.id, l.currency, l.platform, l.debits_posted, l.credits_posted, l.updated_at
		FROM billing_accounts b JOIN organizations o ON o.id = b.org_id JOIN ledger_accounts l ON l.id = b.id
		WHERE b.id = $1`, accountID)
}

// lockStmts are the statements that lock the customer ledger accounts among ids, in id order, so
// that two transactions that lock overlapping sets cannot deadlock, and read them into out.
func (t *tx) lockStmts(ids []string, out *[]billd.LedgerAccount) []stmt {
	var stmts []stmt
	for _, part := range t.d.idLists(sortedCopy(ids)) {
		var f filter
		f.in(t.d, "id", part)
		f.add("NOT platform")
		stmts = append(stmts, each(out, scanLedgerAccount,
			`SELECT `+ledgerColumns+` FROM ledger_accounts`+f.where()+` ORDER BY id`+t.d.forUpdate, f.args...))
	}
	return stmts
}

// LockLedgerAccounts implements billd.LedgerTx.
func (t *tx) LockLedgerAccounts(ctx context.Context, ids []string) ([]billd.LedgerAccount, error) {
	var out []billd.LedgerAccount
	err := t.c.queries(ctx, t.lockStmts(ids, &out)...)
	return out, err
}

// LoadPostingState implements billd.LedgerTx: on PostgreSQL its statements, and the BEGIN before
// them, share one round trip.
func (t *tx) LoadPostingState(ctx context.Context, accountIDs, transferIDs, refIDs []string) (*billd.PostingState, error) {
	if err := t.onJournal(ctx); err != nil {
		return nil, err
	}
	st := &billd.PostingState{Reverted: make(map[string]int64, len(refIDs))}
	stmts := t.lockStmts(accountIDs, &st.Accounts)
	for _, part := range t.d.idLists(accountIDs) {
		var f filter
		f.in(t.d, "b.id", part)
		stmts = append(stmts, each(&st.Guards, scanGuard, `SELECT b.id, b.state, b.credit_min, o.state, b.hourly_spend_limit,
			b.monthly_spend_limit, b.suspended_for, b.org_id, b.currency, b.recharge_auto, b.recharge_low, b.recharge_high,
			b.billing_threshold FROM billing_accounts b JOIN organizations o ON o.id = b.org_id`+f.where(), f.args...))
	}
	for _, part := range t.d.idLists(transferIDs) {
		var f filter
		f.in(t.d, "id", part)
		stmts = append(stmts, each(&st.Transfers, scanTransfer, `SELECT `+transferColumns+` FROM transfers`+f.where(), f.args...))
	}
	var sums []refSum
	for _, part := range t.d.idLists(refIDs) {
		var f filter
		f.in(t.d, "ref_id", part)
		stmts = append(stmts, each(&sums, scanRefSum, `SELECT ref_id, CAST(SUM(amount) AS BIGINT) FROM transfers`+
			f.where()+` GROUP BY ref_id`, f.args...))
	}
	if err := t.c.queries(ctx, stmts...); err != nil {
		return nil, err
	}
	for _, s := range sums {
		st.Reverted[s.usageID] = s.sum
	}
	return st, nil
}

func scanGuard(s scanner) (billd.AccountGuard, error) {
	var g billd.AccountGuard
	err := s.Scan(&g.AccountID, &g.State, &g.CreditMin, &g.OrgState, &g.HourlyLimit, &g.MonthlyLimit, &g.SuspendedFor,
		&g.OrgID, &g.Currency, &g.Recharge.Auto, &g.Recharge.Low, &g.Recharge.High, &g.BillingThreshold)
	return g, err
}

// refSum is the sum of the reverts of one usage.
type refSum struct {
	usageID string
	sum     int64
}

func scanRefSum(s scanner) (refSum, error) {
	var r refSum
	err := s.Scan(&r.usageID, &r.sum)
	return r, err
}

// AppendTransfers implements billd.LedgerTx.
func (t *tx) AppendTransfers(ctx context.Context, transfers []billd.Transfer, accounts []billd.LedgerAccount) error {
	if err := t.onJournal(ctx); err != nil {
		return err
	}
	for _, st := range t.d.journalWrites(transfers, accounts) {
		if err := t.execMapped(ctx, duplicateID, st.sql, st.args...); err != nil {
			return err
		}
	}
	return nil
}

const transferColumns = `id, debit_account_id, credit_account_id, amount, kind, source, description,
	user_id, metadata, ref_id, created_at`

func scanTransfer(s scanner) (billd.Transfer, error) {
	var tr billd.Transfer
	var meta string
	var ref sql.NullString
	err := s.Scan(&tr.ID, &tr.DebitAccountID, &tr.CreditAccountID, &tr.Amount, &tr.Kind, &tr.Source,
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
	if err := t.onJournal(ctx); err != nil {
		return nil, err
	}
	var out []billd.Transfer
	var stmts []stmt
	for _, part := range t.d.idLists(ids) {
		var f filter
		f.in(t.d, "id", part)
		stmts = append(stmts, each(&out, scanTransfer, `SELECT `+transferColumns+` FROM transfers`+f.where(), f.args...))
	}
	err := t.c.queries(ctx, stmts...)
	return out, err
}

// AccountTransfers implements billd.LedgerTx. The account's debits and credits are read from
// their own indexes, each cut to the page, and merged. The order within one timestamp (one group
// commit) is by id.
func (t *tx) AccountTransfers(ctx context.Context, q billd.TransferQuery) ([]billd.Transfer, error) {
	if err := t.onJournal(ctx); err != nil {
		return nil, err
	}
	var f filter
	account := f.next(q.AccountID)
	var conds []string
	if !q.Start.IsZero() {
		conds = append(conds, "created_at >= "+f.next(q.Start))
	}
	if !q.End.IsZero() {
		conds = append(conds, "created_at <= "+f.next(q.End))
	}
	if q.Kind != "" {
		conds = append(conds, "kind = "+f.next(string(q.Kind)))
	}
	if q.Source != "" {
		conds = append(conds, "source = "+f.next(q.Source))
	}
	if q.After != nil {
		conds = append(conds, "(created_at, id) < ("+f.next(q.After.At)+", "+f.next(q.After.ID)+")")
	}
	limit := f.next(q.Limit)
	extra := ""
	if len(conds) > 0 {
		extra = " AND " + strings.Join(conds, " AND ")
	}
	// The credit side states the partial index's predicate: a usage never credits a customer.
	side := func(column, only string) string {
		return `SELECT ` + transferColumns + ` FROM (SELECT ` + transferColumns + ` FROM transfers WHERE ` +
			column + ` = ` + account + only + extra + ` ORDER BY created_at DESC, id DESC LIMIT ` + limit + `) AS ` + column
	}
	query := side("debit_account_id", "") + ` UNION ALL ` + side("credit_account_id", ` AND kind <> 'usage'`) +
		` ORDER BY created_at DESC, id DESC LIMIT ` + limit
	return queryAll(ctx, t, scanTransfer, query, f.args...)
}

// DebitedTotal implements billd.LedgerTx.
func (t *tx) DebitedTotal(ctx context.Context, accountID string) (int64, error) {
	if err := t.onJournal(ctx); err != nil {
		return 0, err
	}
	return queryInt64(ctx, t, `SELECT CAST(
		COALESCE((SELECT SUM(amount) FROM transfers WHERE debit_account_id = $1 AND kind = 'usage'), 0) -
		COALESCE((SELECT SUM(amount) FROM transfers WHERE credit_account_id = $1 AND kind <> 'usage' AND kind = 'revert'), 0)
		AS BIGINT)`, accountID)
}

// sortedCopy returns ids sorted, leaving ids as it was.
func sortedCopy(ids []string) []string {
	out := append([]string(nil), ids...)
	slices.Sort(out)
	return out
}
