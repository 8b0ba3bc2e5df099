package billd_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sandbox"
	"github.com/billd/billd/sqlstore/sqltest"
)

// The payment suite drives checkouts end to end through the sandbox provider, the real one billd
// serves by default: its checkout page is posted to as a browser would, and its signed events
// reach the service through ReceiveEvent.

// payFixture is a fixture whose service takes payments through a sandbox provider, with a catalog
// of a credits product (100 credits per unit at 5.00 USD, 1 to 50 units), a basic product and a
// monthly plan with on-start credits.
type payFixture struct {
	*fixture
	sandbox *sandbox.Provider
	pages   http.Handler
	mu      sync.Mutex
	events  [][]byte                                        // the payloads the sandbox delivered
	deliver func(ctx context.Context, payload []byte) error // nil: to the service
}

const (
	creditsPerUnit = 100
	planStarter    = 250
)

func newPayFixture(t *testing.T, s sqltest.Store) *payFixture {
	t.Helper()
	return newPayFixtureConfig(t, s, billd.Config{}, nil)
}

// newPayFixtureConfig is newPayFixture whose service has cfg's settings (its store: s.DB when
// nil), with its provider made from the sandbox by wrap (the sandbox itself when nil).
func newPayFixtureConfig(t *testing.T, s sqltest.Store, cfg billd.Config, wrap func(*sandbox.Provider) billd.Provider) *payFixture {
	t.Helper()
	pf := &payFixture{}
	sb, err := sandbox.New(sandbox.Config{Secret: []byte("a-test-secret-of-sandbox-events"), BaseURL: "http://billd.test",
		Deliver: pf.deliverEvent, Now: func() time.Time { return pf.now() }})
	if err != nil {
		t.Fatal(err)
	}
	pf.sandbox = sb
	var provider billd.Provider = sb
	if wrap != nil {
		provider = wrap(sb)
	}
	cfg.Providers = []billd.Provider{provider}
	pf.fixture = newFixtureConfig(t, s, cfg)
	pf.pages = sb.Handler(pf.svc)
	ctx := t.Context()
	_, _, err = pf.svc.PutProduct(ctx, sys, billd.ProductInput{Name: "credits", Title: "Credits", Behavior: billd.BehaviorCredits,
		CreditAmount: creditsPerUnit, MaxQuantity: 50, Prices: []billd.PriceInput{{Name: "unit", Currency: "usd", Amount: 500}}})
	must(t, err)
	_, _, err = pf.svc.PutProduct(ctx, sys, billd.ProductInput{Name: "support", Behavior: billd.BehaviorBasic,
		Prices: []billd.PriceInput{{Name: "once", Currency: "usd", Amount: 900}}})
	must(t, err)
	_, _, err = pf.svc.PutPlan(ctx, sys, billd.PlanInput{Name: "pro", Interval: "month", OnStartCredits: planStarter,
		Products: []billd.PlanProductInput{{Product: &billd.ProductInput{Name: "pro-seat", Behavior: billd.BehaviorBasic,
			Prices: []billd.PriceInput{{Name: "monthly", Interval: "month", Currency: "usd", Amount: 2000}}}}}})
	must(t, err)
	return pf
}

// deliverEvent records what the sandbox delivers and hands it on.
func (pf *payFixture) deliverEvent(ctx context.Context, payload []byte, header map[string][]string) error {
	pf.mu.Lock()
	pf.events = append(pf.events, payload)
	deliver := pf.deliver
	pf.mu.Unlock()
	if deliver != nil {
		return deliver(ctx, payload)
	}
	return pf.svc.ReceiveEvent(ctx, sandbox.Name, payload, header)
}

// lastEvent returns the last payload the sandbox delivered.
func (pf *payFixture) lastEvent(t *testing.T) []byte {
	t.Helper()
	pf.mu.Lock()
	defer pf.mu.Unlock()
	if len(pf.events) == 0 {
		t.Fatal("the sandbox delivered no event")
	}
	return pf.events[len(pf.events)-1]
}

// signed returns the sandbox's signature headers of payload, as a delivery carries them.
func signed(payload []byte) map[string][]string {
	return map[string][]string{sandbox.SignatureHeader: {sandbox.Sign([]byte("a-test-secret-of-sandbox-events"), payload, t0)}}
}

// buy opens a product checkout of quantity units of the credits product for o.
func (pf *payFixture) buy(t *testing.T, o org, quantity int64) *billd.Checkout {
	t.Helper()
	c, err := pf.svc.CreateCheckout(t.Context(), sys, billd.CheckoutRequest{OrgID: o.ID, BillingID: o.AccountID,
		SuccessURL: "https://app.example.com/done/{{.CheckoutID}}", Product: &billd.ProductPurchase{Product: "credits", Quantity: quantity}})
	if err != nil {
		t.Fatalf("create checkout: %v", err)
	}
	return c
}

