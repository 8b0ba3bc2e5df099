package sqlstore_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/sqlstore/sqltest"
)

// The payment objects of the conformance suite: checkouts, payment methods, subscriptions and
// provider events.

func ptr(t time.Time) *time.Time { return &t }

// wantNotFound checks that err is ENOTFOUND with the message msg.
func wantNotFound(t *testing.T, err error, msg string) {
	t.Helper()
	wantCode(t, err, billd.ENOTFOUND)
	if got := billd.ErrorMessage(err); got != msg {
		t.Errorf("message %q, want %q", got, msg)
	}
}

// newCheckout returns a product checkout of account a with every field set but FulfilledAt.
func newCheckout(a *billd.BillingAccount, at time.Time) *billd.Checkout {
	return &billd.Checkout{ID: billd.NewUUID(), OrgID: a.OrgID, AccountID: a.ID, Kind: billd.CheckoutProduct,
		Provider: "sandbox", ProviderID: "cs_" + billd.NewUUID(), URL: "https://pay.example/cs",
		SuccessURL: "https://app.example/ok?c={{.CheckoutID}}", CancelURL: "https://app.example/no",
		State: billd.CheckoutOpen, PaymentStatus: billd.PaymentUnpaid, PaymentError: "card declined",
		ProductID: billd.NewUUID(), Quantity: 3, Amount: 1500, Currency: "usd", Credits: 300,
		Metadata: billd.Metadata{"k": "v"}, CreatedAt: at, UpdatedAt: at.Add(time.Second),
		ExpireAt: at.Add(billd.CheckoutValidity)}
}

func insertCheckouts(t *testing.T, db *sqlstore.DB, cs ...*billd.Checkout) {
	t.Helper()
	mustUpdate(t, db, func(tx billd.Tx) error {
		for _, c := range cs {
			if err := tx.InsertCheckout(context.Background(), c); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestCheckoutRoundTrip(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newAccount(t, s.DB, newOrg(t, s.DB, "acme", t0).ID, billd.AccountActive, t0)
		product := newCheckout(a, t0)
		plan := newCheckout(a, t0)
		plan.Kind, plan.ProductID, plan.PlanID, plan.SkipTrial, plan.CancelAfterTrial = billd.CheckoutSubscription, "", billd.NewUUID(), true, true
		plan.SubscriptionID, plan.FulfilledAt, plan.Metadata = billd.NewUUID(), ptr(t0.Add(time.Minute)), billd.Metadata{}
		plan.State, plan.PaymentStatus, plan.PaymentError = billd.CheckoutComplete, billd.PaymentPaid, ""
		insertCheckouts(t, s.DB, product, plan)
		err := update(t, s.DB, func(tx billd.Tx) error { return tx.InsertCheckout(ctx, product) })
		if !errors.Is(err, billd.ErrDuplicateID) {
			t.Errorf("inserting a stored checkout again: %v, want ErrDuplicateID", err)
		}
		view(t, s.DB, func(tx billd.Tx) error {
			for _, want := range []*billd.Checkout{product, plan} {
				got, err := tx.Checkout(ctx, want.ID)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
				}
			}
			_, err := tx.Checkout(ctx, billd.NewUUID())
			wantNotFound(t, err, "checkout not found")
			return nil
		})

		// Every field but ID and CreatedAt changes; FulfilledAt goes from nil to set and back.
		changed := &billd.Checkout{ID: product.ID, OrgID: plan.OrgID, AccountID: a.ID, Kind: billd.CheckoutSetup,
			Provider: "stripe", ProviderID: "cs_2", URL: "u2", SuccessURL: "s2", CancelURL: "c2",
			State: billd.CheckoutExpired, PaymentStatus: billd.PaymentNotRequired, PaymentError: "e2",
			PlanID: billd.NewUUID(), ProductID: billd.NewUUID(), Quantity: 7, Amount: 8, Currency: "eur", Credits: 9,
			SkipTrial: true, CancelAfterTrial: true, SubscriptionID: billd.NewUUID(), FulfilledAt: ptr(t0.Add(time.Hour)),
			Metadata: billd.Metadata{"n": "2"}, CreatedAt: product.CreatedAt, UpdatedAt: t0.Add(2 * time.Hour),
			ExpireAt: t0.Add(3 * time.Hour)}
		unfulfilled := *plan
		unfulfilled.FulfilledAt, unfulfilled.SubscriptionID, unfulfilled.PlanID = nil, "", ""
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			if _, err := tx.LockCheckout(ctx, product.ID); err != nil {
				return err
			}
			_, err := tx.LockCheckout(ctx, billd.NewUUID())
			wantNotFound(t, err, "checkout not found")
			if err := tx.UpdateCheckout(ctx, changed); err != nil {
				return err
			}
			return tx.UpdateCheckout(ctx, &unfulfilled)
		})
		view(t, s.DB, func(tx billd.Tx) error {
			for _, want := range []*billd.Checkout{changed, &unfulfilled} {
				got, err := tx.Checkout(ctx, want.ID)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("after update:\n got %+v\nwant %+v", got, want)
				}
			}
			return nil
		})
	})
}

