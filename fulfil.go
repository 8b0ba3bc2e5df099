package billd

import (
	"context"
	"errors"
	"time"
)

// Fulfilment applies what a paid checkout sold, exactly once, however often and from wherever it is
// triggered (the provider's webhook, a poll, both at once, a retry after a crash). Each effect has
// an id derived from the checkout, so that doing it again is a no-op:
//   - the credits of a product checkout are one grant (source system.buy) whose transfer id is
//     derived from the checkout id, posted through the ledger's committer like every posting;
//   - a plan's on-start credits are one grant whose id is derived from the account and the plan,
//     so an account gets them once per plan;
//   - the subscription of a plan checkout has an id derived from the checkout id, and is stored in
//     the transaction that marks the checkout fulfilled, with the payment method it saved.
// The grants come first: the checkout is marked fulfilled only once they are in the journal, and a
// checkout that is not marked is fulfilled again by the next trigger.

// Sources of the grants fulfilment makes.
const (
	SourceBuy     = "system.buy"     // credits bought in a checkout
	SourceStarter = "system.starter" // a plan's on-start credits
	SourceAwarded = "system.awarded" // credits given by a platform admin
)

// syncCheckout brings an open checkout up to date with its provider's view of its session.
func (s *Service) syncCheckout(ctx context.Context, c *Checkout) error {
	pr := s.providers[c.Provider]
	if pr == nil {
		return Errorf(EPRECONDITION, "payment provider %q is not configured", c.Provider)
	}
	session, err := pr.Checkout(ctx, c.ProviderID)
	if err != nil {
		return err
	}
	session.CheckoutID = c.ID
	return s.applySession(ctx, c.Provider, session)
}

// applySession applies a provider's view of a checkout session: fulfilment when it is paid (or
// needs no payment), expiry when it closed unpaid, the reason when a payment attempt failed.
func (s *Service) applySession(ctx context.Context, provider string, session *ProviderCheckout) error {
	c, err := s.sessionCheckout(ctx, provider, session)
	if err != nil {
		return err
	}
	switch {
	case session.State == CheckoutComplete && (session.PaymentStatus == PaymentPaid || session.PaymentStatus == PaymentNotRequired):
		return s.fulfil(ctx, c, session)
	case session.State == CheckoutExpired:
		return s.expireCheckout(ctx, c.ID)
	case session.PaymentError != "":
		return s.changeCheckout(ctx, c.ID, func(c *Checkout) bool {
			if c.State != CheckoutOpen || c.PaymentError == session.PaymentError {
				return false
			}
			c.PaymentError = Truncate(session.PaymentError, 500)
			return true
		})
	}
	return nil
}

