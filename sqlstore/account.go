package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/billd/billd"
)

// addressJSON and taxJSON are the stored forms of an address and of tax ids.
type addressJSON struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

type taxJSON struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

func encodeAddress(a billd.Address) string {
	b, _ := json.Marshal(addressJSON(a))
	return string(b)
}

func encodeTax(ts []billd.TaxID) string {
	out := make([]taxJSON, len(ts))
	for i, t := range ts {
		out[i] = taxJSON(t)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

const accountColumns = `b.id, b.org_id, b.name, b.email, b.phone, b.address, b.currency, l.currency, b.provider,
	b.provider_id, b.state, b.tax_data, b.metadata, b.credit_min, b.due_in_days, b.hourly_spend_limit,
	b.monthly_spend_limit, b.suspended_for, b.billing_threshold, b.recharge_auto, b.recharge_low, b.recharge_high,
	b.created_by, b.deleted_at, b.purge_at, b.purged_at, b.created_at, b.updated_at`

const accountFrom = ` FROM billing_accounts b JOIN ledger_accounts l ON l.id = b.id`

func scanAccount(s scanner) (*billd.BillingAccount, error) {
	var a billd.BillingAccount
	var address, tax, meta string
	var deleted, purge, purged sql.NullTime
	err := s.Scan(&a.ID, &a.OrgID, &a.Name, &a.Email, &a.Phone, &address, &a.Currency, &a.LedgerCurrency,
		&a.Provider, &a.ProviderID, &a.State, &tax, &meta, &a.CreditMin, &a.DueInDays, &a.HourlySpendLimit,
		&a.MonthlySpendLimit, &a.SuspendedFor, &a.BillingThreshold, &a.Recharge.Auto, &a.Recharge.Low,
		&a.Recharge.High, &a.CreatedBy, &deleted, &purge, &purged, &a.CreatedAt, &a.UpdatedAt)
	if err != nil {
		return nil, err
	}
	a.DeletedAt, a.PurgeAt, a.PurgedAt = timePtr(deleted), timePtr(purge), timePtr(purged)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	var addr addressJSON
	var taxes []taxJSON
	if err := json.Unmarshal([]byte(address), &addr); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tax), &taxes); err != nil {
		return nil, err
	}
	a.Address = billd.Address(addr)
	a.TaxData = make([]billd.TaxID, len(taxes))
	for i, t := range taxes {
		a.TaxData[i] = billd.TaxID(t)
	}
	a.Metadata, err = billd.ParseMetadata(meta)
	return &a, err
}

var errSecondActive = billd.Errorf(billd.EPRECONDITION, "organization already has an active billing account")

// InsertBillingAccount implements billd.AccountTx.
func (t *tx) InsertBillingAccount(ctx context.Context, a *billd.BillingAccount) error {
	if err := t.exec(ctx, `INSERT INTO ledger_accounts (id, currency, platform, created_at, updated_at)
		VALUES ($1, $2, TRUE, $3, $3) ON CONFLICT (id) DO NOTHING`,
		billd.PlatformAccountID(a.LedgerCurrency), a.LedgerCurrency, a.CreatedAt); err != nil {
		return err
	}
	if err := t.exec(ctx, `INSERT INTO ledger_accounts (id, currency, platform, created_at, updated_at)
		VALUES ($1, $2, FALSE, $3, $3)`, a.ID, a.LedgerCurrency, a.CreatedAt); err != nil {
		return err
	}
	return t.execMapped(ctx, conflict(errSecondActive), `INSERT INTO billing_accounts (id, org_id, name, email,
		phone, address, currency, provider, provider_id, state, tax_data, metadata, credit_min, due_in_days,
		hourly_spend_limit, monthly_spend_limit, suspended_for, billing_threshold, recharge_auto, recharge_low,
		recharge_high, created_by, deleted_at, purge_at, purged_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
		$22, $23, $24, $25, $26, $27)`,
		a.ID, a.OrgID, a.Name, a.Email, a.Phone, encodeAddress(a.Address), a.Currency, a.Provider, a.ProviderID,
		string(a.State), encodeTax(a.TaxData), a.Metadata.Marshal(), a.CreditMin, a.DueInDays, a.HourlySpendLimit,
		a.MonthlySpendLimit, a.SuspendedFor, a.BillingThreshold, a.Recharge.Auto, a.Recharge.Low, a.Recharge.High,
		a.CreatedBy, nullTimePtr(a.DeletedAt), nullTimePtr(a.PurgeAt), nullTimePtr(a.PurgedAt), a.CreatedAt, a.UpdatedAt)
}

