package stripe

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/billd/billd"
	stripego "github.com/stripe/stripe-go/v85"
)

// CreateSubscription starts a subscription of r's lines for the customer, charged off-session to
// its default method: each line an item with an inline recurring price (the line's interval, or
// r.Interval) of the product billd_<product id>, created on first use; billd's id in metadata
// subscription_id; r.TrialDays of trial. A first payment that fails leaves no subscription: the
// call returns EPRECONDITION with Stripe's reason. A retry within Stripe's idempotency window
// (24 h) returns the same subscription.
func (p *Provider) CreateSubscription(ctx context.Context, r billd.SubscriptionRequest) (*billd.ProviderSubscription, error) {
	const op = "create subscription"
	if len(r.Lines) == 0 {
		return nil, billd.Errorf(billd.EINVALID, "stripe: %s: a subscription needs lines", op)
	}
	params := &stripego.SubscriptionCreateParams{
		Customer:        stripego.String(r.CustomerID),
		Currency:        optional(r.Currency),
		Metadata:        map[string]string{"subscription_id": r.SubscriptionID},
		OffSession:      stripego.Bool(true),
		PaymentBehavior: stripego.String("error_if_incomplete"),
	}
	if r.TrialDays > 0 {
		params.TrialPeriodDays = stripego.Int64(r.TrialDays)
	}
	for _, l := range r.Lines {
		price, err := p.recurringPrice(ctx, op, r, l)
		if err != nil {
			return nil, err
		}
		params.Items = append(params.Items, &stripego.SubscriptionCreateItemParams{
			PriceData: &stripego.SubscriptionCreateItemPriceDataParams{
				Currency: price.Currency, Product: price.Product, UnitAmount: price.UnitAmount,
				Recurring: &stripego.SubscriptionCreateItemPriceDataRecurringParams{Interval: price.Interval},
			},
			Quantity: stripego.Int64(max(l.Quantity, 1)),
		})
	}
	params.IdempotencyKey = idempotencyKey("subscription", r.SubscriptionID)
	s, err := p.api.V1Subscriptions.Create(ctx, params)
	if err != nil {
		return nil, apiError(op, err)
	}
	return subscription(s), nil
}

// CancelSubscription ends a subscription now, or at the end of its period (cancel_at_period_end).
// A subscription that was canceled already is returned as it is.
func (p *Provider) CancelSubscription(ctx context.Context, providerID string, atPeriodEnd bool) (*billd.ProviderSubscription, error) {
	var s *stripego.Subscription
	var err error
	if atPeriodEnd {
		s, err = p.api.V1Subscriptions.Update(ctx, providerID, &stripego.SubscriptionUpdateParams{CancelAtPeriodEnd: stripego.Bool(true)})
	} else {
		s, err = p.api.V1Subscriptions.Cancel(ctx, providerID, nil)
	}
	if err != nil && wrongState(err) {
		if cur, rerr := p.api.V1Subscriptions.Retrieve(ctx, providerID, nil); rerr == nil && cur.Status == stripego.SubscriptionStatusCanceled {
			return subscription(cur), nil
		}
	}
	if err != nil {
		return nil, apiError("cancel subscription", err)
	}
	return subscription(s), nil
}

// ChangeSubscription replaces the subscription's items with r's lines. Immediate: the difference
// is prorated and invoiced now (proration always_invoice), and a payment that fails leaves the
// subscription unchanged (EPRECONDITION); otherwise nothing is prorated and the new prices are
// billed from the next period. r.SubscriptionID, when set, is written to metadata.
func (p *Provider) ChangeSubscription(ctx context.Context, providerID string, r billd.SubscriptionRequest, immediate bool) (*billd.ProviderSubscription, error) {
	const op = "change subscription"
	if len(r.Lines) == 0 {
		return nil, billd.Errorf(billd.EINVALID, "stripe: %s: a subscription needs lines", op)
	}
	cur, err := p.api.V1Subscriptions.Retrieve(ctx, providerID, nil)
	if err != nil {
		return nil, apiError(op, err)
	}
	params := &stripego.SubscriptionUpdateParams{ProrationBehavior: stripego.String("none")}
	if immediate {
		params.ProrationBehavior = stripego.String("always_invoice")
		params.PaymentBehavior = stripego.String("error_if_incomplete")
	}
	if r.SubscriptionID != "" {
		params.Metadata = map[string]string{"subscription_id": r.SubscriptionID}
	}
	if cur.Items != nil {
		for _, it := range cur.Items.Data {
			params.Items = append(params.Items, &stripego.SubscriptionUpdateItemParams{ID: stripego.String(it.ID), Deleted: stripego.Bool(true)})
		}
	}
	if r.Currency == "" {
		r.Currency = string(cur.Currency)
	}
	for _, l := range r.Lines {
		price, err := p.recurringPrice(ctx, op, r, l)
		if err != nil {
			return nil, err
		}
		params.Items = append(params.Items, &stripego.SubscriptionUpdateItemParams{
			PriceData: &stripego.SubscriptionUpdateItemPriceDataParams{
				Currency: price.Currency, Product: price.Product, UnitAmount: price.UnitAmount,
				Recurring: &stripego.SubscriptionUpdateItemPriceDataRecurringParams{Interval: price.Interval},
			},
			Quantity: stripego.Int64(max(l.Quantity, 1)),
		})
	}
	s, err := p.api.V1Subscriptions.Update(ctx, providerID, params)
	if err != nil {
		return nil, apiError(op, err)
	}
	return subscription(s), nil
}