func TestCheckoutValuesTheDatabaseRefuses(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newAccount(t, s.DB, newOrg(t, s.DB, "acme", t0).ID, billd.AccountActive, t0)
		for name, spoil := range map[string]func(c *billd.Checkout){
			"state":          func(c *billd.Checkout) { c.State = "paid" },
			"kind":           func(c *billd.Checkout) { c.Kind = "gift" },
			"payment status": func(c *billd.Checkout) { c.PaymentStatus = "maybe" },
			"amount":         func(c *billd.Checkout) { c.Amount = -1 },
			"quantity":       func(c *billd.Checkout) { c.Quantity = -1 },
			"account":        func(c *billd.Checkout) { c.AccountID = billd.NewUUID() },
		} {
			c := newCheckout(a, t0)
			spoil(c)
			if err := update(t, s.DB, func(tx billd.Tx) error { return tx.InsertCheckout(ctx, c) }); err == nil {
				t.Errorf("a checkout with a bad %s was stored", name)
			}
		}
	})
}

// checkoutIDs returns the ids of cs.
func checkoutIDs(cs []*billd.Checkout) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// pagedItems stores nine items of a new account, pairs of them sharing a creation time (so the id
// orders them), and one of another account made at otherAt; it returns both accounts and the nine.
func pagedItems[T any](t *testing.T, db *sqlstore.DB, otherAt time.Time, item func(*billd.BillingAccount, time.Time) T,
	insert func(*testing.T, *sqlstore.DB, ...T)) (a, other *billd.BillingAccount, mine []T) {
	t.Helper()
	a = newAccount(t, db, newOrg(t, db, "acme", t0).ID, billd.AccountActive, t0)
	other = newAccount(t, db, newOrg(t, db, "other", t0).ID, billd.AccountActive, t0)
	for i := range 9 {
		mine = append(mine, item(a, t0.Add(time.Duration(i/2)*time.Second)))
	}
	insert(t, db, mine...)
	insert(t, db, item(other, otherAt))
	return a, other, mine
}

// keyed is what a newest-first keyset list is ordered and filtered by.
type keyed struct {
	id, accountID string
	at            time.Time
}

// pageNewestFirst reads a list four items a page, each page after the last item of the one
// before, and checks that it returns want items, each once, all of the account, in (created_at,
// id) descending order.
func pageNewestFirst[T any](t *testing.T, db *sqlstore.DB, want int, accountID string, key func(T) keyed,
	list func(tx billd.Tx, after *billd.Cursor, limit int) ([]T, error)) {
	t.Helper()
	const limit = 4
	var got []keyed
	view(t, db, func(tx billd.Tx) error {
		var after *billd.Cursor
		for range 10 {
			page, err := list(tx, after, limit)
			if err != nil {
				return err
			}
			for _, item := range page {
				got = append(got, key(item))
			}
			if len(page) < limit {
				return nil
			}
			last := got[len(got)-1]
			after = &billd.Cursor{At: last.at, ID: last.id}
		}
		t.Fatal("paging does not end")
		return nil
	})
	if len(got) != want {
		t.Fatalf("paged %d items, want %d", len(got), want)
	}
	seen := map[string]bool{}
	for i, k := range got {
		if seen[k.id] || k.accountID != accountID {
			t.Fatalf("position %d: item repeated or not the account's", i)
		}
		seen[k.id] = true
		if i > 0 {
			prev := got[i-1]
			if k.at.After(prev.at) || k.at.Equal(prev.at) && k.id > prev.id {
				t.Fatalf("position %d is not after position %d in (created_at, id) descending order", i, i-1)
			}
		}
	}
}

