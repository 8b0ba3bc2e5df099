package billd_test

import (
	"context"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// Deliveries across a restart, a redelivery and a disabled webhook: what a delivery's state does
// when something happens while it is on its way (receivers and helpers in webhook_test.go).

func TestWebhookRestartMidDeliveryLosesNothing(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newHookFixture(t, s)
		o := f.newOrg(t)
		r := newReceiver(t)
		w := f.hook(t, o.ID, r.srv.URL)
		n := f.notify(t, o, billd.NoticeAccountReactivated, "restart")
		done := f.roundInFlight(r) // the request is at the receiver, not yet answered
		f.svc.Close()              // billd stops
		if got := <-done; got != 0 {
			t.Fatalf("the stopped round recorded %d attempts, want none", got)
		}
		r.release()

		g := newHookFixture(t, s) // billd starts again over the same database, at the time it stopped
		g.ticks.Store(f.ticks.Load())
		if got := g.sendWebhooks(t); got != 1 {
			t.Fatalf("after the restart %d attempts were recorded, want the unacknowledged one", got)
		}
		wantSentAgain(t, r, n, w.Secret)
		if d := g.deliveries(t, o.ID, w.ID)[0]; d.State != billd.DeliveryDelivered || d.Attempts != 1 {
			t.Errorf("delivery %+v, want delivered with one recorded attempt", d)
		}
	})
}

// A redelivery asked while an attempt is in flight wins over that attempt's failure: the delivery
// is due at once, not after a backoff.
func TestWebhookRedeliveryDuringAnAttempt(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newHookFixture(t, s)
		o := f.newOrg(t)
		r := newReceiver(t, 500)
		w := f.hook(t, o.ID, r.srv.URL)
		f.notify(t, o, billd.NoticeInvoicePaid, "redelivered-in-flight")
		done := f.roundInFlight(r)
		d := f.deliveries(t, o.ID, w.ID)[0]
		_, err := f.svc.RedeliverWebhook(t.Context(), sys, o.ID, w.ID, d.ID)
		must(t, err)
		r.release() // the receiver answers 500 now
		if got := <-done; got != 1 {
			t.Fatalf("the round recorded %d attempts, want 1", got)
		}
		if d = f.deliveries(t, o.ID, w.ID)[0]; d.State != billd.DeliveryPending || d.Attempts != 1 || len(d.Log) != 1 || d.Log[0].StatusCode != 500 {
			t.Fatalf("delivery %+v, want pending after one failed attempt", d)
		}
		if got := f.sendWebhooks(t); got != 1 {
			t.Fatalf("the redelivery was not due at once: %d attempts", got)
		}
		if d = f.deliveries(t, o.ID, w.ID)[0]; d.State != billd.DeliveryDelivered || d.Attempts != 2 || len(d.Log) != 2 {
			t.Errorf("delivery %+v, want delivered at the second attempt", d)
		}
	})
}

// A disabled webhook gets no new deliveries and holds its pending ones until it is enabled again.
func TestWebhookDisabledHoldsDeliveries(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newHookFixture(t, s)
		o, other := f.newOrg(t), f.newOrg(t)
		r := newReceiver(t, 500)
		w := f.hook(t, o.ID, r.srv.URL)
		ctx := t.Context()
		held := f.notify(t, o, billd.NoticeInvoicePaid, "held")
		f.sendWebhooks(t) // 500: pending
		in := billd.WebhookInput{URL: r.srv.URL + "/v2", Types: []string{"invoice.paid"}, Description: "off", Disabled: true}
		got, err := f.svc.UpdateWebhook(ctx, sys, o.ID, w.ID, in)
		must(t, err)
		if got.Enabled || got.URL != r.srv.URL+"/v2" || got.Secret != "" || got.Description != "off" {
			t.Errorf("updated %+v, want disabled at the new url, without its secret", got)
		}
		_, err = f.svc.UpdateWebhook(ctx, sys, other.ID, w.ID, in)
		wantCode(t, err, billd.ENOTFOUND)
		_, err = f.svc.UpdateWebhook(ctx, sys, o.ID, w.ID, billd.WebhookInput{URL: "gopher://x"})
		wantInvalid(t, err, "gopher", "url")
		f.notify(t, o, billd.NoticeInvoicePaid, "while-disabled")
		f.advance(time.Hour)
		if n := f.sendWebhooks(t); n != 0 {
			t.Fatalf("a disabled webhook got %d attempts", n)
		}
		in.Disabled = false
		_, err = f.svc.UpdateWebhook(ctx, sys, o.ID, w.ID, in)
		must(t, err)
		if n := f.sendWebhooks(t); n != 1 {
			t.Fatalf("after enabling, %d attempts, want the held delivery's", n)
		}
		wantSentAgain(t, r, held, w.Secret) // and nothing made while disabled
	})
}

// roundInFlight starts a delivery round whose first request r holds unanswered (until
// r.release), and returns when the request is at r; the round's result comes on the channel.
func (f *fixture) roundInFlight(r *receiver) <-chan int {
	r.mu.Lock()
	r.hold, r.held = make(chan struct{}), make(chan struct{}, 1)
	held := r.held
	r.mu.Unlock()
	done := make(chan int, 1)
	go func() {
		got, _ := f.svc.DeliverWebhooks(context.Background(), 100)
		done <- got
	}()
	<-held
	return done
}

// release lets the request r holds be answered; later requests are answered at once.
func (r *receiver) release() {
	r.mu.Lock()
	hold := r.hold
	r.hold = nil
	r.mu.Unlock()
	close(hold)
}

// wantSentAgain checks that r got exactly two requests, the second the notice n signed with secret.
func wantSentAgain(t *testing.T, r *receiver, n billd.Notice, secret string) {
	t.Helper()
	got := r.requests()
	if len(got) != 2 || got[1].header.Get(billd.WebhookIDHeader) != n.ID {
		t.Fatalf("the receiver got %d requests, want the notice %s twice", len(got), n.ID)
	}
	wantSigned(t, got[1], n, secret)
}
