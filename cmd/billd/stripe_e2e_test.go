package main

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/stripe/stripetest"
)

// The purchase, subscription and setup flows with --provider stripe, over billd's REST API, against
// stripe-mock. billd runs in process (serveWith) with its Stripe API base pointed at a recording
// proxy in front of stripe-mock (stripetest.Proxy). stripe-mock is stateless and makes up new ids
// on each create, so the test learns the customer and session ids billd got from the proxy's
// record, checks there what billd sent, and plays Stripe's memory: once a session is "paid", the
// proxy answers billd's reads of it with the session as Stripe would then hold it. The webhook
// events are built as Stripe delivers them (the session's intents and subscription by id only)
// and signed as Stripe signs them. The test is skipped when stripe-mock is not installed, unless
// BILLD_REQUIRE_STRIPE_MOCK=1.

// The Stripe settings of the test's billd: its webhook endpoint's secret is being rolled, from
// stripeOldSecret to stripeNewSecret, so deliveries signed with either verify.
const (
	stripeKey       = "sk_test_123"
	stripeOldSecret = "whsec_a"
	stripeNewSecret = "whsec_b"
	stripeHookPath  = "/billing/webhooks/callback/stripe"
)

// TestStripeEndToEnd runs the flows on one organization's account, one after the other, on each
// store: a purchase of credits, a subscription to a plan with on-start credits, and the setup of a
// card, each paid by a Stripe event that billd must verify, apply once and read the card of.
func TestStripeEndToEnd(t *testing.T) {
	mock := stripetest.Need(t)
	proxy := stripetest.NewProxy(t, mock.URL)
	env := maps.Clone(adminEnv)
	env["BILLD_STRIPE_KEY"] = stripeKey
	env["BILLD_STRIPE_WEBHOOK_SECRETS"] = stripeOldSecret + "," + stripeNewSecret
	env["BILLD_STRIPE_API_BASE"] = proxy.URL
	// The background jobs would poll open checkouts; an hour apart they leave the webhook to do it.
	flags := []string{"--provider", "stripe", "--jobs-every", "1h"}
	eachStoreWith(t, env, flags, func(t *testing.T, s *server) {
		f := &stripeFlows{proxy: proxy, w: newCheckoutWorld(t, s)}
		for _, flow := range []struct {
			name string
			run  func(t *testing.T, s *server)
		}{{"purchase", f.purchase}, {"subscription", f.subscription}, {"setup", f.setup}} {
			if !t.Run(flow.name, func(t *testing.T) { flow.run(t, s.forTest(t)) }) {
				return // the next flows build on this one
			}
		}
	})
}

// stripeFlows are the flows on one world, and the cards its account has saved so far, oldest
// first.
type stripeFlows struct {
	proxy *stripetest.Proxy
	w     *checkoutWorld
	cards []stripeCard
}

// purchase buys 3 units (10 credits each, 1.00 USD a unit): deliveries that do not verify change
// nothing; the signed event grants the credits once however often it comes, completes the checkout
// and saves the card it was paid with, the account's first and so its default.
func (f *stripeFlows) purchase(t *testing.T, s *server) {
	c := f.open(t, s, map[string]any{"product_body": map[string]any{"product": f.w.credits, "quantity": 3}})
	product := obj(t, s.ok(req{method: "GET", path: "/v1beta1/billing/products/" + f.w.credits}), "product")
	c.wantForm(t, map[string]string{
		"mode":                                                          "payment",
		"line_items[0][quantity]":                                       "3",
		"line_items[0][price_data][currency]":                           "usd",
		"line_items[0][price_data][unit_amount]":                        "100",
		"line_items[0][price_data][product_data][name]":                 f.w.credits,
		"line_items[0][price_data][product_data][metadata][product_id]": str(t, product, "id"),
		"payment_intent_data[metadata][checkout_id]":                    c.id,
		"payment_intent_data[setup_future_usage]":                       "off_session",
	}, "line_items[1][quantity]", "subscription_data[metadata][checkout_id]", "setup_intent_data[metadata][checkout_id]")

	intent := "pi_e2e_" + billd.NewUUID()[:8]
	paid := c.session("payment", "paid", map[string]any{"payment_intent": intent})
	event := stripeEvent("checkout.session.completed", paid)
	anonymous := creds{}
	for _, bad := range []struct {
		name, signature string
	}{
		{"signed with an unknown secret", stripetest.Sign(event, "whsec_c", time.Now())},
		{"signed too long ago", stripetest.Sign(event, stripeNewSecret, time.Now().Add(-10*time.Minute))},
		{"signature of another payload", stripetest.Sign(stripeEvent("checkout.session.completed", paid), stripeNewSecret, time.Now())},
		{"unsigned", ""},
	} {
		header := map[string]string{"Stripe-Signature": bad.signature}
		if resp := s.do(req{method: "POST", path: stripeHookPath, as: &anonymous, body: string(event), header: header}); resp.status != http.StatusBadRequest {
			t.Errorf("a delivery %s: %d %s, want 400", bad.name, resp.status, resp.raw)
		} else {
			checkErrorBody(t, resp, 3, "signature")
		}
	}
	if got := f.w.balance(t, s); got != 0 {
		t.Fatalf("balance %d after deliveries that do not verify, want 0", got)
	}
	if got := f.checkout(t, s, c.id); got["state"] != "open" || got["payment_status"] != "unpaid" {
		t.Fatalf("the checkout after deliveries that do not verify: %v, want open and unpaid", got)
	}

	card := newStripeCard("visa", "4242", 12, 2034)
	c.pay(f.proxy, paid, map[string]any{"payment_intent": map[string]any{"id": intent, "object": "payment_intent",
		"status": "succeeded", "customer": c.customer, "payment_method": card.object(c.customer)}})
	for range 2 { // Stripe delivers an event at least once
		f.deliver(t, s, event, stripeNewSecret)
		if got := f.w.balance(t, s); got != 3*10 {
			t.Errorf("balance %d after the purchase of 3 × 10 credits was delivered, want 30", got)
		}
	}
	if got := f.checkout(t, s, c.id); got["state"] != "complete" || got["payment_status"] != "paid" || got["payment_error"] != "" {
		t.Errorf("the paid checkout: %v", got)
	}
	f.cards = append(f.cards, card)
	f.wantCards(t, s, 0)
}

