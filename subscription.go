package billd

import (
	"context"
	"slices"
	"time"
)

// SubscriptionFilter selects an account's subscriptions in ListSubscriptions.
type SubscriptionFilter struct {
	State SubscriptionState // "" for any
	Plan  string            // a plan's id or name; "" for any
}

// ListSubscriptions lists an account's subscriptions, newest first. Needs get permission. An
// organization without an account (billingID empty and no active account) has none.
func (s *Service) ListSubscriptions(ctx context.Context, p Principal, orgID, billingID string, f SubscriptionFilter, page PageRequest) (Page[*Subscription], error) {
	limit, after, err := pageQuery(page, IsUUID)
	if err != nil {
		return Page[*Subscription]{}, err
	}
	var items []*Subscription
	err = s.view(ctx, func(tx Tx) error {
		a, err := billedAccount(ctx, tx, p, PermRead, orgID, billingID)
		if err != nil || a == nil {
			return err
		}
		q := SubscriptionQuery{AccountID: a.ID, State: f.State, After: after, Limit: limit + 1}
		if f.Plan != "" {
			cat, err := tx.Catalog(ctx)
			if err != nil {
				return err
			}
			plan := cat.Plan(f.Plan)
			if plan == nil {
				return nil
			}
			q.PlanID = plan.ID
		}
		items, err = tx.Subscriptions(ctx, q)
		return err
	})
	if err != nil {
		return Page[*Subscription]{}, err
	}
	return makePage(items, limit, func(s *Subscription) Cursor { return Cursor{At: s.CreatedAt, ID: s.ID} }), nil
}

// billedAccount returns the account a billing read names: billingID, or, when it is empty, the
// organization's active account (nil when it has none). p must have perm on the organization.
func billedAccount(ctx context.Context, tx Tx, p Principal, perm Permission, orgID, billingID string) (*BillingAccount, error) {
	if billingID != "" {
		return readableAccount(ctx, tx, p, perm, orgID, billingID)
	}
	o, err := openOrganization(ctx, tx, p, perm, orgID, false)
	if err != nil {
		return nil, err
	}
	a, err := tx.ActiveBillingAccount(ctx, o.ID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil
	}
	return a, err
}

// GetSubscription returns one subscription of an organization (orgID may be empty: the
// subscription's own; billingID, when given, must be its account). Needs get permission.
func (s *Service) GetSubscription(ctx context.Context, p Principal, orgID, billingID, id string) (*Subscription, error) {
	var sub *Subscription
	err := s.view(ctx, func(tx Tx) error {
		var err error
		sub, err = visibleSubscription(ctx, tx, p, PermRead, orgID, billingID, id)
		return err
	})
	return sub, err
}

// errNoSubscription answers a subscription the caller cannot see.
var errNoSubscription = Errorf(ENOTFOUND, "subscription not found")

// visibleSubscription reads a subscription p may perform perm on; with lock, under its lock.
func visibleSubscription(ctx context.Context, tx Tx, p Principal, perm Permission, orgID, billingID, id string, lock ...bool) (*Subscription, error) {
	id, err := ParseUUID("subscription id", id)
	if err != nil {
		return nil, err
	}
	var sub *Subscription
	if len(lock) > 0 && lock[0] {
		sub, err = tx.LockSubscription(ctx, id)
	} else {
		sub, err = tx.Subscription(ctx, id)
	}
	if ErrorCode(err) == ENOTFOUND || (err == nil && ((orgID != "" && sub.OrgID != orgID) || (billingID != "" && sub.AccountID != billingID))) {
		return nil, errNoSubscription
	}
	if err != nil {
		return nil, err
	}
	if _, err := readableAccount(ctx, tx, p, perm, sub.OrgID, sub.AccountID); err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil, errNoSubscription
		}
		return nil, err
	}
	return sub, nil
}

// UpdateSubscription replaces a subscription's metadata. Needs delete permission.
func (s *Service) UpdateSubscription(ctx context.Context, p Principal, orgID, billingID, id string, metadata Metadata) (*Subscription, error) {
	if metadata == nil {
		metadata = Metadata{}
	}
	if err := s.limits.checkMetadata(metadata); err != nil {
		return nil, err
	}
	return s.changeSubscription(ctx, p, orgID, billingID, id, func(sub *Subscription) error {
		sub.Metadata = metadata
		return nil
	})
}

