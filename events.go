package billd

import (
	"context"
	"encoding/json"
	"time"
)

// Provider events (webhooks) are recorded before they are answered, deduplicated by the
// provider's event id, and processed at once and then, until processing succeeds, by the events
// job with backoff. Processing is idempotent (fulfil.go), so a delivery that races another, or a
// poll, changes nothing twice.

// MaxEventBytes bounds a webhook delivery's body.
const MaxEventBytes = 256 << 10

// maxEventAttempts is how often a failing event is retried before it is left for an operator
// (its last error stays on it); the backoff reaches its one-hour cap long before.
const maxEventAttempts = 50

// ReceiveEvent takes a webhook delivery from a payment provider: it verifies it (EINVALID for a
// bad signature or payload, ENOTFOUND for an unknown provider), records it unless its id is
// recorded already, and then processes it. It returns nil once the event is durable, which is
// when the delivery may be acknowledged: a processing failure is logged and retried by the events
// job, not returned. Events billd does not act on are acknowledged without being recorded.
func (s *Service) ReceiveEvent(ctx context.Context, provider string, payload []byte, header map[string][]string) error {
	pr := s.providers[provider]
	if pr == nil {
		return Errorf(ENOTFOUND, "unknown payment provider %q", Truncate(provider, 64))
	}
	if len(payload) > MaxEventBytes {
		return Errorf(ETOOLARGE, "a webhook body must be at most %d bytes", MaxEventBytes)
	}
	ev, err := pr.ParseEvent(payload, header)
	if err != nil {
		return err
	}
	if ev.Type == EventIgnored {
		return nil
	}
	if ev.ID == "" || len(ev.ID) > 255 {
		return Errorf(EINVALID, "the event has no usable id")
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	now := s.clock()
	stored := &StoredEvent{Provider: provider, ID: ev.ID, Type: ev.Type, Event: data, ReceivedAt: now, NextAttempt: now}
	err = s.update(ctx, func(tx Tx) error {
		_, err := tx.InsertEvent(ctx, stored)
		return err
	})
	if err != nil {
		return err
	}
	s.processEvent(ctx, provider, ev.ID)
	return nil
}

// processEvent processes a recorded event unless it was processed, and records the outcome: the
// time it was processed, or the error and when to try again.
func (s *Service) processEvent(ctx context.Context, provider, id string) {
	var stored *StoredEvent
	err := s.update(ctx, func(tx Tx) error { // a read; LockEvent needs a read-write transaction
		var err error
		stored, err = tx.LockEvent(ctx, provider, id)
		return err
	})
	if err != nil || stored.ProcessedAt != nil {
		if err != nil {
			s.log.Warn("events: could not read an event", "provider", provider, "event", id, "err", err)
		}
		return
	}
	var ev ProviderEvent
	if err = json.Unmarshal(stored.Event, &ev); err == nil {
		err = s.applyEvent(ctx, provider, &ev)
	}
	if err != nil {
		s.log.Warn("events: processing failed; it will be retried", "provider", provider, "event", id,
			"type", stored.Type, "attempt", stored.Attempts+1, "err", err)
	}
	s.recordAttempt(ctx, provider, id, err)
}

// recordAttempt stores the outcome of processing an event.
func (s *Service) recordAttempt(ctx context.Context, provider, id string, outcome error) {
	err := s.update(ctx, func(tx Tx) error {
		e, err := tx.LockEvent(ctx, provider, id)
		if err != nil || e.ProcessedAt != nil {
			return err
		}
		now := s.clock()
		e.Attempts++
		if outcome == nil {
			e.ProcessedAt, e.LastError = &now, ""
		} else {
			e.LastError = Truncate(outcome.Error(), 1000)
			e.NextAttempt = now.Add(eventBackoff(e.Attempts))
			if e.Attempts >= maxEventAttempts {
				e.NextAttempt = now.Add(100 * 365 * 24 * time.Hour) // left for an operator
			}
		}
		return tx.UpdateEvent(ctx, e)
	})
	if err != nil {
		s.log.Warn("events: could not record an attempt", "provider", provider, "event", id, "err", err)
	}
}

// eventBackoff is the wait before the next attempt after n failed ones: 2^n seconds, at most an
// hour.
func eventBackoff(n int) time.Duration {
	if n >= 12 {
		return time.Hour
	}
	return min(time.Duration(1<<n)*time.Second, time.Hour)
}

// applyEvent does what an event reports.
func (s *Service) applyEvent(ctx context.Context, provider string, ev *ProviderEvent) error {
	switch ev.Type {
	case EventCheckoutCompleted, EventCheckoutFailed, EventCheckoutExpired:
		if ev.Checkout == nil {
			return Errorf(EINVALID, "a checkout event without its checkout")
		}
		session := *ev.Checkout
		switch ev.Type {
		case EventCheckoutFailed:
			session.State = CheckoutOpen
			if session.PaymentError == "" {
				session.PaymentError = "the payment failed"
			}
		case EventCheckoutExpired:
			session.State = CheckoutExpired
		}
		return s.applySession(ctx, provider, &session)
	case EventSubscriptionUpdated:
		if ev.Subscription == nil {
			return Errorf(EINVALID, "a subscription event without its subscription")
		}
		return s.applySubscription(ctx, provider, ev.Subscription)
	case EventInvoicePaid:
		if ev.Invoice == nil {
			return Errorf(EINVALID, "an invoice event without its invoice")
		}
		return s.applyInvoice(ctx, ev.Invoice)
	}
	return nil
}

// applySubscription copies a provider's view of a subscription onto billd's, when billd has it.
func (s *Service) applySubscription(ctx context.Context, provider string, ps *ProviderSubscription) error {
	if !IsUUID(ps.SubscriptionID) {
		return nil // not one of billd's
	}
	return s.update(ctx, func(tx Tx) error {
		sub, err := tx.LockSubscription(ctx, ps.SubscriptionID)
		if ErrorCode(err) == ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		if sub.Provider != provider || (sub.ProviderID != "" && ps.ID != "" && sub.ProviderID != ps.ID) {
			return Errorf(EINVALID, "the provider's subscription %s is not the one of subscription %s", ps.ID, sub.ID)
		}
		if ps.State != "" {
			sub.State = ps.State
		}
		if !ps.CurrentPeriod.Start.IsZero() {
			sub.CurrentPeriod = ps.CurrentPeriod
		}
		sub.CancelAtPeriodEnd = ps.CancelAtPeriodEnd
		if !ps.TrialEndsAt.IsZero() {
			end := ps.TrialEndsAt
			sub.TrialEndsAt = &end
		}
		if !ps.CanceledAt.IsZero() {
			at := ps.CanceledAt
			sub.CanceledAt = &at
		}
		if !ps.EndedAt.IsZero() {
			at := ps.EndedAt
			sub.EndedAt = &at
		}
		sub.UpdatedAt = s.clock()
		return tx.UpdateSubscription(ctx, sub)
	})
}