// act posts one of the checkout page's buttons (pay, decline, cancel) with a card, as a browser
// does, and returns the response's status.
func (pf *payFixture) act(t *testing.T, checkoutID, action, card string) int {
	t.Helper()
	form := url.Values{"card_number": {card}, "card_expiry": {"12/40"}, "card_cvc": {"123"}, "card_name": {"Ada"}}
	r := httptest.NewRequest(http.MethodPost, "/checkout/"+checkoutID+"/"+action, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	pf.pages.ServeHTTP(w, r)
	return w.Code
}

// checkout reads a checkout as its organization's owner would.
func (pf *payFixture) checkout(t *testing.T, o org, id string) *billd.Checkout {
	t.Helper()
	c, err := pf.svc.GetCheckout(t.Context(), sys, o.ID, o.AccountID, id)
	if err != nil {
		t.Fatalf("get checkout: %v", err)
	}
	return c
}

func TestBuyCreditsThroughTheSandbox(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixture(t, s)
		o := pf.newOrg(t)
		c := pf.buy(t, o, 3)
		if c.State != billd.CheckoutOpen || c.Credits != 3*creditsPerUnit || c.Amount != 1500 || c.Currency != "usd" ||
			c.URL != "http://billd.test/checkout/"+c.ID || c.SuccessURL != "https://app.example.com/done/"+c.ID {
			t.Fatalf("new checkout = %+v", c)
		}
		if code := pf.act(t, c.ID, "pay", sandbox.CardSuccess); code != http.StatusSeeOther {
			t.Fatalf("pay: status %d", code)
		}
		pf.wantBalance(t, o, 3*creditsPerUnit)
		got := pf.checkout(t, o, c.ID)
		if got.State != billd.CheckoutComplete || got.PaymentStatus != billd.PaymentPaid || got.FulfilledAt == nil {
			t.Fatalf("paid checkout = %+v", got)
		}

		// The same webhook again, a poll, and a round of the jobs grant nothing more.
		payload := pf.lastEvent(t)
		must(t, pf.svc.ReceiveEvent(t.Context(), sandbox.Name, payload, signed(payload)))
		pf.checkout(t, o, c.ID)
		pf.svc.RunJobsOnce(t.Context(), 100)
		pf.wantBalance(t, o, 3*creditsPerUnit)
		methods, err := pf.svc.PaymentMethods(t.Context(), sys, o.ID, o.AccountID)
		must(t, err)
		if len(methods) != 1 || methods[0].CardLast4 != "4242" || !methods[0].Default || methods[0].ExpiryYear != 2040 {
			t.Fatalf("payment methods = %+v", methods)
		}
		pf.wantNoProblems(t)
	})
}

// Twenty deliveries of one completion event at once grant once; so do a webhook and a poll racing.
func TestFulfilmentIsExactlyOnceUnderRaces(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixture(t, s)
		pf.deliver = func(context.Context, []byte) error { return nil } // the provider's webhook is "late"

		o := pf.newOrg(t)
		c := pf.buy(t, o, 2)
		if code := pf.act(t, c.ID, "pay", sandbox.CardSuccess); code != http.StatusSeeOther {
			t.Fatalf("pay: status %d", code)
		}
		payload := pf.lastEvent(t)
		errs := race(20, func(int) error {
			return pf.svc.ReceiveEvent(context.Background(), sandbox.Name, payload, signed(payload))
		})
		for _, err := range errs {
			must(t, err)
		}
		pf.wantBalance(t, o, 2*creditsPerUnit)

		o2 := pf.newOrg(t)
		c2 := pf.buy(t, o2, 4)
		if code := pf.act(t, c2.ID, "pay", sandbox.CardSuccess); code != http.StatusSeeOther {
			t.Fatalf("pay: status %d", code)
		}
		payload = pf.lastEvent(t)
		errs = race(8, func(i int) error {
			if i%2 == 0 {
				return pf.svc.ReceiveEvent(context.Background(), sandbox.Name, payload, signed(payload))
			}
			_, err := pf.svc.GetCheckout(context.Background(), sys, o2.ID, "", c2.ID) // polls the provider
			return err
		})
		for _, err := range errs {
			must(t, err)
		}
		pf.wantBalance(t, o2, 4*creditsPerUnit)
		if got := pf.checkout(t, o2, c2.ID); got.State != billd.CheckoutComplete {
			t.Fatalf("checkout after the race = %+v", got)
		}
		pf.wantNoProblems(t)
	})
}