// price is an inline recurring price, the parts shared by the create and update parameters.
type price struct {
	Currency, Product, Interval *string
	UnitAmount                  *int64
}

// recurringPrice is the inline price of line l of r, its product made if need be.
func (p *Provider) recurringPrice(ctx context.Context, op string, r billd.SubscriptionRequest, l billd.CheckoutLine) (*price, error) {
	interval := l.Interval
	if interval == "" {
		interval = r.Interval
	}
	if interval == "" {
		return nil, billd.Errorf(billd.EINVALID, "stripe: %s: line %q has no interval", op, l.Name)
	}
	if r.Currency == "" {
		return nil, billd.Errorf(billd.EINVALID, "stripe: %s: a currency is required", op)
	}
	product, err := p.product(ctx, l)
	if err != nil {
		return nil, apiError(op, err)
	}
	return &price{Currency: stripego.String(r.Currency), Product: stripego.String(product),
		Interval: stripego.String(interval), UnitAmount: stripego.Int64(l.UnitAmount)}, nil
}

// product returns the id of the Stripe product of a line, billd_<product id> (or billd_name_<hash
// of the name> for a line without a product), creating it if it does not exist. Subscription
// prices, unlike Checkout's, cannot define their product inline.
func (p *Provider) product(ctx context.Context, l billd.CheckoutLine) (string, error) {
	id := "billd_" + l.ProductID
	if l.ProductID == "" {
		sum := sha256.Sum256([]byte(l.Name))
		id = "billd_name_" + hex.EncodeToString(sum[:12])
	}
	_, err := p.api.V1Products.Retrieve(ctx, id, nil)
	if se := stripeError(err); se != nil && se.Code == stripego.ErrorCodeResourceMissing {
		params := &stripego.ProductCreateParams{ID: stripego.String(id), Name: stripego.String(l.Name)}
		if l.ProductID != "" {
			params.Metadata = map[string]string{"product_id": l.ProductID}
		}
		_, err = p.api.V1Products.Create(ctx, params)
		if se := stripeError(err); se != nil && se.Code == stripego.ErrorCodeResourceAlreadyExists {
			err = nil // made by a concurrent call
		}
	}
	return id, err
}

// subscription is billd's view of a Stripe subscription.
func subscription(s *stripego.Subscription) *billd.ProviderSubscription {
	return &billd.ProviderSubscription{
		ID:                s.ID,
		SubscriptionID:    s.Metadata["subscription_id"],
		State:             subscriptionState(s.Status),
		CurrentPeriod:     currentPeriod(s),
		TrialEndsAt:       unix(s.TrialEnd),
		CancelAtPeriodEnd: s.CancelAtPeriodEnd,
		CanceledAt:        unix(s.CanceledAt),
		EndedAt:           unix(s.EndedAt),
	}
}

// subscriptionState maps Stripe's status: active and trialing as they are; past_due, unpaid,
// incomplete and paused (nothing is collected, nothing is granted) past_due; canceled canceled;
// incomplete_expired (its first payment never arrived) ended.
func subscriptionState(s stripego.SubscriptionStatus) billd.SubscriptionState {
	switch s {
	case stripego.SubscriptionStatusActive:
		return billd.SubscriptionActive
	case stripego.SubscriptionStatusTrialing:
		return billd.SubscriptionTrialing
	case stripego.SubscriptionStatusCanceled:
		return billd.SubscriptionCanceled
	case stripego.SubscriptionStatusIncompleteExpired:
		return billd.SubscriptionEnded
	}
	return billd.SubscriptionPastDue
}

// currentPeriod is the current period of a subscription: since API version 2025-03-31 it is on
// the items, so the first item's.
func currentPeriod(s *stripego.Subscription) billd.Period {
	if s.Items == nil {
		return billd.Period{}
	}
	for _, it := range s.Items.Data {
		if it.CurrentPeriodEnd != 0 {
			return billd.Period{Start: unix(it.CurrentPeriodStart), End: unix(it.CurrentPeriodEnd)}
		}
	}
	return billd.Period{}
}

// RunsRenewals is true: Stripe charges each period itself and reports it in events.
func (p *Provider) RunsRenewals() bool { return true }