func TestCheckoutsPageNewestFirst(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a, other, mine := pagedItems(t, s.DB, t0.Add(time.Hour), newCheckout, insertCheckouts)
		pageNewestFirst(t, s.DB, len(mine), a.ID, func(c *billd.Checkout) keyed { return keyed{c.ID, c.AccountID, c.CreatedAt} },
			func(tx billd.Tx, after *billd.Cursor, limit int) ([]*billd.Checkout, error) {
				return tx.Checkouts(ctx, billd.CheckoutQuery{AccountID: a.ID, After: after, Limit: limit})
			})
		view(t, s.DB, func(tx billd.Tx) error {
			all, err := tx.Checkouts(ctx, billd.CheckoutQuery{})
			if len(all) != 10 || all[0].AccountID != other.ID {
				t.Errorf("no filter, no limit: %d checkouts, newest first? %v", len(all), checkoutIDs(all))
			}
			return err
		})
	})
}

func TestCheckoutQueryFilters(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newAccount(t, s.DB, newOrg(t, s.DB, "acme", t0).ID, billd.AccountActive, t0)
		openOld := newCheckout(a, t0)                               // expires at t0+24h
		openNew := newCheckout(a, t0.Add(2*billd.CheckoutValidity)) // expires at t0+72h
		done := newCheckout(a, t0.Add(time.Second))
		done.State, done.PaymentStatus = billd.CheckoutComplete, billd.PaymentPaid
		fulfilled := newCheckout(a, t0.Add(2*time.Second))
		fulfilled.State, fulfilled.FulfilledAt = billd.CheckoutComplete, ptr(t0)
		expired := newCheckout(a, t0.Add(3*time.Second))
		expired.State = billd.CheckoutExpired
		insertCheckouts(t, s.DB, openOld, openNew, done, fulfilled, expired)
		soon := t0.Add(billd.CheckoutValidity + time.Minute)
		for _, c := range []struct {
			name string
			q    billd.CheckoutQuery
			want []*billd.Checkout
		}{
			{"open", billd.CheckoutQuery{State: billd.CheckoutOpen}, []*billd.Checkout{openNew, openOld}},
			{"open, expiring", billd.CheckoutQuery{State: billd.CheckoutOpen, ExpiresBefore: soon}, []*billd.Checkout{openOld}},
			{"expiry is strict", billd.CheckoutQuery{State: billd.CheckoutOpen, ExpiresBefore: openOld.ExpireAt}, nil},
			{"unfulfilled", billd.CheckoutQuery{Unfulfilled: true}, []*billd.Checkout{done}},
			{"unfulfilled of the account", billd.CheckoutQuery{AccountID: a.ID, Unfulfilled: true, Limit: 1}, []*billd.Checkout{done}},
			{"expired", billd.CheckoutQuery{State: billd.CheckoutExpired}, []*billd.Checkout{expired}},
			{"limit", billd.CheckoutQuery{Limit: 2}, []*billd.Checkout{openNew, expired}},
			{"other account", billd.CheckoutQuery{AccountID: billd.NewUUID()}, nil},
		} {
			view(t, s.DB, func(tx billd.Tx) error {
				got, err := tx.Checkouts(ctx, c.q)
				if !reflect.DeepEqual(checkoutIDs(got), checkoutIDs(c.want)) {
					t.Errorf("%s: got %v, want %v", c.name, checkoutIDs(got), checkoutIDs(c.want))
				}
				return err
			})
		}
	})
}

