package billd

import (
	"context"
	"errors"
	"strconv"
)

// DelegatedCheckoutRequest applies a product or plan to an account without payment.
// IdempotencyKey tells requests apart: the same request with the same key (or none) is applied
// once, so a retry cannot grant twice (Frontier's random ids do). To give the same thing twice on
// purpose, use two keys.
type DelegatedCheckoutRequest struct {
	OrgID          string
	BillingID      string
	Product        *ProductPurchase
	Subscription   *PlanPurchase
	IdempotencyKey string
}

// DelegatedCheckoutResult is what a delegated checkout applied.
type DelegatedCheckoutResult struct {
	Subscription *Subscription
	Product      *Product
	Catalog      *Catalog // the catalog the product or plan was read from
}

// DelegatedCheckout applies a plan (a subscription that billd runs without a provider and does not
// charge) or a credits product (quantity × credit_amount credits, source system.awarded) to an
// account, without payment. Platform admins only. A replay answers as the first call did.
// ECONFLICT if the account already subscribes to the plan (under another key).
func (s *Service) DelegatedCheckout(ctx context.Context, p Principal, r DelegatedCheckoutRequest) (*DelegatedCheckoutResult, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return nil, err
	}
	if r.Product == nil && r.Subscription == nil {
		return nil, Errorf(EINVALID, "a delegated checkout needs a product_body or a subscription_body")
	}
	if len(r.IdempotencyKey) > 255 {
		return nil, Errorf(EINVALID, "the idempotency key must be at most 255 bytes")
	}
	var a *BillingAccount
	var cat *Catalog
	err := s.view(ctx, func(tx Tx) error {
		var err error
		if a, err = billedAccount(ctx, tx, p, PermSuper, r.OrgID, r.BillingID); err != nil || a == nil {
			if err == nil {
				err = errNoActiveAccount
			}
			return err
		}
		cat, err = tx.Catalog(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if r.Subscription != nil {
		sub, err := s.delegatedSubscription(ctx, cat, a, r)
		return &DelegatedCheckoutResult{Subscription: sub, Catalog: cat}, err
	}
	pr, err := s.delegatedCredits(ctx, cat, a, r)
	return &DelegatedCheckoutResult{Product: pr, Catalog: cat}, err
}

// delegatedCredits grants a credits product's credits once per request.
func (s *Service) delegatedCredits(ctx context.Context, cat *Catalog, a *BillingAccount, r DelegatedCheckoutRequest) (*Product, error) {
	pr := cat.Product(r.Product.Product)
	if pr == nil {
		return nil, errNoProduct
	}
	q, credits, _, _, err := productTerms(pr, r.Product.Quantity, a.Currency)
	if err != nil {
		return nil, err
	}
	id := DeriveUUID("delegated:" + a.ID + ":" + pr.ID + ":" + strconv.FormatInt(q, 10) + ":" + r.IdempotencyKey)
	t := Transfer{ID: id, DebitAccountID: PlatformAccountID(CreditCurrency), CreditAccountID: a.ID, Amount: credits,
		Kind: KindGrant, Source: SourceAwarded, Description: "delegated checkout of " + pr.Name,
		Metadata: Metadata{"product_id": pr.ID, "quantity": strconv.FormatInt(q, 10)}}
	return pr, s.postOnce(ctx, t)
}

// delegatedSubscription starts a plan's subscription once per request, with its on-start credits.
func (s *Service) delegatedSubscription(ctx context.Context, cat *Catalog, a *BillingAccount, r DelegatedCheckoutRequest) (*Subscription, error) {
	plan := cat.Plan(r.Subscription.Plan)
	if plan == nil {
		return nil, errNoPlan
	}
	if plan.State != CatalogActive {
		return nil, Errorf(EPRECONDITION, "plan %s is not active", plan.Name)
	}
	id := DeriveUUID("delegated-subscription:" + a.ID + ":" + plan.ID + ":" + r.IdempotencyKey)
	var sub *Subscription
	err := s.update(ctx, func(tx Tx) error {
		if _, err := lockAccountOf(ctx, tx, a.OrgID, a.ID); err != nil {
			return err
		}
		prior, err := tx.Subscription(ctx, id)
		if err == nil {
			sub = prior // a replay
			return nil
		}
		if ErrorCode(err) != ENOTFOUND {
			return err
		}
		if err := notSubscribed(ctx, tx, a.ID, plan); err != nil {
			return err
		}
		now := s.clock()
		sub = &Subscription{ID: id, OrgID: a.OrgID, AccountID: a.ID, PlanID: plan.ID, State: SubscriptionActive,
			Quantity: 1, CurrentPeriod: Period{Start: now, End: AddInterval(now, plan.Interval, 1)},
			PlanHistory: []string{}, Metadata: Metadata{"delegated": true}, CreatedAt: now, UpdatedAt: now}
		return tx.InsertSubscription(ctx, sub)
	})
	if errors.Is(err, ErrDuplicateID) {
		return nil, Errorf(ECONFLICT, "a concurrent delegated checkout made this subscription; retry to read it")
	}
	if err != nil {
		return nil, err
	}
	return sub, s.grantStarterCredits(ctx, cat, a.ID, plan.ID)
}
