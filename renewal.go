package billd

import (
	"context"
	"strconv"
	"time"
)

// Renewals. A provider that runs subscription periods itself (Stripe) charges each renewal and
// reports it in events; billd then only moves a scheduled plan change in at its time. billd runs
// the periods of the others' subscriptions (the sandbox's, and delegated ones, which have no
// provider and are not charged): at the end of a period it ends a subscription set to cancel,
// moves a scheduled plan change in, and charges the next period to the account's default payment
// method. A paid renewal starts the next period and is recorded as a paid invoice; a declined one
// makes the subscription past_due, and it is charged again (at most once a day) by later rounds.

// renewSubscriptions renews the subscriptions whose period has ended.
func (s *Service) renewSubscriptions(ctx context.Context, batch int) error {
	now := s.clock()
	var due []*Subscription
	err := s.view(ctx, func(tx Tx) error {
		var err error
		due, err = tx.Subscriptions(ctx, SubscriptionQuery{RenewBy: now, Limit: batch})
		return err
	})
	for _, sub := range due {
		if !sub.State.Live() && sub.State != SubscriptionPastDue {
			continue
		}
		if err := s.renew(ctx, sub, now); err != nil {
			s.log.Warn("jobs: could not renew a subscription", "subscription", sub.ID, "err", err)
		}
	}
	return err
}

// renew ends, changes or charges one subscription whose period ended at or before now.
func (s *Service) renew(ctx context.Context, sub *Subscription, now time.Time) error {
	pr := s.providers[sub.Provider]
	if sub.Provider != "" && pr == nil {
		return Errorf(EPRECONDITION, "payment provider %q is not configured", sub.Provider)
	}
	if pr != nil && pr.RunsRenewals() {
		return s.moveScheduledPlan(ctx, sub.ID, now)
	}
	if sub.CancelAtPeriodEnd {
		return s.endSubscription(ctx, sub.ID)
	}
	var cat *Catalog
	var a *BillingAccount
	var org *Organization
	err := s.view(ctx, func(tx Tx) (err error) {
		if cat, err = tx.Catalog(ctx); err != nil {
			return err
		}
		if a, err = tx.BillingAccount(ctx, sub.AccountID); err != nil {
			return err
		}
		org, err = tx.Organization(ctx, sub.OrgID)
		return err
	})
	if err != nil {
		return err
	}
	plan, amount, period, err := nextPeriod(cat, sub, a.Currency, max(org.Seats, 1))
	if err != nil {
		return err
	}
	if pr != nil && amount > 0 {
		key := "renewal:" + sub.ID + ":" + strconv.FormatInt(period.Start.Unix(), 10) + ":" + now.Format(time.DateOnly)
		res, err := pr.Charge(ctx, ChargeRequest{IdempotencyKey: key, CustomerID: a.ProviderID, Amount: amount,
			Currency: a.Currency, Description: "subscription " + plan.Name})
		if err != nil {
			return err
		}
		if !res.Paid {
			return s.markPastDue(ctx, sub.ID, res.Reason)
		}
	}
	return s.startPeriod(ctx, sub, plan, period, amount, a.Currency, now)
}

// nextPeriod returns what a subscription's next period is and costs: the plan it will be on (a
// scheduled change included), the amount of its lines at seats, and its span.
func nextPeriod(cat *Catalog, sub *Subscription, currency string, seats int64) (*Plan, int64, Period, error) {
	planID := sub.PlanID
	if sub.NextPlanID != "" {
		planID = sub.NextPlanID
	}
	plan := cat.Plan(planID)
	if plan == nil {
		return nil, 0, Period{}, errNoPlan
	}
	lines, err := planLines(cat, plan, currency, seats)
	if err != nil {
		return nil, 0, Period{}, err
	}
	amount, err := linesAmount(lines)
	if err != nil {
		return nil, 0, Period{}, err
	}
	start := sub.CurrentPeriod.End
	return plan, amount, Period{Start: start, End: AddInterval(start, plan.Interval, 1)}, nil
}

