package billd_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sandbox"
	"github.com/billd/billd/sqlstore/sqltest"
)

// eventsWithoutCards is the sandbox with the payment method left out of its events' sessions, as
// Stripe's events leave it out (they name a session's intents and subscription by id only), and
// whose Checkout fails while down.
type eventsWithoutCards struct {
	*sandbox.Provider
	down atomic.Bool
}

func (p *eventsWithoutCards) ParseEvent(payload []byte, header map[string][]string) (*billd.ProviderEvent, error) {
	ev, err := p.Provider.ParseEvent(payload, header)
	if err == nil && ev.Checkout != nil {
		ev.Checkout.PaymentMethod = nil
	}
	return ev, err
}

func (p *eventsWithoutCards) Checkout(ctx context.Context, providerID string) (*billd.ProviderCheckout, error) {
	if p.down.Load() {
		return nil, billd.Errorf(billd.EUNAVAILABLE, "the provider cannot be reached")
	}
	return p.Provider.Checkout(ctx, providerID)
}

// A paid session's event that does not carry the card: fulfilment reads the card from the
// provider's view of the session and saves it. While the provider cannot be read, nothing is
// granted and the event stays to be retried, so the card is not lost.
func TestFulfilmentReadsTheCardAnEventLacks(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		var pr *eventsWithoutCards
		pf := newPayFixtureConfig(t, s, billd.Config{}, func(sb *sandbox.Provider) billd.Provider {
			pr = &eventsWithoutCards{Provider: sb}
			return pr
		})
		o := pf.newOrg(t)
		c := pf.buy(t, o, 2)
		pr.down.Store(true)
		if code := pf.act(t, c.ID, "pay", sandbox.CardSuccess); code != http.StatusSeeOther {
			t.Fatalf("pay: status %d", code)
		}
		pf.wantBalance(t, o, 0)

		pr.down.Store(false)
		payload := pf.lastEvent(t)
		must(t, pf.svc.ReceiveEvent(t.Context(), sandbox.Name, payload, signed(payload))) // the provider's retry
		pf.wantBalance(t, o, 2*creditsPerUnit)
		methods, err := pf.svc.PaymentMethods(t.Context(), sys, o.ID, o.AccountID)
		must(t, err)
		if len(methods) != 1 || methods[0].CardLast4 != "4242" || methods[0].ExpiryYear != 2040 || !methods[0].Default {
			t.Fatalf("payment methods = %+v, want the card paid with", methods)
		}
		if got := pf.checkout(t, o, c.ID); got.State != billd.CheckoutComplete || got.FulfilledAt == nil {
			t.Fatalf("checkout = %+v", got)
		}
	})
}

// renewingSandbox is the sandbox acting as a provider that runs renewals itself (as Stripe does),
// recording the subscriptions it is asked to cancel at their period's end.
type renewingSandbox struct {
	*sandbox.Provider
	cancelled atomic.Int64
}

func (p *renewingSandbox) RunsRenewals() bool { return true }

func (p *renewingSandbox) CancelSubscription(ctx context.Context, id string, atPeriodEnd bool) (*billd.ProviderSubscription, error) {
	if atPeriodEnd {
		p.cancelled.Add(1)
	}
	return p.Provider.CancelSubscription(ctx, id, atPeriodEnd)
}

// A trial bought with cancel_after_trial at a provider that runs renewals is cancelled there at
// the trial's end, so the provider does not charge the first period; billd's copy is set to cancel.
func TestCancelAfterTrialReachesTheProvider(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		var pr *renewingSandbox
		pf := newPayFixtureConfig(t, s, billd.Config{}, func(sb *sandbox.Provider) billd.Provider {
			pr = &renewingSandbox{Provider: sb}
			return pr
		})
		ctx := t.Context()
		_, _, err := pf.svc.PutPlan(ctx, sys, billd.PlanInput{Name: "trial", Interval: "month", TrialDays: 14,
			Products: []billd.PlanProductInput{{Ref: "pro-seat"}}})
		must(t, err)
		o := pf.newOrg(t)
		c, err := pf.svc.CreateCheckout(ctx, sys, billd.CheckoutRequest{OrgID: o.ID, BillingID: o.AccountID,
			Subscription: &billd.PlanPurchase{Plan: "trial", CancelAfterTrial: true}})
		must(t, err)
		if code := pf.act(t, c.ID, "pay", sandbox.CardSuccess); code != http.StatusSeeOther {
			t.Fatalf("pay: status %d", code)
		}
		got := pf.checkout(t, o, c.ID)
		sub, err := pf.svc.GetSubscription(ctx, sys, o.ID, "", got.SubscriptionID)
		must(t, err)
		// The sandbox makes its subscription only once billd took its event, so the first attempt
		// fails and the poll of GetCheckout finishes the fulfilment: asking twice is harmless.
		if sub.State != billd.SubscriptionTrialing || !sub.CancelAtPeriodEnd || pr.cancelled.Load() == 0 {
			t.Fatalf("subscription %+v, %d cancellations at the provider; want trialing, set to cancel, at least 1", sub, pr.cancelled.Load())
		}
	})
}
