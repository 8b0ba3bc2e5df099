package sandbox

import (
	"context"
	"net/url"
	"time"

	"github.com/billd/billd"
)

// session is a checkout session: what its page sells and what happened on it.
type session struct {
	id         string
	checkoutID string // billd's id, the page's key
	req        billd.CheckoutSessionRequest
	view       billd.ProviderCheckout
	busy       bool // a page action is delivering its event
}

// checkoutURL is the page of billd's checkout id.
func (p *Provider) checkoutURL(checkoutID string) string {
	return p.baseURL + "/checkout/" + url.PathEscape(checkoutID)
}

// CreateCheckout opens a session for billd's checkout r.CheckoutID, whose page is
// BaseURL/checkout/{r.CheckoutID}, and returns it with a "cs_sbx_…" id. Opening a session for a
// checkout that has an open one returns that one. It returns EINVALID if r is not a checkout
// the page can show: no checkout id, an unknown kind, lines missing (or given to a setup
// checkout), a line without a name, a quantity below 1, a negative price, a subscription line
// without a valid interval, no currency, or a total that overflows.
func (p *Provider) CreateCheckout(ctx context.Context, r billd.CheckoutSessionRequest) (*billd.ProviderCheckout, error) {
	if err := validateCheckout(r); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.mem.byCheckout[r.CheckoutID]; s != nil && s.view.State == billd.CheckoutOpen {
		v := s.view
		return &v, nil
	}
	if r.ExpiresAt.IsZero() {
		r.ExpiresAt = p.clock().Add(billd.CheckoutValidity)
	}
	r.Lines = append([]billd.CheckoutLine(nil), r.Lines...)
	if r.Kind != billd.CheckoutSubscription {
		r.TrialDays = 0 // only a subscription has a trial
	}
	s := &session{id: p.id("cs"), checkoutID: r.CheckoutID, req: r}
	s.view = billd.ProviderCheckout{ID: s.id, CheckoutID: r.CheckoutID, URL: p.checkoutURL(r.CheckoutID),
		State: billd.CheckoutOpen, PaymentStatus: billd.PaymentUnpaid}
	p.mem.addSession(s)
	v := s.view
	return &v, nil
}

// validateCheckout checks a session request.
func validateCheckout(r billd.CheckoutSessionRequest) error {
	if r.CheckoutID == "" {
		return billd.Errorf(billd.EINVALID, "sandbox: a checkout session needs billd's checkout id")
	}
	if r.TrialDays < 0 || r.TrialDays > maxTrialDays {
		return billd.Errorf(billd.EINVALID, "sandbox: trial days must be between 0 and %d", maxTrialDays)
	}
	switch r.Kind {
	case billd.CheckoutSetup:
		if len(r.Lines) > 0 {
			return billd.Errorf(billd.EINVALID, "sandbox: a setup checkout sells nothing")
		}
		return nil
	case billd.CheckoutProduct, billd.CheckoutSubscription:
		if len(r.Lines) == 0 {
			return billd.Errorf(billd.EINVALID, "sandbox: a %s checkout needs lines", r.Kind)
		}
	default:
		return billd.Errorf(billd.EINVALID, "sandbox: unknown checkout kind %q", r.Kind)
	}
	if r.Kind == billd.CheckoutSubscription {
		if _, err := linesInterval(r.Lines, ""); err != nil {
			return err
		}
	}
	return validateLines(r.Currency, r.Lines)
}

// Checkout returns the session's current view: its state, payment status, last payment error,
// the card saved and, for subscription checkouts, the subscription and its first period. It
// returns ENOTFOUND for a session the sandbox does not have (or forgot).
func (p *Provider) Checkout(ctx context.Context, providerID string) (*billd.ProviderCheckout, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.mem.sessions[providerID]
	if s == nil {
		return nil, billd.Errorf(billd.ENOTFOUND, "sandbox: no checkout session %q", providerID)
	}
	v := p.currentView(s)
	return &v, nil
}

// currentView returns a session's view, expired once its time is past.
func (p *Provider) currentView(s *session) billd.ProviderCheckout {
	if s.view.State == billd.CheckoutOpen && !s.busy && !p.clock().Before(s.req.ExpiresAt) {
		s.view.State = billd.CheckoutExpired
	}
	v := s.view
	if v.PaymentMethod != nil {
		m := *v.PaymentMethod
		v.PaymentMethod = &m
	}
	return v
}

// ExpireCheckout closes an open session so that it can no longer be paid; closing an expired
// one does nothing. It delivers no event. It returns ENOTFOUND for an unknown session,
// EPRECONDITION for a complete one and ECONFLICT while a payment on its page is under way.
func (p *Provider) ExpireCheckout(ctx context.Context, providerID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.mem.sessions[providerID]
	switch {
	case s == nil:
		return billd.Errorf(billd.ENOTFOUND, "sandbox: no checkout session %q", providerID)
	case s.busy:
		return billd.Errorf(billd.ECONFLICT, "sandbox: checkout session %q is being paid; retry", providerID)
	case s.view.State == billd.CheckoutComplete:
		return billd.Errorf(billd.EPRECONDITION, "sandbox: checkout session %q is complete", providerID)
	}
	s.view.State = billd.CheckoutExpired
	return nil
}

// maxTrialDays bounds a trial: two years.
const maxTrialDays = 730

// trialEnd returns when a trial of days started at start ends; zero for no trial.
func trialEnd(start time.Time, days int64) time.Time {
	if days <= 0 {
		return time.Time{}
	}
	return start.AddDate(0, 0, int(days))
}