// BillingAccount implements billd.AccountTx.
func (t *tx) BillingAccount(ctx context.Context, id string) (*billd.BillingAccount, error) {
	return queryOne(ctx, t, "billing account", scanAccount,
		`SELECT `+accountColumns+accountFrom+` WHERE b.id = $1`, id)
}

// ActiveBillingAccount implements billd.AccountTx.
func (t *tx) ActiveBillingAccount(ctx context.Context, orgID string) (*billd.BillingAccount, error) {
	return queryOne(ctx, t, "billing account", scanAccount,
		`SELECT `+accountColumns+accountFrom+` WHERE b.org_id = $1 AND b.state = 'active'`, orgID)
}

// BillingAccounts implements billd.AccountTx.
func (t *tx) BillingAccounts(ctx context.Context, q billd.BillingAccountQuery) ([]*billd.BillingAccount, error) {
	var f filter
	f.add("b.state <> 'closed'")
	if q.OrgID != "" {
		f.add("b.org_id = ?", q.OrgID)
	}
	if q.After != nil {
		f.add("(b.created_at, b.id) < (?, ?)", q.After.At, q.After.ID)
	}
	query := `SELECT ` + accountColumns + accountFrom + f.where() +
		` ORDER BY b.created_at DESC, b.id DESC LIMIT ` + f.next(q.Limit)
	return queryAll(ctx, t, scanAccount, query, f.args...)
}

// UpdateBillingAccount implements billd.AccountTx.
func (t *tx) UpdateBillingAccount(ctx context.Context, a *billd.BillingAccount) error {
	return t.execMapped(ctx, conflict(errSecondActive), `UPDATE billing_accounts SET name = $1, email = $2, phone = $3, address = $4, currency = $5,
		provider = $6, provider_id = $7, state = $8, tax_data = $9, metadata = $10, credit_min = $11,
		due_in_days = $12, hourly_spend_limit = $13, monthly_spend_limit = $14, suspended_for = $15, updated_at = $16,
		billing_threshold = $17, recharge_auto = $18, recharge_low = $19, recharge_high = $20, deleted_at = $21,
		purge_at = $22, purged_at = $23
		WHERE id = $24`,
		a.Name, a.Email, a.Phone, encodeAddress(a.Address), a.Currency, a.Provider, a.ProviderID, string(a.State),
		encodeTax(a.TaxData), a.Metadata.Marshal(), a.CreditMin, a.DueInDays, a.HourlySpendLimit, a.MonthlySpendLimit,
		a.SuspendedFor, a.UpdatedAt, a.BillingThreshold, a.Recharge.Auto, a.Recharge.Low, a.Recharge.High,
		nullTimePtr(a.DeletedAt), nullTimePtr(a.PurgeAt), nullTimePtr(a.PurgedAt), a.ID)
}

// OrganizationHasDues implements billd.AccountTx.
func (t *tx) OrganizationHasDues(ctx context.Context, orgID string) (bool, error) {
	n, err := queryInt64(ctx, t, `SELECT COUNT(*)`+accountFrom+
		` WHERE b.org_id = $1 AND l.credits_posted < l.debits_posted`, orgID)
	return n > 0, err
}

// AccountsToPurge implements billd.AccountTx.
func (t *tx) AccountsToPurge(ctx context.Context, now time.Time, limit int) ([]*billd.BillingAccount, error) {
	return queryAll(ctx, t, scanAccount, `SELECT `+accountColumns+accountFrom+` WHERE b.state = 'closed'
		AND b.purge_at <= $1 AND b.purged_at IS NULL ORDER BY b.purge_at, b.id LIMIT $2`, now, pageLimit(limit))
}
