package sqlstore

import (
	"context"
	"database/sql"

	"github.com/billd/billd"
)

// Invoices, and the billing accounts the overdraft job invoices. Like the payment objects, a link
// to another of billd's objects that is not set ("") is stored as NULL, as is a time that is not
// set (nil, or the zero time for a period bound).

const invoiceColumns = `id, org_id, account_id, kind, provider, provider_id, state, currency, amount, credits, url,
	subscription_id, period_start, period_end, due_at, paid_at, reconciled_at, metadata, created_at, updated_at`

func scanInvoice(s scanner) (*billd.Invoice, error) {
	var inv billd.Invoice
	var subscriptionID sql.NullString
	var start, end, due, paid, reconciled sql.NullTime
	var meta string
	if err := s.Scan(&inv.ID, &inv.OrgID, &inv.AccountID, &inv.Kind, &inv.Provider, &inv.ProviderID, &inv.State,
		&inv.Currency, &inv.Amount, &inv.Credits, &inv.URL, &subscriptionID, &start, &end, &due, &paid, &reconciled,
		&meta, &inv.CreatedAt, &inv.UpdatedAt); err != nil {
		return nil, err
	}
	inv.SubscriptionID = subscriptionID.String
	inv.PeriodStart, inv.PeriodEnd = timeOrZero(start), timeOrZero(end)
	inv.DueAt, inv.PaidAt, inv.ReconciledAt = timePtr(due), timePtr(paid), timePtr(reconciled)
	inv.CreatedAt, inv.UpdatedAt = inv.CreatedAt.UTC(), inv.UpdatedAt.UTC()
	var err error
	inv.Metadata, err = billd.ParseMetadata(meta)
	return &inv, err
}

// invoiceArgs are the values of the columns of inv after its id, in invoiceColumns order.
func invoiceArgs(inv *billd.Invoice) []any {
	return []any{inv.OrgID, inv.AccountID, string(inv.Kind), inv.Provider, inv.ProviderID, string(inv.State),
		inv.Currency, inv.Amount, inv.Credits, inv.URL, nullString(inv.SubscriptionID), nullTime(inv.PeriodStart),
		nullTime(inv.PeriodEnd), nullTimePtr(inv.DueAt), nullTimePtr(inv.PaidAt), nullTimePtr(inv.ReconciledAt),
		inv.Metadata.Marshal(), inv.CreatedAt, inv.UpdatedAt}
}

// invoiceConflict maps the uniqueness violations of an invoice write: its id stored already wraps
// billd.ErrDuplicateID; its provider's invoice (provider and provider id) stored already under
// another id is ECONFLICT.
func invoiceConflict(inv *billd.Invoice) func(error) error {
	return func(err error) error {
		if uniqueViolation(err) && !primaryKeyViolation(err) {
			return billd.Errorf(billd.ECONFLICT, "invoice %s of provider %s is already stored", inv.ProviderID, inv.Provider)
		}
		return duplicateID(err)
	}
}

// InsertInvoice implements billd.InvoiceTx. A period bound that is the zero time is stored as
// NULL and read back as the zero time.
func (t *tx) InsertInvoice(ctx context.Context, inv *billd.Invoice) error {
	return t.execMapped(ctx, invoiceConflict(inv), `INSERT INTO invoices (`+invoiceColumns+`) VALUES ($1, $2, $3,
		$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		append([]any{inv.ID}, invoiceArgs(inv)...)...)
}

// Invoice implements billd.InvoiceTx.
func (t *tx) Invoice(ctx context.Context, id string) (*billd.Invoice, error) {
	return queryOne(ctx, t, "invoice", scanInvoice, `SELECT `+invoiceColumns+` FROM invoices WHERE id = $1`, id)
}

// LockInvoice implements billd.InvoiceTx.
func (t *tx) LockInvoice(ctx context.Context, id string) (*billd.Invoice, error) {
	return queryOne(ctx, t, "invoice", scanInvoice,
		`SELECT `+invoiceColumns+` FROM invoices WHERE id = $1`+t.d.forUpdate, id)
}

// UpdateInvoice implements billd.InvoiceTx: it stores every field of inv but its ID and CreatedAt,
// which never change. Giving it the provider id of another stored invoice is ECONFLICT.
func (t *tx) UpdateInvoice(ctx context.Context, inv *billd.Invoice) error {
	args := invoiceArgs(inv)
	args = append(args[:len(args)-2], inv.UpdatedAt, inv.ID) // all but created_at, then the key
	return t.execMapped(ctx, invoiceConflict(inv), `UPDATE invoices SET org_id = $1, account_id = $2, kind = $3,
		provider = $4, provider_id = $5, state = $6, currency = $7, amount = $8, credits = $9, url = $10,
		subscription_id = $11, period_start = $12, period_end = $13, due_at = $14, paid_at = $15,
		reconciled_at = $16, metadata = $17, updated_at = $18 WHERE id = $19`, args...)
}

// Invoices implements billd.InvoiceTx: newest first, at most q.Limit (billd.MaxPageSize when it
// is 0 or more than that). Each filter has an index: the account's invoices, the organization's,
// and the paid overdraft invoices not reconciled yet (a partial index, whose condition the query
// repeats).
func (t *tx) Invoices(ctx context.Context, q billd.InvoiceQuery) ([]*billd.Invoice, error) {
	var f filter
	if q.AccountID != "" {
		f.add("account_id = ?", q.AccountID)
	}
	if q.OrgID != "" {
		f.add("org_id = ?", q.OrgID)
	}
	if q.State != "" {
		f.add("state = ?", string(q.State))
	}
	if q.NonZeroOnly {
		f.add("amount > 0")
	}
	if q.Unreconciled {
		f.add("kind = 'overdraft' AND state = 'paid' AND reconciled_at IS NULL")
	}
	if !q.DueBefore.IsZero() {
		f.add("state = 'open' AND due_at < ?", q.DueBefore)
	}
	return newestFirst(ctx, t, scanInvoice, invoiceColumns, "invoices", &f, q.After, q.Limit)
}

// PostpaidAccounts implements billd.InvoiceTx: at most limit accounts (billd.MaxPageSize when it
// is 0 or more than that), by id, on a partial index of the postpaid accounts whose condition the
// query repeats.
func (t *tx) PostpaidAccounts(ctx context.Context, after string, limit int) ([]*billd.BillingAccount, error) {
	var f filter
	f.add("b.state = 'active' AND b.credit_min < 0")
	if after != "" { // "" is no uuid: PostgreSQL would refuse it
		f.add("b.id > ?", after)
	}
	query := `SELECT ` + accountColumns + accountFrom + f.where() + ` ORDER BY b.id LIMIT ` + f.next(pageLimit(limit))
	return queryAll(ctx, t, scanAccount, query, f.args...)
}