// subscription subscribes to the world's plan (a basic product at 9.00 USD a month, 50 on-start
// credits): the session is a subscription's that carries billd's checkout and subscription ids to
// the subscription; the signed event, delivered twice and followed by another event of the same
// session signed with the old secret, completes it and grants the on-start credits once. The card
// is saved, not the default: the account has one.
func (f *stripeFlows) subscription(t *testing.T, s *server) {
	before := f.w.balance(t, s)
	c := f.open(t, s, map[string]any{"subscription_body": map[string]any{"plan": f.w.plan}})
	c.wantForm(t, map[string]string{
		"mode":                                           "subscription",
		"line_items[0][quantity]":                        "1",
		"line_items[0][price_data][currency]":            "usd",
		"line_items[0][price_data][unit_amount]":         "900",
		"line_items[0][price_data][recurring][interval]": "month",
		"subscription_data[metadata][checkout_id]":       c.id,
	}, "line_items[1][quantity]", "payment_intent_data[metadata][checkout_id]", "subscription_data[trial_period_days]")
	subscriptionID := c.form.Get("subscription_data[metadata][subscription_id]")
	if !billd.IsUUID(subscriptionID) {
		t.Fatalf("subscription_data[metadata][subscription_id] = %q, want billd's subscription id", subscriptionID)
	}

	stripeSub := "sub_e2e_" + billd.NewUUID()[:8]
	card := newStripeCard("mastercard", "4444", 3, 2031)
	paid := c.session("subscription", "paid", map[string]any{"subscription": stripeSub})
	c.pay(f.proxy, paid, map[string]any{"subscription": map[string]any{"id": stripeSub, "object": "subscription",
		"status": "active", "customer": c.customer, "metadata": map[string]any{"checkout_id": c.id, "subscription_id": subscriptionID},
		"default_payment_method": card.object(c.customer)}})
	event := stripeEvent("checkout.session.completed", paid)
	for _, delivery := range []struct {
		payload []byte
		secret  string
	}{{event, stripeNewSecret}, {event, stripeNewSecret}, {stripeEvent("checkout.session.async_payment_succeeded", paid), stripeOldSecret}} {
		f.deliver(t, s, delivery.payload, delivery.secret)
		if got := f.w.balance(t, s); got != before+50 {
			t.Errorf("balance %d after the subscription's events, want %d + 50 on-start credits", got, before)
		}
	}
	if got := f.checkout(t, s, c.id); got["state"] != "complete" || got["payment_status"] != "paid" {
		t.Errorf("the subscription's checkout: %v", got)
	}
	f.cards = append(f.cards, card)
	f.wantCards(t, s, 0)

	listed := s.ok(req{method: "GET", path: "/v1beta1/organizations/" + f.w.orgID + "/billing/subscriptions"})
	plan := obj(t, s.ok(req{method: "GET", path: "/v1beta1/billing/plans/" + f.w.plan}), "plan")
	subs, _ := listed["subscriptions"].([]any)
	if len(subs) != 1 {
		t.Fatalf("subscriptions %v, want the one", listed)
	}
	sub, _ := subs[0].(map[string]any)
	for k, want := range map[string]any{"id": subscriptionID, "provider_id": stripeSub, "customer_id": f.w.accountID,
		"plan_id": str(t, plan, "id"), "state": "active"} {
		if sub[k] != want {
			t.Errorf("subscription %s = %v, want %v", k, sub[k], want)
		}
	}
}