func TestPaymentMethods(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newAccount(t, s.DB, newOrg(t, s.DB, "acme", t0).ID, billd.AccountActive, t0)
		method := func(providerID string, at time.Time) *billd.PaymentMethod {
			return &billd.PaymentMethod{ID: billd.NewUUID(), AccountID: a.ID, Provider: "sandbox",
				ProviderID: providerID, Type: "card", CardBrand: "visa", CardLast4: "4242", ExpiryMonth: 12,
				ExpiryYear: 2030, Default: true, Metadata: billd.Metadata{"k": "v"}, CreatedAt: at}
		}
		put := func(m *billd.PaymentMethod) {
			t.Helper()
			mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.PutPaymentMethod(ctx, m) })
		}
		list := func() []*billd.PaymentMethod {
			t.Helper()
			var ms []*billd.PaymentMethod
			view(t, s.DB, func(tx billd.Tx) (err error) {
				ms, err = tx.PaymentMethods(ctx, a.ID)
				return err
			})
			return ms
		}
		first, second := method("pm_1", t0), method("pm_2", t0.Add(time.Second))
		put(first)
		want := *first
		if got := list(); len(got) != 1 || !reflect.DeepEqual(got[0], &want) {
			t.Fatalf("round trip: %+v, want %+v", got, want)
		}
		put(second) // the default mark moves to it
		if got := list(); len(got) != 2 || got[0].ID != first.ID || got[0].Default || !got[1].Default {
			t.Fatalf("after a second default method: %+v %+v", got[0], got[1])
		}

		// The first method again, as the provider reports it: a new id and time, other details.
		again := method("pm_1", t0.Add(time.Hour))
		again.CardLast4, again.ExpiryYear, again.Metadata = "1111", 2031, billd.Metadata{}
		put(again)
		if again.ID != first.ID || !again.CreatedAt.Equal(first.CreatedAt) {
			t.Errorf("upsert set id %s created %v, want the stored %s %v", again.ID, again.CreatedAt, first.ID, first.CreatedAt)
		}
		got := list()
		if len(got) != 2 || !reflect.DeepEqual(got[0], again) || got[1].Default {
			t.Fatalf("after the upsert: %+v %+v, want %+v first", got[0], got[1], again)
		}
		notDefault := method("pm_3", t0.Add(2*time.Second))
		notDefault.Default = false
		put(notDefault)
		if got := list(); len(got) != 3 || !got[0].Default || got[2].Default {
			t.Errorf("a method put without the mark took it: %v %v %v", got[0].Default, got[1].Default, got[2].Default)
		}
		err := s.DB.ExecRaw(ctx, `UPDATE payment_methods SET is_default = TRUE WHERE provider_id = 'pm_2'`)
		if err == nil {
			t.Error("the database let an account have two default methods")
		}
	})
}

// newSubscription returns an active subscription of account a to plan with every field set.
func newSubscription(a *billd.BillingAccount, plan string, at time.Time) *billd.Subscription {
	return &billd.Subscription{ID: billd.NewUUID(), OrgID: a.OrgID, AccountID: a.ID, PlanID: plan,
		Provider: "sandbox", ProviderID: "sub_" + billd.NewUUID(), State: billd.SubscriptionActive, Quantity: 2,
		CurrentPeriod: billd.Period{Start: at, End: at.Add(30 * 24 * time.Hour)}, TrialEndsAt: ptr(at),
		CancelAtPeriodEnd: true, CanceledAt: ptr(at.Add(time.Minute)), EndedAt: ptr(at.Add(time.Hour)),
		NextPlanID: billd.NewUUID(), NextPlanAt: ptr(at.Add(30 * 24 * time.Hour)),
		PlanHistory: []string{billd.NewUUID(), billd.NewUUID()}, CheckoutID: billd.NewUUID(),
		Metadata: billd.Metadata{"k": "v"}, CreatedAt: at, UpdatedAt: at.Add(time.Second)}
}

