package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/billd/billd"
)

// The payment objects: checkouts (here), payment methods (payment_method.go), subscriptions
// (subscription.go) and provider events (provider_event.go). Links to billd's other objects that
// are not set ("") are stored as NULL, as are times that are not set (nil).

const checkoutColumns = `id, org_id, account_id, kind, provider, provider_id, url, success_url, cancel_url, state,
	payment_status, payment_error, plan_id, product_id, quantity, amount, currency, credits, skip_trial,
	cancel_after_trial, subscription_id, fulfilled_at, metadata, created_at, updated_at, expire_at`

func scanCheckout(s scanner) (*billd.Checkout, error) {
	var c billd.Checkout
	var planID, productID, subscriptionID sql.NullString
	var fulfilled sql.NullTime
	var meta string
	if err := s.Scan(&c.ID, &c.OrgID, &c.AccountID, &c.Kind, &c.Provider, &c.ProviderID, &c.URL, &c.SuccessURL,
		&c.CancelURL, &c.State, &c.PaymentStatus, &c.PaymentError, &planID, &productID, &c.Quantity, &c.Amount,
		&c.Currency, &c.Credits, &c.SkipTrial, &c.CancelAfterTrial, &subscriptionID, &fulfilled, &meta,
		&c.CreatedAt, &c.UpdatedAt, &c.ExpireAt); err != nil {
		return nil, err
	}
	c.PlanID, c.ProductID, c.SubscriptionID = planID.String, productID.String, subscriptionID.String
	c.FulfilledAt = timePtr(fulfilled)
	c.CreatedAt, c.UpdatedAt, c.ExpireAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC(), c.ExpireAt.UTC()
	var err error
	c.Metadata, err = billd.ParseMetadata(meta)
	return &c, err
}

// InsertCheckout implements billd.PaymentTx.
func (t *tx) InsertCheckout(ctx context.Context, c *billd.Checkout) error {
	return t.execMapped(ctx, duplicateID, `INSERT INTO checkouts (`+checkoutColumns+`) VALUES ($1, $2, $3, $4, $5,
		$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`,
		c.ID, c.OrgID, c.AccountID, string(c.Kind), c.Provider, c.ProviderID, c.URL, c.SuccessURL, c.CancelURL,
		string(c.State), string(c.PaymentStatus), c.PaymentError, nullString(c.PlanID), nullString(c.ProductID),
		c.Quantity, c.Amount, c.Currency, c.Credits, c.SkipTrial, c.CancelAfterTrial, nullString(c.SubscriptionID),
		nullTimePtr(c.FulfilledAt), c.Metadata.Marshal(), c.CreatedAt, c.UpdatedAt, c.ExpireAt)
}

// Checkout implements billd.PaymentTx.
func (t *tx) Checkout(ctx context.Context, id string) (*billd.Checkout, error) {
	return queryOne(ctx, t, "checkout", scanCheckout, `SELECT `+checkoutColumns+` FROM checkouts WHERE id = $1`, id)
}

// LockCheckout implements billd.PaymentTx.
func (t *tx) LockCheckout(ctx context.Context, id string) (*billd.Checkout, error) {
	return queryOne(ctx, t, "checkout", scanCheckout,
		`SELECT `+checkoutColumns+` FROM checkouts WHERE id = $1`+t.d.forUpdate, id)
}

// UpdateCheckout implements billd.PaymentTx: it stores every field of c but its ID and CreatedAt,
// which never change.
func (t *tx) UpdateCheckout(ctx context.Context, c *billd.Checkout) error {
	return t.exec(ctx, `UPDATE checkouts SET org_id = $1, account_id = $2, kind = $3, provider = $4,
		provider_id = $5, url = $6, success_url = $7, cancel_url = $8, state = $9, payment_status = $10,
		payment_error = $11, plan_id = $12, product_id = $13, quantity = $14, amount = $15, currency = $16,
		credits = $17, skip_trial = $18, cancel_after_trial = $19, subscription_id = $20, fulfilled_at = $21,
		metadata = $22, updated_at = $23, expire_at = $24 WHERE id = $25`,
		c.OrgID, c.AccountID, string(c.Kind), c.Provider, c.ProviderID, c.URL, c.SuccessURL, c.CancelURL,
		string(c.State), string(c.PaymentStatus), c.PaymentError, nullString(c.PlanID), nullString(c.ProductID),
		c.Quantity, c.Amount, c.Currency, c.Credits, c.SkipTrial, c.CancelAfterTrial, nullString(c.SubscriptionID),
		nullTimePtr(c.FulfilledAt), c.Metadata.Marshal(), c.UpdatedAt, c.ExpireAt, c.ID)
}

// Checkouts implements billd.PaymentTx: newest first, at most q.Limit (billd.MaxPageSize when it
// is 0 or more than that). Each filter has an index: the account's checkouts, open ones by
// expiry, and completed unfulfilled ones (a partial index, whose condition the query repeats).
func (t *tx) Checkouts(ctx context.Context, q billd.CheckoutQuery) ([]*billd.Checkout, error) {
	var f filter
	if q.AccountID != "" {
		f.add("account_id = ?", q.AccountID)
	}
	if q.State != "" {
		f.add("state = ?", string(q.State))
	}
	if q.Unfulfilled {
		f.add("state = 'complete' AND fulfilled_at IS NULL")
	}
	if !q.ExpiresBefore.IsZero() {
		f.add("expire_at < ?", q.ExpiresBefore)
	}
	return newestFirst(ctx, t, scanCheckout, checkoutColumns, "checkouts", &f, q.After, q.Limit)
}

// pageLimit is the number of rows a list returns for a requested limit: billd.MaxPageSize when
// the limit is not positive or is larger.
func pageLimit(limit int) int {
	if limit <= 0 || limit > billd.MaxPageSize {
		return billd.MaxPageSize
	}
	return limit
}

// nullTimePtr stores a nil time as NULL.
func nullTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

// timePtr is the *time.Time (UTC) of a nullable column: nil for NULL.
func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// timeOrZero is the time (UTC) of a nullable column: the zero time for NULL.
func timeOrZero(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}
