package sandbox

import (
	"context"
	"time"

	"github.com/billd/billd"
)

// validInterval reports whether s is a billing interval the sandbox knows.
func validInterval(s string) bool {
	return s == "day" || s == "week" || s == "month" || s == "year"
}

// linesInterval returns the billing interval of a subscription: interval if given, else the one
// interval of its recurring lines. It returns EINVALID if there is none, one is unknown, or
// the lines disagree with each other or with interval.
func linesInterval(lines []billd.CheckoutLine, interval string) (string, error) {
	for _, l := range lines {
		switch {
		case l.Interval == "":
		case interval == "":
			interval = l.Interval
		case l.Interval != interval:
			return "", billd.Errorf(billd.EINVALID, "sandbox: a subscription's lines must share one interval, got %q and %q", interval, l.Interval)
		}
	}
	if !validInterval(interval) {
		return "", billd.Errorf(billd.EINVALID, "sandbox: a subscription needs an interval of day, week, month or year, got %q", interval)
	}
	return interval, nil
}

// firstPeriod returns a subscription's first period from start: its trial if it has one, else
// one interval.
func firstPeriod(start time.Time, interval string, trialDays int64) billd.Period {
	if end := trialEnd(start, trialDays); !end.IsZero() {
		return billd.Period{Start: start, End: end}
	}
	return billd.Period{Start: start, End: billd.AddInterval(start, interval, 1)}
}

// newSubscription returns a subscription that starts at now: trialing for its trial days, active
// otherwise.
func (p *Provider) newSubscription(r billd.SubscriptionRequest, interval string, now time.Time) *subscription {
	s := &subscription{customerID: r.CustomerID, interval: interval,
		lines: append([]billd.CheckoutLine(nil), r.Lines...)}
	s.view = billd.ProviderSubscription{ID: p.id("sub"), SubscriptionID: r.SubscriptionID,
		State: billd.SubscriptionActive, CurrentPeriod: firstPeriod(now, interval, r.TrialDays),
		TrialEndsAt: trialEnd(now, r.TrialDays)}
	if r.TrialDays > 0 {
		s.view.State = billd.SubscriptionTrialing
	}
	return s
}

// validateSubscription checks a subscription request and returns its interval.
func validateSubscription(r billd.SubscriptionRequest) (string, error) {
	if r.CustomerID == "" {
		return "", billd.Errorf(billd.EINVALID, "sandbox: a subscription needs a customer")
	}
	if len(r.Lines) == 0 {
		return "", billd.Errorf(billd.EINVALID, "sandbox: a subscription needs lines")
	}
	if r.TrialDays < 0 || r.TrialDays > maxTrialDays {
		return "", billd.Errorf(billd.EINVALID, "sandbox: trial days must be between 0 and %d", maxTrialDays)
	}
	interval, err := linesInterval(r.Lines, r.Interval)
	if err != nil {
		return "", err
	}
	return interval, validateLines(r.Currency, r.Lines)
}

// CreateSubscription starts a subscription now, "sub_sbx_…": trialing until its trial ends, then
// active; its first period is the trial, or one interval. It takes no money: the sandbox never
// charges a subscription by itself; billd charges with Charge. It returns EINVALID for a request
// without customer or lines, with an unknown interval or lines of several intervals.
func (p *Provider) CreateSubscription(ctx context.Context, r billd.SubscriptionRequest) (*billd.ProviderSubscription, error) {
	interval, err := validateSubscription(r)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.newSubscription(r, interval, p.clock())
	p.mem.addSubscription(s)
	v := s.view
	return &v, nil
}

// CancelSubscription ends a subscription: now (state canceled, ended now), or at the end of its
// current period (marked CancelAtPeriodEnd; billd ends it then). Canceling a canceled
// subscription returns it unchanged. It returns ENOTFOUND for an unknown subscription.
func (p *Provider) CancelSubscription(ctx context.Context, providerID string, atPeriodEnd bool) (*billd.ProviderSubscription, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.mem.subscriptions[providerID]
	if s == nil {
		return nil, billd.Errorf(billd.ENOTFOUND, "sandbox: no subscription %q", providerID)
	}
	if s.view.State != billd.SubscriptionCanceled && s.view.State != billd.SubscriptionEnded {
		now := p.clock()
		s.view.CanceledAt = now
		if atPeriodEnd {
			s.view.CancelAtPeriodEnd = true
		} else {
			s.view.State, s.view.EndedAt, s.view.CancelAtPeriodEnd = billd.SubscriptionCanceled, now, false
		}
	}
	v := s.view
	return &v, nil
}

// ChangeSubscription moves a subscription to r's lines. Immediately: the lines change now; a
// new interval starts a new period now and ends a trial; the same interval keeps the period.
// Otherwise the change is scheduled for the end of the current period and the view is unchanged.
// It returns ENOTFOUND for an unknown subscription, EPRECONDITION for one that ended, and
// EINVALID for a request CreateSubscription would refuse.
func (p *Provider) ChangeSubscription(ctx context.Context, providerID string, r billd.SubscriptionRequest, immediate bool) (*billd.ProviderSubscription, error) {
	interval, err := validateSubscription(r)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.mem.subscriptions[providerID]
	switch {
	case s == nil:
		return nil, billd.Errorf(billd.ENOTFOUND, "sandbox: no subscription %q", providerID)
	case s.view.State == billd.SubscriptionCanceled || s.view.State == billd.SubscriptionEnded:
		return nil, billd.Errorf(billd.EPRECONDITION, "sandbox: subscription %q has ended", providerID)
	}
	if !immediate {
		next := r
		next.Lines, next.Interval = append([]billd.CheckoutLine(nil), r.Lines...), interval
		s.next = &next
	} else {
		if interval != s.interval {
			now := p.clock()
			s.view.CurrentPeriod = billd.Period{Start: now, End: billd.AddInterval(now, interval, 1)}
			s.view.TrialEndsAt = time.Time{}
			if s.view.State == billd.SubscriptionTrialing {
				s.view.State = billd.SubscriptionActive
			}
		}
		s.lines, s.interval, s.next = append([]billd.CheckoutLine(nil), r.Lines...), interval, nil
	}
	v := s.view
	return &v, nil
}

// RunsRenewals is false: the sandbox does not run periods; billd's subscriptions job charges each
// renewal with Charge.
func (p *Provider) RunsRenewals() bool { return false }