// sessionCheckout returns the checkout a provider's session belongs to. A session that names
// another provider's checkout, or a checkout whose stored session is another, is refused: an
// event can only act on the checkout it was opened for.
func (s *Service) sessionCheckout(ctx context.Context, provider string, session *ProviderCheckout) (*Checkout, error) {
	if !IsUUID(session.CheckoutID) {
		return nil, Errorf(EINVALID, "the provider's session names no billd checkout")
	}
	var c *Checkout
	err := s.view(ctx, func(tx Tx) error {
		var err error
		c, err = tx.Checkout(ctx, session.CheckoutID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if c.Provider != provider || (c.ProviderID != "" && session.ID != "" && c.ProviderID != session.ID) {
		return nil, Errorf(EINVALID, "the provider's session %s is not the one of checkout %s", session.ID, c.ID)
	}
	return c, nil
}

// fulfil applies what the paid checkout c sold (see the top of this file).
func (s *Service) fulfil(ctx context.Context, c *Checkout, session *ProviderCheckout) error {
	if c.FulfilledAt != nil {
		return nil
	}
	session, err := s.withPaymentMethod(ctx, c, session)
	if err != nil {
		return err
	}
	var cat *Catalog
	if err := s.view(ctx, func(tx Tx) (err error) { cat, err = tx.Catalog(ctx); return err }); err != nil {
		return err
	}
	switch c.Kind {
	case CheckoutProduct:
		if err := s.postOnce(ctx, checkoutGrant(c)); err != nil {
			return err
		}
	case CheckoutSubscription:
		if err := s.grantStarterCredits(ctx, cat, c.AccountID, c.PlanID); err != nil {
			return err
		}
		if err := s.cancelAfterTrial(ctx, c, session); err != nil {
			return err
		}
	}
	now := s.clock()
	return s.update(ctx, func(tx Tx) error {
		c, err := tx.LockCheckout(ctx, c.ID)
		if err != nil || c.FulfilledAt != nil {
			return err
		}
		c.State, c.PaymentStatus, c.PaymentError, c.FulfilledAt, c.UpdatedAt = CheckoutComplete, session.PaymentStatus, "", &now, now
		if session.PaymentMethod != nil {
			if err := s.saveMethod(ctx, tx, c, session.PaymentMethod, now); err != nil {
				return err
			}
		}
		if c.Kind == CheckoutSubscription {
			sub := checkoutSubscription(c, session, cat.Plan(c.PlanID), now)
			if err := tx.InsertSubscription(ctx, sub); err != nil && !errors.Is(err, ErrDuplicateID) {
				return err
			}
			c.SubscriptionID = sub.ID
		}
		if err := tx.AppendNotices(ctx, []Notice{checkoutNotice(c, now)}); err != nil {
			return err
		}
		return tx.UpdateCheckout(ctx, c)
	})
}

// withPaymentMethod returns the session with the payment method it was paid or set up with (and
// the subscription it started). A webhook event's session may name them only through objects the
// event does not carry (Stripe's names its payment or setup intent and its subscription by id):
// then the provider's own view of the session, which has them, is read for them. An error (the provider
// could not be asked) fails the fulfilment, which its trigger retries, rather than lose the card.
func (s *Service) withPaymentMethod(ctx context.Context, c *Checkout, session *ProviderCheckout) (*ProviderCheckout, error) {
	if session.PaymentMethod != nil || c.ProviderID == "" {
		return session, nil
	}
	pr := s.providers[c.Provider]
	if pr == nil {
		return nil, Errorf(EPRECONDITION, "payment provider %q is not configured", c.Provider)
	}
	view, err := pr.Checkout(ctx, c.ProviderID)
	if ErrorCode(err) == ENOTFOUND {
		return session, nil // the provider no longer knows it (the sandbox, after a restart)
	}
	if err != nil {
		return nil, err
	}
	full := *session
	full.PaymentMethod = view.PaymentMethod
	if full.SubscriptionID == "" {
		full.SubscriptionID = view.SubscriptionID
	}
	if full.CurrentPeriod.Start.IsZero() {
		full.CurrentPeriod = view.CurrentPeriod
	}
	if full.TrialEndsAt.IsZero() {
		full.TrialEndsAt = view.TrialEndsAt
	}
	return &full, nil
}

// cancelAfterTrial tells a provider that runs renewals to end a trialing subscription bought with
// cancel_after_trial when its trial ends, instead of charging for the first period. (billd ends
// the subscriptions it renews itself: the subscription is stored set to cancel.) Asking twice is
// harmless.
func (s *Service) cancelAfterTrial(ctx context.Context, c *Checkout, session *ProviderCheckout) error {
	pr := s.providers[c.Provider]
	if !c.CancelAfterTrial || session.SubscriptionID == "" || !session.TrialEndsAt.After(s.clock()) || pr == nil || !pr.RunsRenewals() {
		return nil
	}
	_, err := pr.CancelSubscription(ctx, session.SubscriptionID, true)
	return err
}

// checkoutGrant is the transfer that grants a product checkout's credits.
func checkoutGrant(c *Checkout) Transfer {
	return Transfer{ID: DeriveUUID("checkout:" + c.ID), DebitAccountID: PlatformAccountID(CreditCurrency),
		CreditAccountID: c.AccountID, Amount: c.Credits, Kind: KindGrant, Source: SourceBuy,
		Description: "checkout " + c.ID, Metadata: Metadata{"checkout_id": c.ID, "product_id": c.ProductID}}
}

// postOnce posts a transfer whose id is derived from what it does: if the journal already holds
// it, the effect happened and there is nothing to do.
func (s *Service) postOnce(ctx context.Context, t Transfer) error {
	err := s.post(ctx, &Posting{Transfers: []Transfer{t}})
	if errors.Is(err, errAlreadyApplied) {
		return nil
	}
	return err
}

// grantStarterCredits grants a plan's on-start credits to an account, once per account and plan:
// the grant's id is derived from both, so any earlier grant of it, even of another amount (the
// plan's credits changed since), means they were given.
func (s *Service) grantStarterCredits(ctx context.Context, cat *Catalog, accountID, planID string) error {
	plan := cat.Plan(planID)
	if plan == nil || plan.OnStartCredits <= 0 {
		return nil
	}
	t := Transfer{ID: DeriveUUID("starter:" + accountID + ":" + planID), DebitAccountID: PlatformAccountID(CreditCurrency),
		CreditAccountID: accountID, Amount: plan.OnStartCredits, Kind: KindGrant, Source: SourceStarter,
		Description: "on-start credits of plan " + plan.Name, Metadata: Metadata{"plan_id": plan.ID}}
	err := s.postOnce(ctx, t)
	if ErrorCode(err) == ECONFLICT { // the id was used: the credits were given, at another amount
		return nil
	}
	return err
}

// saveMethod stores the payment method a checkout paid or set up with; it becomes the account's
// default when it was set up for that or the account has none.
func (s *Service) saveMethod(ctx context.Context, tx Tx, c *Checkout, m *PaymentMethod, now time.Time) error {
	if m.ProviderID == "" {
		return nil
	}
	existing, err := tx.PaymentMethods(ctx, c.AccountID)
	if err != nil {
		return err
	}
	saved := *m
	saved.ID, saved.AccountID, saved.Provider, saved.CreatedAt = s.newID(), c.AccountID, c.Provider, now
	saved.Default = c.Kind == CheckoutSetup || len(existing) == 0
	if saved.Type == "" {
		saved.Type = "card"
	}
	if saved.Metadata == nil {
		saved.Metadata = Metadata{}
	}
	return tx.PutPaymentMethod(ctx, &saved)
}

// checkoutSubscription is the subscription a paid plan checkout starts.
func checkoutSubscription(c *Checkout, session *ProviderCheckout, plan *Plan, now time.Time) *Subscription {
	sub := &Subscription{ID: checkoutSubscriptionID(c.ID), OrgID: c.OrgID, AccountID: c.AccountID, PlanID: c.PlanID,
		Provider: c.Provider, ProviderID: session.SubscriptionID, State: SubscriptionActive, Quantity: max(c.Quantity, 1),
		CurrentPeriod: session.CurrentPeriod, CheckoutID: c.ID, PlanHistory: []string{}, Metadata: Metadata{},
		CreatedAt: now, UpdatedAt: now}
	if sub.CurrentPeriod.Start.IsZero() {
		interval := ""
		if plan != nil {
			interval = plan.Interval
		}
		sub.CurrentPeriod = Period{Start: now, End: AddInterval(now, interval, 1)}
	}
	if session.TrialEndsAt.After(now) {
		end := session.TrialEndsAt
		sub.State, sub.TrialEndsAt = SubscriptionTrialing, &end
		sub.CancelAtPeriodEnd = c.CancelAfterTrial
	}
	return sub
}

// checkoutSubscriptionID is the id of the subscription a plan checkout makes.
func checkoutSubscriptionID(checkoutID string) string {
	return DeriveUUID("subscription:" + checkoutID)
}

// AddInterval returns t moved n intervals (day, week, month or year) ahead; a month or year that
// lacks t's day ends on its last day (Jan 31 + 1 month = Feb 28 or 29). Any other interval is a
// month.
func AddInterval(t time.Time, interval string, n int) time.Time {
	switch interval {
	case "day":
		return t.AddDate(0, 0, n)
	case "week":
		return t.AddDate(0, 0, 7*n)
	case "year":
		return addMonths(t, 12*n)
	}
	return addMonths(t, n)
}

// addMonths adds n months to t, clamping the day to the target month's last day.
func addMonths(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month(), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	target := first.AddDate(0, n, 0)
	last := target.AddDate(0, 1, -1).Day()
	return target.AddDate(0, 0, min(t.Day(), last)-1)
}

// expireCheckout closes an open checkout that was not paid.
func (s *Service) expireCheckout(ctx context.Context, id string) error {
	return s.changeCheckout(ctx, id, func(c *Checkout) bool {
		if c.State != CheckoutOpen || c.FulfilledAt != nil {
			return false
		}
		c.State = CheckoutExpired
		return true
	})
}

// changeCheckout applies change to a checkout under its lock and stores it if change says so.
func (s *Service) changeCheckout(ctx context.Context, id string, change func(*Checkout) bool) error {
	return s.update(ctx, func(tx Tx) error {
		c, err := tx.LockCheckout(ctx, id)
		if err != nil || !change(c) {
			return err
		}
		c.UpdatedAt = s.clock()
		return tx.UpdateCheckout(ctx, c)
	})
}
