package sandbox

import (
	"context"
	"strings"
	"time"

	"github.com/billd/billd"
)

// A page action (pay, decline, cancel) runs in three steps, so that no lock is held while billd
// takes the event: begin marks the session busy (refusing a second action meanwhile), the
// action's outcome is delivered as a signed event, and commit applies it to the session only if
// billd took it; abort leaves the session as it was.

// outcome is what a page action does: the event it delivers, whose checkout is the session as
// it will be, and the card and subscription it makes.
type outcome struct {
	event billd.ProviderEvent
	card  *method
	sub   *subscription
}

// pageSession returns the session of billd's checkout c, made again from c and its lines if
// the sandbox forgot it (billd restarted), and brought to c's state once billd closed it. The
// caller holds p.mu.
func (p *Provider) pageSession(c *billd.Checkout, lines []billd.CheckoutLine) *session {
	s := p.mem.byCheckout[c.ID]
	if s == nil {
		id := c.ProviderID
		if !strings.HasPrefix(id, "cs_sbx_") || p.mem.sessions[id] != nil {
			id = p.id("cs")
		}
		req := billd.CheckoutSessionRequest{CheckoutID: c.ID, Kind: c.Kind, Currency: c.Currency,
			Lines: append([]billd.CheckoutLine(nil), lines...), SuccessURL: c.SuccessURL, CancelURL: c.CancelURL,
			ExpiresAt: c.ExpireAt}
		s = &session{id: id, checkoutID: c.ID, req: req, view: billd.ProviderCheckout{ID: id, CheckoutID: c.ID,
			URL: p.checkoutURL(c.ID), State: billd.CheckoutOpen, PaymentStatus: billd.PaymentUnpaid}}
		p.mem.addSession(s)
	}
	if c.State != billd.CheckoutOpen && s.view.State == billd.CheckoutOpen && !s.busy {
		s.view.State, s.view.PaymentStatus = c.State, c.PaymentStatus
	}
	return s
}

// pageView returns a copy of the session of billd's checkout c, for the page.
func (p *Provider) pageView(c *billd.Checkout, lines []billd.CheckoutLine) session {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.pageSession(c, lines)
	snap := *s
	snap.view = p.currentView(s)
	return snap
}

// begin marks the session of billd's checkout c busy and returns it with a copy. It returns
// ECONFLICT, and the copy, if the session is not open or another action is under way.
func (p *Provider) begin(c *billd.Checkout, lines []billd.CheckoutLine) (*session, session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.pageSession(c, lines)
	snap := *s
	snap.view = p.currentView(s)
	switch {
	case s.busy:
		return nil, snap, billd.Errorf(billd.ECONFLICT, "A payment of this checkout is under way; try again in a moment.")
	case snap.view.State != billd.CheckoutOpen:
		return nil, snap, billd.Errorf(billd.ECONFLICT, "%s", closedMessage(snap))
	}
	s.busy = true
	return s, snap, nil
}

// commit applies a delivered outcome to its session.
func (p *Provider) commit(s *session, o *outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.busy = false
	s.view = *o.event.Checkout
	if o.card != nil {
		p.mem.addMethod(o.card)
	}
	if o.sub != nil {
		p.mem.addSubscription(o.sub)
	}
}

// abort ends an action that delivered nothing.
func (p *Provider) abort(s *session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.busy = false
}

// payOutcome is the outcome of paying session s with card c at now: checkout.failed with the
// reason if it is declined, else checkout.completed with the card saved (the customer's
// default) and, for a subscription, the subscription started.
func (p *Provider) payOutcome(s session, accountID string, c card, reason string, now time.Time) (*outcome, error) {
	view := s.view
	if reason != "" {
		view.PaymentError = reason
		return p.outcomeOf(s, billd.EventCheckoutFailed, view), nil
	}
	m := p.newMethod(c, s.req.CustomerID, accountID, now)
	pm := m.paymentMethod(true)
	view.State, view.PaymentStatus, view.PaymentError, view.PaymentMethod = billd.CheckoutComplete, billd.PaymentPaid, "", &pm
	total, _ := linesTotal(s.req.Lines)
	if s.req.Kind == billd.CheckoutSetup || total == 0 || s.req.TrialDays > 0 {
		view.PaymentStatus = billd.PaymentNotRequired
	}
	var sub *subscription
	if s.req.Kind == billd.CheckoutSubscription {
		interval, err := linesInterval(s.req.Lines, "")
		if err != nil {
			return nil, err
		}
		sub = p.newSubscription(billd.SubscriptionRequest{CustomerID: s.req.CustomerID, Currency: s.req.Currency,
			Lines: s.req.Lines, TrialDays: s.req.TrialDays}, interval, now)
		view.SubscriptionID, view.CurrentPeriod, view.TrialEndsAt = sub.view.ID, sub.view.CurrentPeriod, sub.view.TrialEndsAt
	}
	o := p.outcomeOf(s, billd.EventCheckoutCompleted, view)
	o.card, o.sub = m, sub
	return o, nil
}

// cancelOutcome is the outcome of the customer canceling session s: checkout.expired.
func (p *Provider) cancelOutcome(s session) *outcome {
	view := s.view
	view.State = billd.CheckoutExpired
	return p.outcomeOf(s, billd.EventCheckoutExpired, view)
}

func (p *Provider) outcomeOf(s session, t billd.EventType, view billd.ProviderCheckout) *outcome {
	return &outcome{event: billd.ProviderEvent{Type: t, Kind: string(t), CustomerID: s.req.CustomerID, Checkout: &view}}
}

// deliverTimeout bounds the delivery of one event.
const deliverTimeout = 30 * time.Second

// deliverEvent signs an outcome's event and delivers it to billd, whether or not the customer
// waits for the answer.
func (p *Provider) deliverEvent(ctx context.Context, o *outcome) error {
	payload, header, err := p.EncodeEvent(o.event)
	if err != nil {
		return err
	}
	if p.deliver == nil {
		return billd.Errorf(billd.EUNAVAILABLE, "sandbox: no event receiver is configured")
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deliverTimeout)
	defer cancel()
	return p.deliver(ctx, payload, header)
}