// changeSubscription applies change to a subscription p may delete, under its lock.
func (s *Service) changeSubscription(ctx context.Context, p Principal, orgID, billingID, id string, change func(*Subscription) error) (*Subscription, error) {
	var sub *Subscription
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if sub, err = visibleSubscription(ctx, tx, p, PermDelete, orgID, billingID, id, true); err != nil {
			return err
		}
		if err := change(sub); err != nil {
			return err
		}
		sub.UpdatedAt = s.clock()
		return tx.UpdateSubscription(ctx, sub)
	})
	return sub, err
}

// CancelSubscription ends a subscription: immediately, or at the end of its current period (it
// keeps its features until then). Needs delete permission. EPRECONDITION if it already ended.
func (s *Service) CancelSubscription(ctx context.Context, p Principal, orgID, billingID, id string, immediate bool) (*Subscription, error) {
	sub, err := s.GetSubscription(ctx, p, orgID, billingID, id)
	if err != nil {
		return nil, err
	}
	if err := Preauthorize(p, PermDelete, sub.OrgID); err != nil {
		return nil, err
	}
	if !sub.State.Live() && sub.State != SubscriptionPastDue {
		return nil, Errorf(EPRECONDITION, "subscription is %s", sub.State)
	}
	if pr := s.providers[sub.Provider]; pr != nil && sub.ProviderID != "" {
		if _, err := pr.CancelSubscription(ctx, sub.ProviderID, !immediate); err != nil {
			return nil, err
		}
	}
	return s.changeSubscription(ctx, p, orgID, billingID, id, func(sub *Subscription) error {
		if !sub.State.Live() && sub.State != SubscriptionPastDue { // ended meanwhile
			return Errorf(EPRECONDITION, "subscription is %s", sub.State)
		}
		now := s.clock()
		if !immediate {
			sub.CancelAtPeriodEnd = true
			return nil
		}
		sub.State, sub.CanceledAt, sub.EndedAt = SubscriptionCanceled, &now, &now
		return nil
	})
}

// PlanChange changes a subscription's plan (Plan, now or from the next period) or cancels the
// change scheduled for the next period (CancelUpcoming).
type PlanChange struct {
	Plan           string
	Immediate      bool
	CancelUpcoming bool
}

// Phase is a subscription's plan from a time on: after a change, the plan it is on from
// EffectiveAt, and why ("change" or "cancel").
type Phase struct {
	EffectiveAt time.Time
	PlanID      string
	Reason      string
}

// ChangeSubscription changes a live subscription's plan now (the provider prorates) or at the end
// of its period (the next renewal charges the new plan), or cancels a scheduled change. Needs
// delete permission. EINVALID for both or neither change, or the plan it is on; EPRECONDITION for
// an inactive plan or a subscription that is not live.
func (s *Service) ChangeSubscription(ctx context.Context, p Principal, orgID, billingID, id string, c PlanChange) (*Phase, error) {
	if c.Plan != "" && c.CancelUpcoming {
		return nil, Errorf(EINVALID, "cannot change plan and cancel upcoming changes at the same time")
	}
	if c.Plan == "" && !c.CancelUpcoming {
		return nil, Errorf(EINVALID, "no change requested")
	}
	sub, err := s.GetSubscription(ctx, p, orgID, billingID, id)
	if err != nil {
		return nil, err
	}
	if err := Preauthorize(p, PermDelete, sub.OrgID); err != nil {
		return nil, err
	}
	if !sub.State.Live() {
		return nil, Errorf(EPRECONDITION, "subscription is %s", sub.State)
	}
	var cat *Catalog
	if err := s.view(ctx, func(tx Tx) (err error) { cat, err = tx.Catalog(ctx); return err }); err != nil {
		return nil, err
	}
	target := sub.PlanID // what the provider bills from the next period on
	if !c.CancelUpcoming {
		plan := cat.Plan(c.Plan)
		switch {
		case plan == nil:
			return nil, errNoPlan
		case plan.ID == sub.PlanID:
			return nil, Errorf(EINVALID, "already on same plan")
		case plan.State != CatalogActive:
			return nil, Errorf(EPRECONDITION, "plan %s is not active", plan.Name)
		}
		target = plan.ID
	}
	if err := s.changeProviderPlan(ctx, cat, sub, target, c.Immediate); err != nil {
		return nil, err
	}
	phase := &Phase{PlanID: target, Reason: "change"}
	_, err = s.changeSubscription(ctx, p, orgID, billingID, id, func(sub *Subscription) error {
		if !sub.State.Live() { // ended meanwhile
			return Errorf(EPRECONDITION, "subscription is %s", sub.State)
		}
		now := s.clock()
		switch {
		case c.CancelUpcoming:
			sub.NextPlanID, sub.NextPlanAt = "", nil
			phase.EffectiveAt = now
		case c.Immediate:
			sub.PlanHistory = append(sub.PlanHistory, sub.PlanID)
			sub.PlanID, sub.NextPlanID, sub.NextPlanAt = target, "", nil
			phase.EffectiveAt = now
		default:
			at := sub.CurrentPeriod.End
			sub.NextPlanID, sub.NextPlanAt = target, &at
			phase.EffectiveAt = at
		}
		return nil
	})
	return phase, err
}

