package billd

import (
	"context"
	"strings"
)

// CreateCheckout opens a checkout for an organization's active billing account and returns it
// with the URL where the customer pays. Needs delete permission (owner), as in Frontier.
// Everything the checkout will grant is checked and fixed here, in the transaction that stores
// it: an unknown (ENOTFOUND) or inactive (EPRECONDITION) product or plan, a product that grants
// no credits or a quantity out of range (EINVALID), a plan the account already subscribes to
// (ECONFLICT). The provider session is opened after that transaction; if the provider fails, the
// checkout is stored expired and the error (EUNAVAILABLE when retrying may help) returned. A
// customer-portal request returns a checkout that holds only the portal's URL and is not stored.
func (s *Service) CreateCheckout(ctx context.Context, p Principal, r CheckoutRequest) (*Checkout, error) {
	if r.OrgID != "" {
		if err := Preauthorize(p, PermDelete, r.OrgID); err != nil {
			return nil, err
		}
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	a, pr, err := s.customer(ctx, p, r.OrgID, r.BillingID)
	if err != nil {
		return nil, err
	}
	if r.Setup != nil && !r.Setup.PaymentMethod && r.Setup.CustomerPortal {
		link, err := pr.PortalURL(ctx, a.ProviderID, firstOf(r.CancelURL, r.SuccessURL))
		if err != nil {
			return nil, err
		}
		return &Checkout{OrgID: a.OrgID, AccountID: a.ID, Kind: CheckoutSetup, Provider: pr.Name(), URL: link}, nil
	}
	c, req, err := s.insertCheckout(ctx, a, r)
	if err != nil {
		return nil, err
	}
	session, err := pr.CreateCheckout(ctx, req)
	if err != nil {
		s.closeCheckout(ctx, c.ID, nil)
		return nil, err
	}
	return s.closeCheckout(ctx, c.ID, session)
}

// closeCheckout stores what the provider said of a new checkout's session: its id and URL, or,
// when session is nil (the provider failed), that the checkout is expired.
func (s *Service) closeCheckout(ctx context.Context, id string, session *ProviderCheckout) (*Checkout, error) {
	var c *Checkout
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.LockCheckout(ctx, id); err != nil {
			return err
		}
		c.UpdatedAt = s.clock()
		if session == nil {
			c.State = CheckoutExpired
		} else {
			c.ProviderID, c.URL = session.ID, session.URL
		}
		return tx.UpdateCheckout(ctx, c)
	})
	if err != nil && session == nil {
		s.log.Warn("checkout: could not mark a checkout expired after its provider failed", "checkout", id, "err", err)
	}
	return c, err
}