// A declined card leaves the checkout open with the reason, and grants nothing; paying then works.
func TestDeclinedPaymentGrantsNothing(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixture(t, s)
		o := pf.newOrg(t)
		c := pf.buy(t, o, 1)
		pf.act(t, c.ID, "decline", "")
		got := pf.checkout(t, o, c.ID)
		if got.State != billd.CheckoutOpen || got.PaymentError != sandbox.ReasonDeclined || got.FulfilledAt != nil {
			t.Fatalf("declined checkout = %+v", got)
		}
		pf.wantBalance(t, o, 0)
		pf.act(t, c.ID, "cancel", "")
		if got := pf.checkout(t, o, c.ID); got.State != billd.CheckoutExpired {
			t.Fatalf("cancelled checkout = %+v", got)
		}
		if code := pf.act(t, c.ID, "pay", sandbox.CardSuccess); code != http.StatusConflict {
			t.Fatalf("paying a cancelled checkout: status %d, want 409", code)
		}
		pf.wantBalance(t, o, 0)
	})
}

func TestCheckoutBadInput(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixture(t, s)
		ctx := t.Context()
		o, other := pf.newOrg(t), pf.newOrg(t)
		_, _, err := pf.svc.UpdatePlan(ctx, sys, "pro", billd.PlanUpdate{State: billd.CatalogInactive})
		must(t, err)
		_, _, err = pf.svc.PutPlan(ctx, sys, billd.PlanInput{Name: "team", Interval: "month",
			Products: []billd.PlanProductInput{{Ref: "pro-seat"}}})
		must(t, err)
		req := func(mod func(*billd.CheckoutRequest)) error {
			r := billd.CheckoutRequest{OrgID: o.ID, BillingID: o.AccountID}
			mod(&r)
			_, err := pf.svc.CreateCheckout(ctx, sys, r)
			return err
		}
		product := func(name string, q int64) func(*billd.CheckoutRequest) {
			return func(r *billd.CheckoutRequest) { r.Product = &billd.ProductPurchase{Product: name, Quantity: q} }
		}
		plan := func(name string) func(*billd.CheckoutRequest) {
			return func(r *billd.CheckoutRequest) { r.Subscription = &billd.PlanPurchase{Plan: name} }
		}
		wantCode(t, req(func(*billd.CheckoutRequest) {}), billd.EINVALID, "a checkout needs a product_body, a subscription_body or a setup_body")
		wantCode(t, req(product("nope", 1)), billd.ENOTFOUND, "product not found")
		wantCode(t, req(product("support", 1)), billd.EINVALID)
		wantCode(t, req(product("credits", 51)), billd.EINVALID, "quantity must be between 1 and 50, got 51")
		wantCode(t, req(product("credits", -1)), billd.EINVALID)
		wantCode(t, req(plan("nope")), billd.ENOTFOUND, "plan not found")
		wantCode(t, req(plan("pro")), billd.EPRECONDITION, "plan pro is not active")
		wantCode(t, req(func(r *billd.CheckoutRequest) {
			r.Product = &billd.ProductPurchase{Product: "credits"}
			r.SuccessURL = "javascript:alert(1)"
		}),
			billd.EINVALID, "success_url must be an absolute http or https URL")

		_, err = pf.svc.DelegatedCheckout(ctx, sys, billd.DelegatedCheckoutRequest{OrgID: o.ID, BillingID: o.AccountID,
			Subscription: &billd.PlanPurchase{Plan: "team"}})
		must(t, err)
		wantCode(t, req(plan("team")), billd.ECONFLICT, "already subscribed to plan team")

		// Another organization's checkout is not found, by its owner or under another account.
		c := pf.buy(t, o, 1)
		owner := billd.Principal{ClientID: "owner", OrgID: other.ID, Role: billd.RoleOwner}
		_, err = pf.svc.GetCheckout(ctx, owner, other.ID, "", c.ID)
		wantCode(t, err, billd.ENOTFOUND, "checkout not found")
		_, err = pf.svc.GetCheckout(ctx, sys, o.ID, other.AccountID, c.ID)
		wantCode(t, err, billd.ENOTFOUND, "checkout not found")
		_, err = pf.svc.GetCheckout(ctx, owner, o.ID, "", c.ID)
		wantCode(t, err, billd.EFORBIDDEN)

		// A forged or unsigned event is refused.
		payload := []byte(`{"id":"evt_x","type":"checkout.completed","data":{}}`)
		wantCode(t, pf.svc.ReceiveEvent(ctx, sandbox.Name, payload, nil), billd.EINVALID)
		wantCode(t, pf.svc.ReceiveEvent(ctx, "paypal", payload, signed(payload)), billd.ENOTFOUND)
	})
}

