package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/billd/billd"
)

const subscriptionColumns = `id, org_id, account_id, plan_id, provider, provider_id, state, quantity,
	current_period_start, current_period_end, trial_ends_at, cancel_at_period_end, canceled_at, ended_at,
	next_plan_id, next_plan_at, plan_history, checkout_id, metadata, created_at, updated_at`

func scanSubscription(s scanner) (*billd.Subscription, error) {
	var sub billd.Subscription
	var start, end, trialEnds, canceled, ended, nextPlanAt sql.NullTime
	var nextPlanID, checkoutID sql.NullString
	var history, meta string
	if err := s.Scan(&sub.ID, &sub.OrgID, &sub.AccountID, &sub.PlanID, &sub.Provider, &sub.ProviderID, &sub.State,
		&sub.Quantity, &start, &end, &trialEnds, &sub.CancelAtPeriodEnd, &canceled, &ended, &nextPlanID,
		&nextPlanAt, &history, &checkoutID, &meta, &sub.CreatedAt, &sub.UpdatedAt); err != nil {
		return nil, err
	}
	sub.CurrentPeriod = billd.Period{Start: timeOrZero(start), End: timeOrZero(end)}
	sub.TrialEndsAt, sub.CanceledAt, sub.EndedAt = timePtr(trialEnds), timePtr(canceled), timePtr(ended)
	sub.NextPlanID, sub.NextPlanAt, sub.CheckoutID = nextPlanID.String, timePtr(nextPlanAt), checkoutID.String
	sub.CreatedAt, sub.UpdatedAt = sub.CreatedAt.UTC(), sub.UpdatedAt.UTC()
	var err error
	if sub.PlanHistory, err = decodePlanHistory(history); err != nil {
		return nil, err
	}
	sub.Metadata, err = billd.ParseMetadata(meta)
	return &sub, err
}

// encodePlanHistory is the stored form of a plan history: a JSON array of ids, [] when empty.
func encodePlanHistory(ids []string) string {
	if len(ids) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(ids)
	return string(b)
}

// decodePlanHistory reads a stored plan history; an empty one is nil.
func decodePlanHistory(s string) ([]string, error) {
	var ids []string
	if err := json.Unmarshal([]byte(s), &ids); err != nil || len(ids) == 0 {
		return nil, err
	}
	return ids, nil
}

// subscriptionArgs are the values of the columns of s after its id, in subscriptionColumns order.
func subscriptionArgs(s *billd.Subscription) []any {
	return []any{s.OrgID, s.AccountID, s.PlanID, s.Provider, s.ProviderID, string(s.State), s.Quantity,
		nullTime(s.CurrentPeriod.Start), nullTime(s.CurrentPeriod.End), nullTimePtr(s.TrialEndsAt),
		s.CancelAtPeriodEnd, nullTimePtr(s.CanceledAt), nullTimePtr(s.EndedAt), nullString(s.NextPlanID),
		nullTimePtr(s.NextPlanAt), encodePlanHistory(s.PlanHistory), nullString(s.CheckoutID), s.Metadata.Marshal(),
		s.CreatedAt, s.UpdatedAt}
}

// InsertSubscription implements billd.PaymentTx. A period bound that is the zero time is stored
// as NULL and read back as the zero time.
func (t *tx) InsertSubscription(ctx context.Context, s *billd.Subscription) error {
	return t.execMapped(ctx, duplicateID, `INSERT INTO subscriptions (`+subscriptionColumns+`) VALUES ($1, $2, $3,
		$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		append([]any{s.ID}, subscriptionArgs(s)...)...)
}

// Subscription implements billd.PaymentTx.
func (t *tx) Subscription(ctx context.Context, id string) (*billd.Subscription, error) {
	return queryOne(ctx, t, "subscription", scanSubscription,
		`SELECT `+subscriptionColumns+` FROM subscriptions WHERE id = $1`, id)
}

// LockSubscription implements billd.PaymentTx.
func (t *tx) LockSubscription(ctx context.Context, id string) (*billd.Subscription, error) {
	return queryOne(ctx, t, "subscription", scanSubscription,
		`SELECT `+subscriptionColumns+` FROM subscriptions WHERE id = $1`+t.d.forUpdate, id)
}

// UpdateSubscription implements billd.PaymentTx: it stores every field of s but its ID and
// CreatedAt, which never change.
func (t *tx) UpdateSubscription(ctx context.Context, s *billd.Subscription) error {
	args := subscriptionArgs(s)
	args = append(args[:len(args)-2], s.UpdatedAt, s.ID) // all but created_at, then the key
	return t.exec(ctx, `UPDATE subscriptions SET org_id = $1, account_id = $2, plan_id = $3, provider = $4,
		provider_id = $5, state = $6, quantity = $7, current_period_start = $8, current_period_end = $9,
		trial_ends_at = $10, cancel_at_period_end = $11, canceled_at = $12, ended_at = $13, next_plan_id = $14,
		next_plan_at = $15, plan_history = $16, checkout_id = $17, metadata = $18, updated_at = $19
		WHERE id = $20`, args...)
}

// Subscriptions implements billd.PaymentTx: newest first, at most q.Limit (billd.MaxPageSize when
// it is 0 or more than that). RenewBy keeps the subscriptions whose current period ends at or
// before it (one whose end is not known yet is left out).
func (t *tx) Subscriptions(ctx context.Context, q billd.SubscriptionQuery) ([]*billd.Subscription, error) {
	var f filter
	if q.AccountID != "" {
		f.add("account_id = ?", q.AccountID)
	}
	if q.PlanID != "" {
		f.add("plan_id = ?", q.PlanID)
	}
	if q.State != "" {
		f.add("state = ?", string(q.State))
	}
	if !q.RenewBy.IsZero() {
		f.add("current_period_end <= ?", q.RenewBy)
	}
	return newestFirst(ctx, t, scanSubscription, subscriptionColumns, "subscriptions", &f, q.After, q.Limit)
}
