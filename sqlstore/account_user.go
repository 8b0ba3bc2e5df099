package sqlstore

import (
	"context"
	"time"

	"github.com/billd/billd"
)

// AccountUsers implements billd.AccountUserTx.
func (t *tx) AccountUsers(ctx context.Context, accountID string) ([]billd.AccountUser, error) {
	return queryAll(ctx, t, func(s scanner) (billd.AccountUser, error) {
		var u billd.AccountUser
		err := s.Scan(&u.AccountID, &u.UserID, &u.Email, &u.Role, &u.ProjectID, &u.CreatedAt)
		u.CreatedAt = u.CreatedAt.UTC()
		return u, err
	}, `SELECT account_id, user_id, email, role, project_id, created_at FROM account_users
		WHERE account_id = $1 ORDER BY created_at, user_id, project_id, role LIMIT $2`, accountID, billd.MaxAccountUsers+1)
}

// InsertAccountUser implements billd.AccountUserTx.
func (t *tx) InsertAccountUser(ctx context.Context, u billd.AccountUser) error {
	return t.exec(ctx, `INSERT INTO account_users (account_id, user_id, email, role, project_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, user_id, project_id, role) DO NOTHING`,
		u.AccountID, u.UserID, u.Email, u.Role, u.ProjectID, u.CreatedAt)
}

// DeleteAccountUser implements billd.AccountUserTx.
func (t *tx) DeleteAccountUser(ctx context.Context, u billd.AccountUser) error {
	return t.exec(ctx, `DELETE FROM account_users WHERE account_id = $1 AND user_id = $2 AND project_id = $3 AND role = $4`,
		u.AccountID, u.UserID, u.ProjectID, u.Role)
}

// UsageSpend implements billd.SpendTx: the account's usages in the range from the debit index,
// their reverts from the credit index joined to the usages they revert.
func (t *tx) UsageSpend(ctx context.Context, accountID string, start, end time.Time, limit int) ([]billd.SpendRow, error) {
	if err := t.onJournal(ctx); err != nil {
		return nil, err
	}
	return queryAll(ctx, t, func(s scanner) (billd.SpendRow, error) {
		var r billd.SpendRow
		err := s.Scan(&r.Source, &r.Description, &r.Amount)
		return r, err
	}, `SELECT source, description, CAST(SUM(amount) AS BIGINT) FROM (
			SELECT source, description, amount FROM transfers
			WHERE debit_account_id = $1 AND kind = 'usage' AND created_at >= $2 AND created_at < $3
			UNION ALL
			SELECT u.source, u.description, -r.amount FROM transfers r JOIN transfers u ON u.id = r.ref_id
			WHERE r.credit_account_id = $1 AND r.kind = 'revert' AND r.created_at >= $2 AND r.created_at < $3
		) AS spend GROUP BY source, description ORDER BY source, description LIMIT $4`, accountID, start, end, limit)
}