func insertSubscriptions(t *testing.T, db *sqlstore.DB, subs ...*billd.Subscription) {
	t.Helper()
	mustUpdate(t, db, func(tx billd.Tx) error {
		for _, s := range subs {
			if err := tx.InsertSubscription(context.Background(), s); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestSubscriptionRoundTrip(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newAccount(t, s.DB, newOrg(t, s.DB, "acme", t0).ID, billd.AccountActive, t0)
		full := newSubscription(a, billd.NewUUID(), t0)
		bare := &billd.Subscription{ID: billd.NewUUID(), OrgID: a.OrgID, AccountID: a.ID, PlanID: billd.NewUUID(),
			Provider: "sandbox", State: billd.SubscriptionTrialing, Quantity: 1, Metadata: billd.Metadata{},
			CreatedAt: t0, UpdatedAt: t0}
		insertSubscriptions(t, s.DB, full, bare)
		err := update(t, s.DB, func(tx billd.Tx) error { return tx.InsertSubscription(ctx, bare) })
		if !errors.Is(err, billd.ErrDuplicateID) {
			t.Errorf("inserting a stored subscription again: %v, want ErrDuplicateID", err)
		}
		view(t, s.DB, func(tx billd.Tx) error {
			for _, want := range []*billd.Subscription{full, bare} {
				got, err := tx.Subscription(ctx, want.ID)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
				}
			}
			_, err := tx.Subscription(ctx, billd.NewUUID())
			wantNotFound(t, err, "subscription not found")
			return nil
		})
		// They swap every field but ID and CreatedAt.
		full2, bare2 := *bare, *full
		full2.ID, bare2.ID, full2.CreatedAt, bare2.CreatedAt = full.ID, bare.ID, full.CreatedAt, bare.CreatedAt
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			if _, err := tx.LockSubscription(ctx, full.ID); err != nil {
				return err
			}
			_, err := tx.LockSubscription(ctx, billd.NewUUID())
			wantNotFound(t, err, "subscription not found")
			if err := tx.UpdateSubscription(ctx, &full2); err != nil {
				return err
			}
			return tx.UpdateSubscription(ctx, &bare2)
		})
		view(t, s.DB, func(tx billd.Tx) error {
			for _, want := range []*billd.Subscription{&full2, &bare2} {
				got, err := tx.Subscription(ctx, want.ID)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("after update:\n got %+v\nwant %+v", got, want)
				}
			}
			return nil
		})
	})
}

func subscriptionIDs(subs []*billd.Subscription) []string {
	out := []string{}
	for _, s := range subs {
		out = append(out, s.ID)
	}
	return out
}

func TestSubscriptionQueryFilters(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newAccount(t, s.DB, newOrg(t, s.DB, "acme", t0).ID, billd.AccountActive, t0)
		b := newAccount(t, s.DB, newOrg(t, s.DB, "other", t0).ID, billd.AccountActive, t0)
		gold, silver := billd.NewUUID(), billd.NewUUID()
		endsSoon := newSubscription(a, gold, t0) // its period ends at t0+30d
		endsLater := newSubscription(a, silver, t0.Add(10*24*time.Hour))
		pastDue := newSubscription(b, gold, t0.Add(time.Second))
		pastDue.State = billd.SubscriptionPastDue
		unknownEnd := newSubscription(b, gold, t0.Add(2*time.Second))
		unknownEnd.CurrentPeriod = billd.Period{}
		insertSubscriptions(t, s.DB, endsSoon, endsLater, pastDue, unknownEnd)
		renewBy := pastDue.CurrentPeriod.End // and endsSoon's, a second earlier
		for _, c := range []struct {
			name string
			q    billd.SubscriptionQuery
			want []*billd.Subscription
		}{
			{"all, newest first", billd.SubscriptionQuery{}, []*billd.Subscription{endsLater, unknownEnd, pastDue, endsSoon}},
			{"renew by (inclusive)", billd.SubscriptionQuery{RenewBy: renewBy}, []*billd.Subscription{pastDue, endsSoon}},
			{"active, renew by", billd.SubscriptionQuery{State: billd.SubscriptionActive, RenewBy: renewBy}, []*billd.Subscription{endsSoon}},
			{"plan", billd.SubscriptionQuery{PlanID: gold}, []*billd.Subscription{unknownEnd, pastDue, endsSoon}},
			{"plan of account", billd.SubscriptionQuery{PlanID: gold, AccountID: a.ID}, []*billd.Subscription{endsSoon}},
			{"state", billd.SubscriptionQuery{State: billd.SubscriptionPastDue}, []*billd.Subscription{pastDue}},
			{"account, paged", billd.SubscriptionQuery{AccountID: b.ID, Limit: 1,
				After: &billd.Cursor{At: unknownEnd.CreatedAt, ID: unknownEnd.ID}}, []*billd.Subscription{pastDue}},
		} {
			view(t, s.DB, func(tx billd.Tx) error {
				got, err := tx.Subscriptions(ctx, c.q)
				if !reflect.DeepEqual(subscriptionIDs(got), subscriptionIDs(c.want)) {
					t.Errorf("%s: got %v, want %v", c.name, subscriptionIDs(got), subscriptionIDs(c.want))
				}
				return err
			})
		}
	})
}