// A delegated checkout grants once per request: a retry is answered as the first call was.
func TestDelegatedCheckoutIsIdempotent(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixture(t, s)
		ctx := t.Context()
		o := pf.newOrg(t)
		r := billd.DelegatedCheckoutRequest{OrgID: o.ID, BillingID: o.AccountID, Product: &billd.ProductPurchase{Product: "credits", Quantity: 2}}
		for range 3 {
			_, err := pf.svc.DelegatedCheckout(ctx, sys, r)
			must(t, err)
		}
		pf.wantBalance(t, o, 2*creditsPerUnit)
		r.IdempotencyKey = "second grant"
		_, err := pf.svc.DelegatedCheckout(ctx, sys, r)
		must(t, err)
		pf.wantBalance(t, o, 4*creditsPerUnit)

		plan := billd.DelegatedCheckoutRequest{OrgID: o.ID, BillingID: o.AccountID, Subscription: &billd.PlanPurchase{Plan: "pro"}}
		first, err := pf.svc.DelegatedCheckout(ctx, sys, plan)
		must(t, err)
		again, err := pf.svc.DelegatedCheckout(ctx, sys, plan)
		must(t, err)
		if first.Subscription.ID != again.Subscription.ID || first.Subscription.State != billd.SubscriptionActive {
			t.Fatalf("delegated subscriptions %+v and %+v", first.Subscription, again.Subscription)
		}
		pf.wantBalance(t, o, 4*creditsPerUnit+planStarter) // on-start credits once
		owner := billd.Principal{ClientID: "owner", OrgID: o.ID, Role: billd.RoleOwner}
		_, err = pf.svc.DelegatedCheckout(ctx, owner, r)
		wantCode(t, err, billd.EFORBIDDEN)
	})
}

// A subscription checkout, paid, makes one subscription and grants the plan's on-start credits
// once; a setup checkout saves the card as the default.
func TestSubscriptionAndSetupCheckouts(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixture(t, s)
		ctx := t.Context()
		o := pf.newOrg(t)
		c, err := pf.svc.CreateCheckout(ctx, sys, billd.CheckoutRequest{OrgID: o.ID, BillingID: o.AccountID,
			Subscription: &billd.PlanPurchase{Plan: "pro"}})
		must(t, err)
		if c.Kind != billd.CheckoutSubscription || c.Amount != 2000 {
			t.Fatalf("subscription checkout = %+v", c)
		}
		pf.act(t, c.ID, "pay", sandbox.CardSuccess)
		got := pf.checkout(t, o, c.ID)
		if got.State != billd.CheckoutComplete || got.SubscriptionID == "" {
			t.Fatalf("paid subscription checkout = %+v", got)
		}
		pf.wantBalance(t, o, planStarter)
		payload := pf.lastEvent(t)
		must(t, pf.svc.ReceiveEvent(ctx, sandbox.Name, payload, signed(payload)))
		pf.wantBalance(t, o, planStarter)
		_, err = pf.svc.CreateCheckout(ctx, sys, billd.CheckoutRequest{OrgID: o.ID, BillingID: o.AccountID,
			Subscription: &billd.PlanPurchase{Plan: "pro"}})
		wantCode(t, err, billd.ECONFLICT)

		setup, err := pf.svc.CreateCheckout(ctx, sys, billd.CheckoutRequest{OrgID: o.ID, BillingID: o.AccountID,
			Setup: &billd.SetupRequest{PaymentMethod: true}})
		must(t, err)
		pf.act(t, setup.ID, "pay", "5555 5555 5555 4444")
		methods, err := pf.svc.PaymentMethods(ctx, sys, o.ID, o.AccountID)
		must(t, err)
		defaults := 0
		for _, m := range methods {
			if m.Default {
				defaults++
				if m.CardLast4 != "4444" {
					t.Errorf("the default method is %+v, want the card set up last", m)
				}
			}
		}
		if len(methods) != 2 || defaults != 1 {
			t.Fatalf("payment methods = %+v", methods)
		}
	})
}