// changeProviderPlan tells a subscription's provider what to bill: the plan's lines, now
// (prorated) or from the next period.
func (s *Service) changeProviderPlan(ctx context.Context, cat *Catalog, sub *Subscription, planID string, immediate bool) error {
	pr := s.providers[sub.Provider]
	if pr == nil || sub.ProviderID == "" {
		return nil
	}
	plan := cat.Plan(planID)
	if plan == nil {
		return errNoPlan
	}
	var a *BillingAccount
	err := s.view(ctx, func(tx Tx) (err error) { a, err = tx.BillingAccount(ctx, sub.AccountID); return err })
	if err != nil {
		return err
	}
	lines, err := planLines(cat, plan, a.Currency, sub.Quantity)
	if err != nil {
		return err
	}
	_, err = pr.ChangeSubscription(ctx, sub.ProviderID, SubscriptionRequest{SubscriptionID: sub.ID, CustomerID: a.ProviderID,
		Currency: a.Currency, Lines: lines, Interval: plan.Interval}, immediate)
	return err
}

// HasTrialed reports whether an account has had a plan (id or name), now or before: a trial is
// given only once per plan. Needs get permission.
func (s *Service) HasTrialed(ctx context.Context, p Principal, orgID, billingID, plan string) (bool, error) {
	var had bool
	err := s.view(ctx, func(tx Tx) error {
		a, err := readableAccount(ctx, tx, p, PermRead, orgID, billingID)
		if err != nil {
			return err
		}
		cat, err := tx.Catalog(ctx)
		if err != nil {
			return err
		}
		pl := cat.Plan(plan)
		if pl == nil {
			return errNoPlan
		}
		had, err = hasHadPlan(ctx, tx, a.ID, pl.ID)
		return err
	})
	return had, err
}

// CheckFeatureEntitlement reports whether an organization's account (billingID, or its active
// account) has a live (active or trialing) subscription to a plan holding a product that grants
// the feature (id or name). Needs get permission on the organization: Frontier lets anyone probe
// any organization. False when the organization has no account; ENOTFOUND for an unknown feature.
func (s *Service) CheckFeatureEntitlement(ctx context.Context, p Principal, orgID, billingID, feature string) (bool, error) {
	var entitled bool
	err := s.view(ctx, func(tx Tx) error {
		a, err := billedAccount(ctx, tx, p, PermRead, orgID, billingID)
		if err != nil {
			return err
		}
		cat, err := tx.Catalog(ctx)
		if err != nil {
			return err
		}
		f := cat.Feature(feature)
		if f == nil {
			return errNoFeature
		}
		if a == nil {
			return nil
		}
		subs, err := tx.Subscriptions(ctx, SubscriptionQuery{AccountID: a.ID, Limit: MaxPageSize})
		if err != nil {
			return err
		}
		entitled = grants(cat, f, subs)
		return nil
	})
	return entitled, err
}

// grants reports whether a live subscription among subs is to a plan holding a product with f.
func grants(cat *Catalog, f *Feature, subs []*Subscription) bool {
	for _, productID := range f.ProductIDs {
		pr := cat.Product(productID)
		if pr == nil {
			continue
		}
		for _, sub := range subs {
			if sub.State.Live() && slices.Contains(pr.PlanIDs, sub.PlanID) {
				return true
			}
		}
	}
	return false
}