// customer returns the active billing account a checkout is for and its payment provider,
// registering the account with the provider first if it has no customer there yet. The account
// row is written only if still without a customer, under its lock.
func (s *Service) customer(ctx context.Context, p Principal, orgID, billingID string) (*BillingAccount, Provider, error) {
	var a *BillingAccount
	err := s.view(ctx, func(tx Tx) (err error) {
		a, err = billedAccount(ctx, tx, p, PermDelete, orgID, billingID)
		if err == nil && a == nil {
			err = errNoActiveAccount
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if a.State != AccountActive {
		return nil, nil, Errorf(EPRECONDITION, "billing account is %s", a.State)
	}
	if a.ProviderID != "" {
		pr := s.providers[a.Provider]
		if pr == nil {
			return nil, nil, Errorf(EPRECONDITION, "billing account's payment provider %q is not configured", a.Provider)
		}
		return a, pr, nil
	}
	if s.provider == nil {
		return nil, nil, Errorf(EPRECONDITION, "no payment provider is configured")
	}
	customerID, err := s.provider.CreateCustomer(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	a, err = s.changeAccount(ctx, p, PermDelete, a.OrgID, a.ID, func(b *BillingAccount) error {
		if b.ProviderID == "" { // a concurrent checkout may have registered it first: keep that one
			b.Provider, b.ProviderID = s.provider.Name(), customerID
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return a, s.providers[a.Provider], nil
}

// insertCheckout checks what r buys against the catalog and the account's subscriptions and
// stores the open checkout, all in one transaction under the account's lock. It returns the
// checkout and the provider session that sells it.
func (s *Service) insertCheckout(ctx context.Context, a *BillingAccount, r CheckoutRequest) (*Checkout, CheckoutSessionRequest, error) {
	now := s.clock()
	c := &Checkout{ID: s.newID(), OrgID: a.OrgID, AccountID: a.ID, Kind: r.kind(), Provider: a.Provider,
		State: CheckoutOpen, PaymentStatus: PaymentUnpaid, Currency: a.Currency, Metadata: Metadata{},
		CreatedAt: now, UpdatedAt: now, ExpireAt: now.Add(CheckoutValidity)}
	c.SuccessURL = strings.ReplaceAll(r.SuccessURL, CheckoutIDPlaceholder, c.ID)
	c.CancelURL = strings.ReplaceAll(r.CancelURL, CheckoutIDPlaceholder, c.ID)
	if c.Currency == "" {
		c.Currency = "usd"
	}
	req := CheckoutSessionRequest{CheckoutID: c.ID, Kind: c.Kind, CustomerID: a.ProviderID, SuccessURL: c.SuccessURL,
		CancelURL: c.CancelURL, ExpiresAt: c.ExpireAt}
	err := s.update(ctx, func(tx Tx) error {
		locked, err := lockAccountOf(ctx, tx, a.OrgID, a.ID)
		if err != nil {
			return err
		}
		if locked.State != AccountActive {
			return Errorf(EPRECONDITION, "billing account is %s", locked.State)
		}
		if org, err := tx.Organization(ctx, a.OrgID); err != nil || org.State != OrgEnabled {
			if err == nil {
				err = Errorf(EPRECONDITION, "organization is disabled")
			}
			return err
		}
		cat, err := tx.Catalog(ctx)
		if err != nil {
			return err
		}
		switch c.Kind {
		case CheckoutProduct:
			req.Lines, err = s.productCheckout(cat, c, r.Product)
		case CheckoutSubscription:
			req.Lines, req.TrialDays, err = s.planCheckout(ctx, tx, cat, c, r.Subscription)
			req.SubscriptionID = checkoutSubscriptionID(c.ID)
		case CheckoutSetup:
			c.PaymentStatus = PaymentNotRequired
		}
		if err != nil {
			return err
		}
		return tx.InsertCheckout(ctx, c)
	})
	req.Currency = c.Currency
	return c, req, err
}

// productCheckout fixes what a product checkout sells and grants.
func (s *Service) productCheckout(cat *Catalog, c *Checkout, r *ProductPurchase) ([]CheckoutLine, error) {
	pr := cat.Product(r.Product)
	if pr == nil {
		return nil, errNoProduct
	}
	q, credits, price, amount, err := productTerms(pr, r.Quantity, c.Currency)
	if err != nil {
		return nil, err
	}
	c.ProductID, c.Quantity, c.Credits, c.Amount = pr.ID, q, credits, amount
	var unit int64
	if price != nil {
		unit, c.Currency = price.Amount, price.Currency
	}
	return []CheckoutLine{{ProductID: pr.ID, Name: titleOf(pr.Title, pr.Name), UnitAmount: unit, Quantity: q}}, nil
}

// planCheckout fixes what a subscription checkout sells, after checking that the account does not
// already pay for the plan. It returns the lines charged each period and the days of trial: the
// plan's, unless the buyer skips it or the account has had the plan before.
func (s *Service) planCheckout(ctx context.Context, tx Tx, cat *Catalog, c *Checkout, r *PlanPurchase) ([]CheckoutLine, int64, error) {
	plan := cat.Plan(r.Plan)
	if plan == nil {
		return nil, 0, errNoPlan
	}
	if plan.State != CatalogActive {
		return nil, 0, Errorf(EPRECONDITION, "plan %s is not active", plan.Name)
	}
	if err := notSubscribed(ctx, tx, c.AccountID, plan); err != nil {
		return nil, 0, err
	}
	org, err := tx.Organization(ctx, c.OrgID)
	if err != nil {
		return nil, 0, err
	}
	seats := max(org.Seats, 1)
	lines, err := planLines(cat, plan, c.Currency, seats)
	if err != nil {
		return nil, 0, err
	}
	if c.Amount, err = linesAmount(lines); err != nil {
		return nil, 0, err
	}
	c.PlanID, c.Quantity, c.SkipTrial, c.CancelAfterTrial = plan.ID, seats, r.SkipTrial, r.CancelAfterTrial
	var trial int64
	if !r.SkipTrial && plan.TrialDays > 0 {
		had, err := hasHadPlan(ctx, tx, c.AccountID, plan.ID)
		if err != nil {
			return nil, 0, err
		}
		if !had {
			trial = plan.TrialDays
		}
	}
	return lines, trial, nil
}

// notSubscribed returns ECONFLICT if the account has a paying (active, not trialing) subscription
// to the plan.
func notSubscribed(ctx context.Context, tx Tx, accountID string, plan *Plan) error {
	subs, err := tx.Subscriptions(ctx, SubscriptionQuery{AccountID: accountID, PlanID: plan.ID, State: SubscriptionActive, Limit: 1})
	if err != nil {
		return err
	}
	if len(subs) > 0 {
		return Errorf(ECONFLICT, "already subscribed to plan %s", plan.Name)
	}
	return nil
}

// hasHadPlan reports whether any subscription of the account is or was on the plan.
func hasHadPlan(ctx context.Context, tx Tx, accountID, planID string) (bool, error) {
	subs, err := tx.Subscriptions(ctx, SubscriptionQuery{AccountID: accountID, Limit: MaxPageSize})
	if err != nil {
		return false, err
	}
	for _, sub := range subs {
		if sub.PlanID == planID {
			return true, nil
		}
		for _, id := range sub.PlanHistory {
			if id == planID {
				return true, nil
			}
		}
	}
	return false, nil
}

// firstOf returns the first non-empty string.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// ListCheckouts lists an account's checkouts (billingID, or the organization's active account),
// newest first. Needs delete permission, as creating them does.
func (s *Service) ListCheckouts(ctx context.Context, p Principal, orgID, billingID string, page PageRequest) (Page[*Checkout], error) {
	limit, after, err := pageQuery(page, IsUUID)
	if err != nil {
		return Page[*Checkout]{}, err
	}
	var items []*Checkout
	err = s.view(ctx, func(tx Tx) error {
		a, err := billedAccount(ctx, tx, p, PermDelete, orgID, billingID)
		if err != nil || a == nil {
			return err
		}
		items, err = tx.Checkouts(ctx, CheckoutQuery{AccountID: a.ID, After: after, Limit: limit + 1})
		return err
	})
	if err != nil {
		return Page[*Checkout]{}, err
	}
	return makePage(items, limit, func(c *Checkout) Cursor { return Cursor{At: c.CreatedAt, ID: c.ID} }), nil
}

// readableAccount returns the open account billingID after checking that p may perform perm on its
// organization; orgID may be empty (the account's own).
func readableAccount(ctx context.Context, tx Tx, p Principal, perm Permission, orgID, billingID string) (*BillingAccount, error) {
	orgID, err := accountOrganization(ctx, tx, orgID, billingID)
	if err != nil {
		return nil, err
	}
	o, err := openOrganization(ctx, tx, p, perm, orgID, false)
	if err != nil {
		return nil, err
	}
	return accountOf(ctx, tx, o.ID, billingID)
}

// GetCheckout returns one checkout of an organization; billingID, when given, must be its
// account. A checkout that is still open is first brought up to date with its provider, so a
// customer who comes back from paying sees it complete (and its credits granted) even before the
// provider's webhook arrives. ENOTFOUND for a checkout of another organization or account.
func (s *Service) GetCheckout(ctx context.Context, p Principal, orgID, billingID, id string) (*Checkout, error) {
	id, err := ParseUUID("checkout id", id)
	if err != nil {
		return nil, err
	}
	if billingID != "" {
		if billingID, err = ParseUUID("billing id", billingID); err != nil {
			return nil, err
		}
	}
	c, err := s.visibleCheckout(ctx, p, orgID, billingID, id)
	if err != nil {
		return nil, err
	}
	if c.State == CheckoutOpen && c.ProviderID != "" {
		if err := s.syncCheckout(ctx, c); err != nil && ErrorCode(err) != ENOTFOUND {
			s.log.Warn("checkout: could not sync with the provider", "checkout", c.ID, "err", err)
		}
		return s.visibleCheckout(ctx, p, orgID, billingID, id)
	}
	return c, nil
}

// visibleCheckout reads a checkout that p may see.
func (s *Service) visibleCheckout(ctx context.Context, p Principal, orgID, billingID, id string) (*Checkout, error) {
	var c *Checkout
	err := s.view(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.Checkout(ctx, id); err != nil {
			return err
		}
		if (orgID != "" && c.OrgID != orgID) || (billingID != "" && c.AccountID != billingID) {
			return errNoCheckout
		}
		if err := authorize(p, PermDelete, c.OrgID); err != nil {
			return err
		}
		_, err = readableAccount(ctx, tx, p, PermDelete, c.OrgID, c.AccountID)
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		err = errNoCheckout
	}
	return c, err
}

// errNoActiveAccount answers a request that names no billing account for an organization that has
// no active one.
var errNoActiveAccount = Errorf(ENOTFOUND, "organization has no active billing account")

// errNoCheckout answers a checkout the caller cannot see.
var errNoCheckout = Errorf(ENOTFOUND, "checkout not found")

// HostedCheckout returns a checkout and what it sells, for a checkout page that billd serves
// itself (the sandbox provider's). The checkout id is the capability, as a provider's checkout
// URL is: there is no principal.
func (s *Service) HostedCheckout(ctx context.Context, id string) (*Checkout, []CheckoutLine, error) {
	id, err := ParseUUID("checkout id", id)
	if err != nil {
		return nil, nil, errNoCheckout
	}
	var c *Checkout
	var lines []CheckoutLine
	err = s.view(ctx, func(tx Tx) error {
		if c, err = tx.Checkout(ctx, id); err != nil {
			return err
		}
		cat, err := tx.Catalog(ctx)
		if err != nil {
			return err
		}
		lines = checkoutLines(cat, c)
		return nil
	})
	return c, lines, err
}

// PaymentMethods lists the payment methods saved on an account, the default marked. Needs get
// permission.
func (s *Service) PaymentMethods(ctx context.Context, p Principal, orgID, billingID string) ([]*PaymentMethod, error) {
	var methods []*PaymentMethod
	err := s.view(ctx, func(tx Tx) error {
		a, err := readableAccount(ctx, tx, p, PermRead, orgID, billingID)
		if err != nil {
			return err
		}
		methods, err = tx.PaymentMethods(ctx, a.ID)
		return err
	})
	return methods, err
}