// setup saves a card: the session is a setup's in the account's currency and sells nothing; the
// signed event, whose session names its setup intent by id, completes it, and billd reads the card
// from Stripe and makes it the account's default.
func (f *stripeFlows) setup(t *testing.T, s *server) {
	before := f.w.balance(t, s)
	c := f.open(t, s, map[string]any{"setup_body": map[string]any{"payment_method": true}})
	c.wantForm(t, map[string]string{
		"mode":     "setup",
		"currency": "usd",
		"setup_intent_data[metadata][checkout_id]": c.id,
	}, "line_items[0][quantity]", "payment_intent_data[metadata][checkout_id]", "subscription_data[metadata][checkout_id]")

	intent := "seti_e2e_" + billd.NewUUID()[:8]
	card := newStripeCard("amex", "0005", 7, 2032)
	paid := c.session("setup", "no_payment_required", map[string]any{"setup_intent": intent})
	c.pay(f.proxy, paid, map[string]any{"setup_intent": map[string]any{"id": intent, "object": "setup_intent",
		"status": "succeeded", "customer": c.customer, "payment_method": card.object(c.customer)}})
	f.deliver(t, s, stripeEvent("checkout.session.completed", paid), stripeNewSecret)
	if got := f.checkout(t, s, c.id); got["state"] != "complete" {
		t.Errorf("the setup checkout: %v", got)
	}
	f.cards = append(f.cards, card)
	f.wantCards(t, s, 2)
	if got := f.w.balance(t, s); got != before {
		t.Errorf("balance %d after a setup, want %d", got, before)
	}
}

// stripeCheckout is a checkout billd opened with a Stripe Checkout Session, as the proxy saw it.
type stripeCheckout struct {
	id        string     // billd's
	sessionID string     // Stripe's, which stripe-mock made up
	customer  string     // the account's Stripe customer
	form      url.Values // what billd created the session with
}

// open opens a checkout of body on the world's account as its owner over REST, and returns it
// with the session billd created for it. It checks the session's common fields, and that billd
// answered with the session's URL and created it for the account's customer.
func (f *stripeFlows) open(t *testing.T, s *server, body map[string]any) *stripeCheckout {
	t.Helper()
	body["success_url"], body["cancel_url"] = "https://app.acme.test/paid", "https://app.acme.test/cancelled"
	created := obj(t, s.ok(req{method: "POST", path: f.w.account("/checkouts"), as: &f.w.owner, body: body}), "checkout_session")
	c := &stripeCheckout{id: str(t, created, "id")}
	sent := f.proxy.Find(t, "POST", "/v1/checkout/sessions", map[string]string{"client_reference_id": c.id})
	var session struct{ ID, URL string }
	if err := json.Unmarshal(sent.Body, &session); err != nil || sent.Status != http.StatusOK || session.ID == "" || session.URL == "" {
		t.Fatalf("stripe-mock's answer to the session's creation: %d %s (%v)", sent.Status, sent.Body, err)
	}
	c.sessionID, c.form = session.ID, sent.Form
	if created["checkout_url"] != session.URL || created["state"] != "open" {
		t.Errorf("the new checkout: %v, want open with the session's URL %s", created, session.URL)
	}
	customer := f.proxy.Find(t, "POST", "/v1/customers", map[string]string{"metadata[billing_account_id]": f.w.accountID})
	var cus map[string]any
	if err := json.Unmarshal(customer.Body, &cus); err != nil || customer.Status != http.StatusOK {
		t.Fatalf("stripe-mock's answer to the customer's creation: %d %s (%v)", customer.Status, customer.Body, err)
	}
	c.customer = str(t, cus, "id")
	c.wantForm(t, map[string]string{"client_reference_id": c.id, "metadata[checkout_id]": c.id, "customer": c.customer,
		"success_url": "https://app.acme.test/paid", "cancel_url": "https://app.acme.test/cancelled"})
	return c
}

// wantForm checks fields of the form the session was created with, and that it leaves out the
// fields absent.
func (c *stripeCheckout) wantForm(t *testing.T, want map[string]string, absent ...string) {
	t.Helper()
	for k, v := range want {
		if got := c.form[k]; len(got) != 1 || got[0] != v {
			t.Errorf("the session was created with %s = %q, want %q", k, got, v)
		}
	}
	for _, k := range absent {
		if got, ok := c.form[k]; ok {
			t.Errorf("the session was created with %s = %q, want it left out", k, got)
		}
	}
}

