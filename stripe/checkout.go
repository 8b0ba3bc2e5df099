package stripe

import (
	"context"
	"time"

	"github.com/billd/billd"
	stripego "github.com/stripe/stripe-go/v85"
)

// Stripe's bounds of a Checkout Session's expires_at, from its creation, each narrowed by a
// minute for the clocks' skew and the request's travel.
const (
	minCheckoutLife = 30*time.Minute + time.Minute
	maxCheckoutLife = 24*time.Hour - time.Minute
)

// CreateCheckout opens a Checkout Session: a product checkout is mode payment (its card saved
// for off-session charges), a subscription checkout mode subscription (with r.TrialDays), a setup
// checkout mode setup. Each line is a line item with an inline price. billd's checkout id is the
// session's client_reference_id and metadata checkout_id, and the metadata of the payment
// intent, subscription or setup intent the session makes. r.ExpiresAt is clamped to what Stripe
// allows (30 minutes to 24 hours); zero leaves Stripe's default (24 hours).
func (p *Provider) CreateCheckout(ctx context.Context, r billd.CheckoutSessionRequest) (*billd.ProviderCheckout, error) {
	params, err := p.checkoutParams(r)
	if err != nil {
		return nil, err
	}
	s, err := p.api.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return nil, apiError("create checkout session", err)
	}
	c := checkout(s)
	c.CheckoutID = r.CheckoutID
	return c, nil
}

// checkoutParams are the parameters of r's session.
func (p *Provider) checkoutParams(r billd.CheckoutSessionRequest) (*stripego.CheckoutSessionCreateParams, error) {
	meta := map[string]string{"checkout_id": r.CheckoutID}
	params := &stripego.CheckoutSessionCreateParams{
		ClientReferenceID: optional(r.CheckoutID),
		Customer:          optional(r.CustomerID),
		SuccessURL:        optional(r.SuccessURL),
		CancelURL:         optional(r.CancelURL),
		Metadata:          meta,
		ExpiresAt:         p.checkoutExpiry(r.ExpiresAt),
	}
	params.IdempotencyKey = idempotencyKey("checkout", r.CheckoutID)
	switch r.Kind {
	case billd.CheckoutProduct:
		params.Mode = stripego.String(string(stripego.CheckoutSessionModePayment))
		params.PaymentIntentData = &stripego.CheckoutSessionCreatePaymentIntentDataParams{Metadata: meta}
		if r.CustomerID != "" {
			params.PaymentIntentData.SetupFutureUsage = stripego.String("off_session")
		}
	case billd.CheckoutSubscription:
		params.Mode = stripego.String(string(stripego.CheckoutSessionModeSubscription))
		subMeta := map[string]string{"checkout_id": r.CheckoutID, "subscription_id": r.SubscriptionID}
		params.SubscriptionData = &stripego.CheckoutSessionCreateSubscriptionDataParams{Metadata: subMeta}
		if r.TrialDays > 0 {
			params.SubscriptionData.TrialPeriodDays = stripego.Int64(r.TrialDays)
		}
	case billd.CheckoutSetup:
		params.Mode = stripego.String(string(stripego.CheckoutSessionModeSetup))
		params.Currency = optional(r.Currency)
		params.SetupIntentData = &stripego.CheckoutSessionCreateSetupIntentDataParams{Metadata: meta}
		return params, nil
	default:
		return nil, billd.Errorf(billd.EINVALID, "stripe: create checkout session: unknown checkout kind %q", r.Kind)
	}
	if len(r.Lines) == 0 {
		return nil, billd.Errorf(billd.EINVALID, "stripe: create checkout session: a %s checkout needs lines", r.Kind)
	}
	for _, l := range r.Lines {
		params.LineItems = append(params.LineItems, checkoutLine(r.Currency, l))
	}
	return params, nil
}

