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
		pf := newPayFixtureOver(t, s, nil, func(sb *sandbox.Provider) billd.Provider {
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
