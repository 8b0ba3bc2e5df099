package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/billd/billd"
)

// Off-session charges: recharges and credit payments.

const chargeColumns = `id, org_id, account_id, kind, amount, currency, description, method_id, status,
	provider_charge_id, failure_code, failure_message, decline_code, attempts, next_attempt_at, created_at, updated_at`

func scanCharge(s scanner) (*billd.Charge, error) {
	var c billd.Charge
	var next sql.NullTime
	if err := s.Scan(&c.ID, &c.OrgID, &c.AccountID, &c.Kind, &c.Amount, &c.Currency, &c.Description, &c.MethodID,
		&c.Status, &c.ProviderChargeID, &c.FailureCode, &c.FailureMessage, &c.DeclineCode, &c.Attempts, &next,
		&c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.NextAttemptAt = timePtr(next)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// InsertCharges implements billd.ChargeTx.
func (t *tx) InsertCharges(ctx context.Context, charges []*billd.Charge) error {
	for _, c := range charges {
		if err := t.exec(ctx, `INSERT INTO charges (`+chargeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
			$10, $11, $12, $13, $14, $15, $16, $17) ON CONFLICT (id) DO NOTHING`,
			c.ID, c.OrgID, c.AccountID, string(c.Kind), c.Amount, c.Currency, c.Description, c.MethodID, c.Status,
			c.ProviderChargeID, c.FailureCode, c.FailureMessage, c.DeclineCode, c.Attempts, nullTimePtr(c.NextAttemptAt),
			c.CreatedAt, c.UpdatedAt); err != nil {
			return err
		}
	}
	return nil
}

// Charge implements billd.ChargeTx.
func (t *tx) Charge(ctx context.Context, id string) (*billd.Charge, error) {
	return queryOne(ctx, t, "charge", scanCharge, `SELECT `+chargeColumns+` FROM charges WHERE id = $1`, id)
}

// LockCharge implements billd.ChargeTx.
func (t *tx) LockCharge(ctx context.Context, id string) (*billd.Charge, error) {
	return queryOne(ctx, t, "charge", scanCharge, `SELECT `+chargeColumns+` FROM charges WHERE id = $1`+t.d.forUpdate, id)
}

// UpdateCharge implements billd.ChargeTx.
func (t *tx) UpdateCharge(ctx context.Context, c *billd.Charge) error {
	return t.exec(ctx, `UPDATE charges SET amount = $1, currency = $2, description = $3, method_id = $4, status = $5,
		provider_charge_id = $6, failure_code = $7, failure_message = $8, decline_code = $9, attempts = $10,
		next_attempt_at = $11, updated_at = $12 WHERE id = $13`,
		c.Amount, c.Currency, c.Description, c.MethodID, c.Status, c.ProviderChargeID, c.FailureCode, c.FailureMessage,
		c.DeclineCode, c.Attempts, nullTimePtr(c.NextAttemptAt), c.UpdatedAt, c.ID)
}

// Charges implements billd.ChargeTx: newest first, at most q.Limit (billd.MaxPageSize when it is 0
// or more than that), on the index of an account's charges.
func (t *tx) Charges(ctx context.Context, q billd.ChargeQuery) ([]*billd.Charge, error) {
	var f filter
	if q.AccountID != "" {
		f.add("account_id = ?", q.AccountID)
	}
	if q.Kind != "" {
		f.add("kind = ?", string(q.Kind))
	}
	if q.Status != "" {
		f.add("status = ?", q.Status)
	}
	return newestFirst(ctx, t, scanCharge, chargeColumns, "charges", &f, q.After, q.Limit)
}

// DueCharges implements billd.ChargeTx, on the partial index of the charges still to be tried.
func (t *tx) DueCharges(ctx context.Context, now time.Time, limit int) ([]*billd.Charge, error) {
	var f filter
	f.add("status IN ('pending', 'failed')")
	f.add("((status = 'pending' AND next_attempt_at IS NULL) OR next_attempt_at <= ?)", now)
	query := `SELECT ` + chargeColumns + ` FROM charges` + f.where() +
		` ORDER BY next_attempt_at, id LIMIT ` + f.next(pageLimit(limit))
	return queryAll(ctx, t, scanCharge, query, f.args...)
}