// checkoutLine is a line item of l, priced inline.
func checkoutLine(currency string, l billd.CheckoutLine) *stripego.CheckoutSessionCreateLineItemParams {
	price := &stripego.CheckoutSessionCreateLineItemPriceDataParams{
		Currency:    stripego.String(currency),
		UnitAmount:  stripego.Int64(l.UnitAmount),
		ProductData: &stripego.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripego.String(l.Name)},
	}
	if l.ProductID != "" {
		price.ProductData.Metadata = map[string]string{"product_id": l.ProductID}
	}
	if l.Interval != "" {
		price.Recurring = &stripego.CheckoutSessionCreateLineItemPriceDataRecurringParams{Interval: stripego.String(l.Interval)}
	}
	return &stripego.CheckoutSessionCreateLineItemParams{PriceData: price, Quantity: stripego.Int64(max(l.Quantity, 1))}
}

// checkoutExpiry is the expires_at of a session asked to expire at t: nil for the zero time,
// else t clamped to what Stripe accepts from now.
func (p *Provider) checkoutExpiry(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	now := p.now()
	if lo := now.Add(minCheckoutLife); t.Before(lo) {
		t = lo
	}
	if hi := now.Add(maxCheckoutLife); t.After(hi) {
		t = hi
	}
	return stripego.Int64(t.Unix())
}

// Checkout returns the session with its payment or setup intent, subscription and payment
// method expanded: its state, payment status, the last payment error, the subscription with its
// first period, and the card used.
func (p *Provider) Checkout(ctx context.Context, providerID string) (*billd.ProviderCheckout, error) {
	params := &stripego.CheckoutSessionRetrieveParams{}
	for _, f := range []string{"payment_intent.payment_method", "setup_intent.payment_method", "subscription.default_payment_method"} {
		params.AddExpand(f)
	}
	s, err := p.api.V1CheckoutSessions.Retrieve(ctx, providerID, params)
	if err != nil {
		return nil, apiError("retrieve checkout session", err)
	}
	return checkout(s), nil
}

// ExpireCheckout expires an open session. A session that has expired already is no error; a
// completed one is EPRECONDITION.
func (p *Provider) ExpireCheckout(ctx context.Context, providerID string) error {
	_, err := p.api.V1CheckoutSessions.Expire(ctx, providerID, nil)
	if err != nil && wrongState(err) {
		s, rerr := p.api.V1CheckoutSessions.Retrieve(ctx, providerID, nil)
		if rerr == nil && s.Status == stripego.CheckoutSessionStatusExpired {
			return nil
		}
	}
	return apiError("expire checkout session", err)
}

// checkout is billd's view of a session. The payment method, payment error and subscription
// period are there when the session's intents and subscription are expanded (Checkout), not in
// a webhook event's session.
func checkout(s *stripego.CheckoutSession) *billd.ProviderCheckout {
	c := &billd.ProviderCheckout{
		ID:            s.ID,
		CheckoutID:    s.ClientReferenceID,
		URL:           s.URL,
		State:         billd.CheckoutState(s.Status),
		PaymentStatus: billd.PaymentStatus(s.PaymentStatus),
	}
	if c.CheckoutID == "" {
		c.CheckoutID = s.Metadata["checkout_id"]
	}
	if pi := s.PaymentIntent; pi != nil && s.Mode != stripego.CheckoutSessionModeSetup {
		c.PaymentMethod = paymentMethod(pi.PaymentMethod)
		if pi.LastPaymentError != nil {
			c.PaymentError = pi.LastPaymentError.Msg
		}
	}
	if si := s.SetupIntent; si != nil && s.Mode != stripego.CheckoutSessionModePayment {
		c.PaymentMethod = paymentMethod(si.PaymentMethod)
		if si.LastSetupError != nil {
			c.PaymentError = si.LastSetupError.Msg
		}
	}
	if sub := s.Subscription; sub != nil {
		c.SubscriptionID = sub.ID
		c.CurrentPeriod = currentPeriod(sub)
		c.TrialEndsAt = unix(sub.TrialEnd)
		if c.PaymentMethod == nil {
			c.PaymentMethod = paymentMethod(sub.DefaultPaymentMethod)
		}
	}
	return c
}