func newEvent(id string, received time.Time) *billd.StoredEvent {
	return &billd.StoredEvent{Provider: "sandbox", ID: id, Type: billd.EventCheckoutCompleted,
		Event: []byte(`{"ID":"` + id + `","Type":"checkout.completed"}`), ReceivedAt: received, NextAttempt: received}
}

// insertEvent inserts e in a transaction of its own and returns whether it was inserted.
func insertEvent(t *testing.T, db *sqlstore.DB, e *billd.StoredEvent) (inserted bool) {
	t.Helper()
	mustUpdate(t, db, func(tx billd.Tx) (err error) {
		inserted, err = tx.InsertEvent(context.Background(), e)
		return err
	})
	return inserted
}

func TestProviderEvents(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		e := newEvent("evt_1", t0)
		if !insertEvent(t, s.DB, e) {
			t.Fatal("a new event was not inserted")
		}
		dup := newEvent("evt_1", t0.Add(time.Hour))
		if insertEvent(t, s.DB, dup) {
			t.Error("an event recorded already was inserted again")
		}
		other := newEvent("evt_1", t0)
		other.Provider = "stripe" // the same id from another provider is another event
		if !insertEvent(t, s.DB, other) {
			t.Error("another provider's event of the same id was not inserted")
		}
		processed := *e
		processed.ProcessedAt, processed.Attempts, processed.LastError = ptr(t0.Add(time.Minute)), 2, "boom"
		processed.NextAttempt = t0.Add(5 * time.Minute)
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			got, err := tx.LockEvent(ctx, "sandbox", "evt_1")
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, e) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, e)
			}
			_, err = tx.LockEvent(ctx, "sandbox", "evt_2")
			wantNotFound(t, err, "event not found")
			return tx.UpdateEvent(ctx, &processed)
		})
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			got, err := tx.LockEvent(ctx, "sandbox", "evt_1")
			if err == nil && !reflect.DeepEqual(got, &processed) {
				t.Errorf("after update:\n got %+v\nwant %+v", got, &processed)
			}
			return err
		})
	})
}

func TestPendingEvents(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		now := t0.Add(time.Hour)
		late := newEvent("evt_late", t0.Add(3*time.Second)) // received last, due
		first := newEvent("evt_first", t0)                  // received first, retried and due again
		first.Attempts, first.LastError, first.NextAttempt = 1, "timeout", now
		notYet := newEvent("evt_not_yet", t0.Add(time.Second)) // retried later
		notYet.NextAttempt = now.Add(time.Microsecond)
		done := newEvent("evt_done", t0.Add(2*time.Second))
		done.ProcessedAt = ptr(t0.Add(2 * time.Second))
		tie := newEvent("evt_tie", t0) // received at the same time as first: ordered by id after it
		for _, e := range []*billd.StoredEvent{late, first, notYet, done, tie} {
			insertEvent(t, s.DB, e)
		}
		pending := func(limit int) []string {
			var ids []string
			view(t, s.DB, func(tx billd.Tx) error {
				es, err := tx.PendingEvents(ctx, now, limit)
				for _, e := range es {
					ids = append(ids, e.ID)
				}
				return err
			})
			return ids
		}
		if got, want := pending(0), []string{"evt_first", "evt_tie", "evt_late"}; !reflect.DeepEqual(got, want) {
			t.Errorf("pending events %v, want %v", got, want)
		}
		if got, want := pending(2), []string{"evt_first", "evt_tie"}; !reflect.DeepEqual(got, want) {
			t.Errorf("pending events, limit 2: %v, want %v", got, want)
		}
	})
}

// TestInsertEventOnceUnderConcurrency delivers one event 20 times at once: exactly one
// transaction records it.
func TestInsertEventOnceUnderConcurrency(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		const deliveries = 20
		var mu sync.Mutex
		var inserted, failed int
		var wg sync.WaitGroup
		for range deliveries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var ok bool
				err := s.DB.Update(context.Background(), func(tx billd.Tx) (err error) {
					ok, err = tx.InsertEvent(context.Background(), newEvent("evt_race", t0))
					return err
				})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					failed++
					t.Errorf("delivery: %v", err)
				} else if ok {
					inserted++
				}
			}()
		}
		wg.Wait()
		if inserted != 1 || failed != 0 {
			t.Errorf("%d of %d deliveries inserted the event (%d failed), want exactly 1", inserted, deliveries, failed)
		}
	})
}