// An open checkout expires after 24 hours: the checkouts job closes it here and at the provider,
// and it can no longer be paid.
func TestCheckoutsExpire(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixture(t, s)
		o := pf.newOrg(t)
		c := pf.buy(t, o, 1)
		pf.svc.RunJobsOnce(t.Context(), 100)
		if got := pf.checkout(t, o, c.ID); got.State != billd.CheckoutOpen {
			t.Fatalf("checkout within its day = %+v", got)
		}
		pf.advance(billd.CheckoutValidity + time.Minute)
		pf.svc.RunJobsOnce(t.Context(), 100)
		if got := pf.checkout(t, o, c.ID); got.State != billd.CheckoutExpired {
			t.Fatalf("checkout after its day = %+v", got)
		}
		if code := pf.act(t, c.ID, "pay", sandbox.CardSuccess); code != http.StatusConflict {
			t.Fatalf("paying an expired checkout: status %d, want 409", code)
		}
		pf.wantBalance(t, o, 0)
	})
}

// An event whose processing fails is acknowledged (it is stored) and kept; the jobs finish the
// fulfilment (the events job retries the event after its backoff; the checkouts job polls the
// provider). Here processing fails after the credits were granted and before the checkout was
// marked fulfilled (saving the card fails), as a crash there would: the jobs mark it and grant
// nothing twice.
func TestFailedEventsAreRetried(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		store := &flakyStore{Store: s.DB}
		pf := newPayFixtureConfig(t, s, billd.Config{Store: store}, nil)
		o := pf.newOrg(t)
		c := pf.buy(t, o, 2)
		store.fail.Store(true)
		if code := pf.act(t, c.ID, "pay", sandbox.CardSuccess); code != http.StatusSeeOther {
			t.Fatalf("pay: status %d", code)
		}
		store.fail.Store(false)
		pf.wantBalance(t, o, 2*creditsPerUnit)
		if got := pf.storedCheckout(t, o, c.ID); got.FulfilledAt != nil {
			t.Fatalf("checkout whose fulfilment failed = %+v", got)
		}
		pf.advance(3 * time.Second)          // past the event's first backoff
		pf.svc.RunJobsOnce(t.Context(), 100) // the events job retries it, the checkouts job polls
		if got := pf.storedCheckout(t, o, c.ID); got.FulfilledAt == nil || got.State != billd.CheckoutComplete {
			t.Fatalf("checkout after the retry = %+v", got)
		}
		pf.wantBalance(t, o, 2*creditsPerUnit)
		methods, err := pf.svc.PaymentMethods(t.Context(), sys, o.ID, o.AccountID)
		must(t, err)
		if len(methods) != 1 {
			t.Fatalf("payment methods after the retry = %+v", methods)
		}
	})
}

// storedCheckout reads a checkout without syncing it with the provider: ListCheckouts.
func (pf *payFixture) storedCheckout(t *testing.T, o org, id string) *billd.Checkout {
	t.Helper()
	page, err := pf.svc.ListCheckouts(t.Context(), sys, o.ID, o.AccountID, billd.PageRequest{})
	must(t, err)
	for _, c := range page.Items {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("checkout %s is not listed", id)
	return nil
}

// flakyStore is a store whose saves of payment methods fail while fail is set.
type flakyStore struct {
	billd.Store
	fail atomic.Bool
}

func (s *flakyStore) Update(ctx context.Context, fn func(billd.Tx) error) error {
	return s.Store.Update(ctx, func(tx billd.Tx) error { return fn(flakyTx{tx, s}) })
}

type flakyTx struct {
	billd.Tx
	s *flakyStore
}

func (t flakyTx) PutPaymentMethod(ctx context.Context, m *billd.PaymentMethod) error {
	if t.s.fail.Load() {
		return errors.New("payment methods are unavailable")
	}
	return t.Tx.PutPaymentMethod(ctx, m)
}

// A disabled organization or account cannot open a checkout.
func TestCheckoutNeedsAnEnabledOrganizationAndAccount(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		pf := newPayFixture(t, s)
		ctx := t.Context()
		o := pf.newOrg(t)
		open := func() error {
			_, err := pf.svc.CreateCheckout(ctx, sys, billd.CheckoutRequest{OrgID: o.ID, BillingID: o.AccountID,
				Product: &billd.ProductPurchase{Product: "credits", Quantity: 1}})
			return err
		}
		must(t, pf.svc.SetOrganizationState(ctx, sys, o.ID, billd.OrgDisabled))
		wantCode(t, open(), billd.EPRECONDITION, "organization is disabled")
		must(t, pf.svc.SetOrganizationState(ctx, sys, o.ID, billd.OrgEnabled))
		must(t, pf.svc.SetBillingAccountState(ctx, sys, o.ID, o.AccountID, billd.AccountDisabled))
		wantCode(t, open(), billd.EPRECONDITION, "billing account is disabled")
		must(t, pf.svc.SetBillingAccountState(ctx, sys, o.ID, o.AccountID, billd.AccountActive))
		must(t, open())
	})
}