// startPeriod records a renewal: the subscription's next period on plan, and its paid invoice.
func (s *Service) startPeriod(ctx context.Context, sub *Subscription, plan *Plan, period Period, amount int64, currency string, now time.Time) error {
	return s.update(ctx, func(tx Tx) error {
		cur, err := tx.LockSubscription(ctx, sub.ID)
		if err != nil || !cur.CurrentPeriod.End.Equal(sub.CurrentPeriod.End) {
			return err // renewed meanwhile
		}
		if cur.PlanID != plan.ID {
			cur.PlanHistory = append(cur.PlanHistory, cur.PlanID)
			cur.PlanID = plan.ID
		}
		cur.NextPlanID, cur.NextPlanAt = "", nil
		cur.State, cur.CurrentPeriod, cur.TrialEndsAt, cur.UpdatedAt = SubscriptionActive, period, nil, now
		if err := tx.UpdateSubscription(ctx, cur); err != nil {
			return err
		}
		paid := now
		inv := &Invoice{ID: DeriveUUID("renewal:" + sub.ID + ":" + period.Start.Format(time.RFC3339Nano)),
			OrgID: sub.OrgID, AccountID: sub.AccountID, Kind: InvoiceSubscription, Provider: sub.Provider, State: InvoicePaid,
			Currency: currency, Amount: amount, SubscriptionID: sub.ID, PeriodStart: period.Start, PeriodEnd: period.End,
			PaidAt: &paid, Metadata: Metadata{"plan_id": plan.ID}, CreatedAt: now, UpdatedAt: now}
		if err := tx.AppendNotices(ctx, []Notice{invoiceNotice(NoticeInvoiceCreated, inv, now), invoiceNotice(NoticeInvoicePaid, inv, now)}); err != nil {
			return err
		}
		return tx.InsertInvoice(ctx, inv)
	})
}

// markPastDue records a declined renewal.
func (s *Service) markPastDue(ctx context.Context, id, reason string) error {
	return s.update(ctx, func(tx Tx) error {
		sub, err := tx.LockSubscription(ctx, id)
		if err != nil || sub.State == SubscriptionPastDue {
			return err
		}
		sub.State, sub.UpdatedAt = SubscriptionPastDue, s.clock()
		sub.Metadata = sub.Metadata.with("last_payment_error", Truncate(reason, 200))
		return tx.UpdateSubscription(ctx, sub)
	})
}

// endSubscription ends a subscription that was set to cancel at the end of its period.
func (s *Service) endSubscription(ctx context.Context, id string) error {
	return s.update(ctx, func(tx Tx) error {
		sub, err := tx.LockSubscription(ctx, id)
		if err != nil || (!sub.State.Live() && sub.State != SubscriptionPastDue) {
			return err
		}
		end := sub.CurrentPeriod.End
		sub.State, sub.EndedAt, sub.UpdatedAt = SubscriptionEnded, &end, s.clock()
		if sub.CanceledAt == nil {
			sub.CanceledAt = &end
		}
		return tx.UpdateSubscription(ctx, sub)
	})
}

// moveScheduledPlan makes a scheduled plan change the subscription's plan once its time came (the
// provider already bills it).
func (s *Service) moveScheduledPlan(ctx context.Context, id string, now time.Time) error {
	return s.update(ctx, func(tx Tx) error {
		sub, err := tx.LockSubscription(ctx, id)
		if err != nil || sub.NextPlanID == "" || sub.NextPlanAt == nil || sub.NextPlanAt.After(now) {
			return err
		}
		sub.PlanHistory = append(sub.PlanHistory, sub.PlanID)
		sub.PlanID, sub.NextPlanID, sub.NextPlanAt, sub.UpdatedAt = sub.NextPlanID, "", nil, now
		return tx.UpdateSubscription(ctx, sub)
	})
}