// session is the completed session as a Stripe event carries it: its intents and subscription by
// id (refs), none of them expanded.
func (c *stripeCheckout) session(mode, paymentStatus string, refs map[string]any) map[string]any {
	s := map[string]any{"id": c.sessionID, "object": "checkout.session", "mode": mode, "status": "complete",
		"payment_status": paymentStatus, "client_reference_id": c.id, "metadata": map[string]any{"checkout_id": c.id},
		"customer": c.customer, "url": nil, "payment_intent": nil, "setup_intent": nil, "subscription": nil}
	maps.Copy(s, refs)
	return s
}

// pay makes the proxy answer billd's reads of the session as Stripe does once it is paid:
// stripe-mock's fixture of a session with the fields of paid, and of expanded (the intent or
// subscription, with the payment method, that billd asks Stripe to expand).
func (c *stripeCheckout) pay(proxy *stripetest.Proxy, paid, expanded map[string]any) {
	proxy.Rewrite("GET", "/v1/checkout/sessions/"+c.sessionID, func(status int, body []byte) (int, []byte) {
		var fixture map[string]any
		if status != http.StatusOK || json.Unmarshal(body, &fixture) != nil {
			return status, body
		}
		maps.Copy(fixture, paid)
		maps.Copy(fixture, expanded)
		out, err := json.Marshal(fixture)
		if err != nil {
			return http.StatusInternalServerError, body
		}
		return status, out
	})
}

// stripeEvent is a Stripe event of type typ about object, with a fresh id.
func stripeEvent(typ string, object map[string]any) []byte {
	ev, err := json.Marshal(map[string]any{"id": "evt_e2e_" + billd.NewUUID()[:12], "object": "event",
		"api_version": "2025-09-30.clover", "created": time.Now().Unix(), "livemode": false, "pending_webhooks": 1,
		"type": typ, "data": map[string]any{"object": object}})
	if err != nil {
		panic(err)
	}
	return ev
}

// deliver posts a webhook event signed now with secret, as Stripe does, and checks it is
// acknowledged.
func (f *stripeFlows) deliver(t *testing.T, s *server, event []byte, secret string) {
	t.Helper()
	anonymous := creds{}
	res := s.ok(req{method: "POST", path: stripeHookPath, as: &anonymous, body: string(event),
		header: map[string]string{"Stripe-Signature": stripetest.Sign(event, secret, time.Now())}})
	if len(res) != 0 {
		t.Errorf("the delivery was answered %v, want {}", res)
	}
}

// checkout reads a checkout of the world's account as its owner.
func (f *stripeFlows) checkout(t *testing.T, s *server, id string) map[string]any {
	t.Helper()
	return obj(t, s.ok(req{method: "GET", path: f.w.account("/checkouts/" + id), as: &f.w.owner}), "checkout_session")
}

// wantCards checks that the account's payment methods are the flows' cards, oldest first, the one
// at index def the default.
func (f *stripeFlows) wantCards(t *testing.T, s *server, def int) {
	t.Helper()
	methods, _ := s.ok(req{method: "GET", path: f.w.account("?with_payment_methods=true"), as: &f.w.owner})["payment_methods"].([]any)
	if len(methods) != len(f.cards) {
		t.Fatalf("payment methods %v, want the %d cards paid with", methods, len(f.cards))
	}
	for i, card := range f.cards {
		m, _ := methods[i].(map[string]any)
		want := map[string]any{"provider_id": card.id, "customer_id": f.w.accountID, "type": "card", "card_brand": card.brand,
			"card_last4": card.last4, "card_expiry_month": strconv.Itoa(card.expMonth), "card_expiry_year": strconv.Itoa(card.expYear),
			"is_default": i == def}
		for k, v := range want {
			if m[k] != v {
				t.Errorf("payment method %d: %s = %v, want %v (%v)", i, k, m[k], v, m)
			}
		}
	}
}

// stripeCard is a card payment method as Stripe holds it.
type stripeCard struct {
	id, brand, last4  string
	expMonth, expYear int
}

func newStripeCard(brand, last4 string, expMonth, expYear int) stripeCard {
	return stripeCard{id: "pm_e2e_" + billd.NewUUID()[:8], brand: brand, last4: last4, expMonth: expMonth, expYear: expYear}
}

// object is the card as a Stripe payment_method object attached to customer.
func (c stripeCard) object(customer string) map[string]any {
	return map[string]any{"id": c.id, "object": "payment_method", "type": "card", "customer": customer,
		"created": time.Now().Unix(), "livemode": false,
		"card": map[string]any{"brand": c.brand, "last4": c.last4, "exp_month": c.expMonth, "exp_year": c.expYear}}
}
