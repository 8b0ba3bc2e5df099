package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
	"google.golang.org/protobuf/proto"
)

// Checkouts, delegated checkouts and the payment provider's webhook: their RPCs over every
// transport (as rpcCases) and their REST paths in detail. They run against the server's default
// provider, the sandbox, whose webhook secret the harness gives the server (sandboxSecret).

// sandboxSecret signs the sandbox's webhook events in the tests; serve takes it from
// BILLD_SANDBOX_SECRET (adminEnv).
const sandboxSecret = "e2e-sandbox-webhook-secret-0123456789"

// sandboxSignatureHeader is the header that carries a sandbox event's signature.
const sandboxSignatureHeader = "Billd-Sandbox-Signature"

// signSandbox returns the signature header value of payload, signed now with sandboxSecret as the
// sandbox signs its events: "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>">".
func signSandbox(payload []byte) string {
	t := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(sandboxSecret))
	mac.Write([]byte(t + "."))
	mac.Write(payload)
	return "t=" + t + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// ignoredEvent is a sandbox event of a type billd does not act on: acknowledged, not recorded.
func ignoredEvent() []byte {
	return []byte(`{"id":"evt_sbx_e2e_` + billd.NewUUID()[:8] + `","type":"customer.updated","created":` +
		strconv.FormatInt(time.Now().Unix(), 10) + `,"data":{}}`)
}

// signed is the header of a webhook call whose body is signed with the sandbox's secret.
func signed(_ *testing.T, msg proto.Message) map[string]string {
	return map[string]string{sandboxSignatureHeader: signSandbox(msg.(*fv1.BillingWebhookCallbackRequest).GetBody())}
}

// Catalog objects of the RPC cases, made idempotently (creates are upserts by name).
const (
	rpcCheckoutProduct = "rpc-checkout-credits"
	rpcCheckoutPlan    = "rpc-checkout-plan"
)

// checkoutCatalog makes the cases' credits product and plan.
func (f *rpcFixture) checkoutCatalog(t *testing.T) {
	t.Helper()
	f.s.ok(req{method: "POST", path: "/v1beta1/billing/products", body: map[string]any{"body": map[string]any{
		"name": rpcCheckoutProduct, "title": "Credits", "behavior": "credits",
		"behavior_config": map[string]any{"credit_amount": 10, "min_quantity": 1, "max_quantity": 100},
		"prices":          []any{map[string]any{"name": "default", "currency": "usd", "amount": 100}}}}})
	f.s.ok(req{method: "POST", path: "/v1beta1/billing/plans", body: map[string]any{"body": map[string]any{
		"name": rpcCheckoutPlan, "title": "Checkout plan", "interval": "month", "on_start_credits": 5,
		"products": []any{map[string]any{"name": rpcCheckoutProduct}}}}})
}

// newCheckout opens a checkout of 3 units of the cases' product on w's account over REST and
// returns its id.
func (f *rpcFixture) newCheckout(t *testing.T) string {
	t.Helper()
	f.checkoutCatalog(t)
	res := f.s.ok(req{method: "POST", path: f.w.account("/checkouts"), body: map[string]any{
		"success_url": "https://app.acme.test/paid", "product_body": map[string]any{"product": rpcCheckoutProduct, "quantity": 3}}})
	return str(t, obj(t, res, "checkout_session"), "id")
}

var rpcCheckoutCases = []rpcCase{
	{proc: fc.FrontierServiceCreateCheckoutProcedure, clear: []string{"id", "checkout_url"}, stamps: true,
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			f.checkoutCatalog(t)
			return &fv1.CreateCheckoutRequest{OrgId: f.w.orgID, BillingId: f.w.accountID, SuccessUrl: "https://app.acme.test/paid",
				CancelUrl: "https://app.acme.test/cancelled", ProductBody: &fv1.CheckoutProductBody{Product: rpcCheckoutProduct, Quantity: 3}}, nil
		}},
	{proc: fc.FrontierServiceGetCheckoutProcedure, clear: []string{"checkout_url"}, stamps: true,
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			id := f.newCheckout(t)
			return &fv1.GetCheckoutRequest{OrgId: f.w.orgID, BillingId: f.w.accountID, Id: id}, []string{id}
		}},
	// The cases above opened checkouts on w's account; these make none.
	{proc: fc.FrontierServiceListCheckoutsProcedure, stamps: true, req: same(func(f *rpcFixture) proto.Message {
		return &fv1.ListCheckoutsRequest{OrgId: f.w.orgID, BillingId: f.w.accountID, PageSize: 3}
	})},
	{proc: fc.AdminServiceDelegatedCheckoutProcedure, stamps: true, req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
		f.checkoutCatalog(t)
		org, account := f.freshAccount(t)
		return &fv1.DelegatedCheckoutRequest{OrgId: org, BillingId: account,
			ProductBody: &fv1.CheckoutProductBody{Product: rpcCheckoutProduct, Quantity: 2}}, []string{org, account}
	}},
	{name: "DelegatedCheckout of a plan", proc: fc.AdminServiceDelegatedCheckoutProcedure, clear: []string{"id"}, stamps: true,
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			f.checkoutCatalog(t)
			org, account := f.freshAccount(t)
			return &fv1.DelegatedCheckoutRequest{OrgId: org, BillingId: account, IdempotencyKey: "rpc",
				SubscriptionBody: &fv1.CheckoutSubscriptionBody{Plan: rpcCheckoutPlan}}, []string{org, account}
		}},
	{proc: fc.FrontierServiceBillingWebhookCallbackProcedure, as: func(*rpcFixture) creds { return creds{} }, header: signed,
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.BillingWebhookCallbackRequest{Provider: "sandbox", Body: ignoredEvent()}
		})},
}

var rpcCheckoutErrorCases = []rpcCase{
	{name: "checkout of an unknown product", proc: fc.FrontierServiceCreateCheckoutProcedure, code: connect.CodeNotFound, msg: "product",
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.CreateCheckoutRequest{OrgId: f.w.orgID, BillingId: f.w.accountID, ProductBody: &fv1.CheckoutProductBody{Product: "no-such-product"}}
		})},
	{name: "checkout of nothing", proc: fc.FrontierServiceCreateCheckoutProcedure, code: connect.CodeInvalidArgument, msg: "needs a product_body",
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.CreateCheckoutRequest{OrgId: f.w.orgID, BillingId: f.w.accountID}
		})},
	{name: "member opens a checkout", proc: fc.FrontierServiceCreateCheckoutProcedure, as: asMember, code: connect.CodePermissionDenied,
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.CreateCheckoutRequest{OrgId: f.w.orgID, BillingId: f.w.accountID, ProductBody: &fv1.CheckoutProductBody{Product: rpcCheckoutProduct}}
		})},
	{name: "checkout of another organization", proc: fc.FrontierServiceGetCheckoutProcedure, code: connect.CodeNotFound, msg: "checkout not found",
		req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			id := f.newCheckout(t)
			return &fv1.GetCheckoutRequest{OrgId: f.toggle.orgID, Id: id}, []string{id}
		}},
	{name: "owner delegates a checkout", proc: fc.AdminServiceDelegatedCheckoutProcedure, as: asOutsider, code: connect.CodePermissionDenied,
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.DelegatedCheckoutRequest{OrgId: f.toggle.orgID, BillingId: f.toggle.accountID,
				ProductBody: &fv1.CheckoutProductBody{Product: rpcCheckoutProduct}}
		})},
	{name: "webhook with a bad signature", proc: fc.FrontierServiceBillingWebhookCallbackProcedure, as: func(*rpcFixture) creds { return creds{} },
		header: func(*testing.T, proto.Message) map[string]string {
			return map[string]string{sandboxSignatureHeader: signSandbox([]byte("another payload"))}
		},
		code: connect.CodeInvalidArgument, msg: "signature",
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.BillingWebhookCallbackRequest{Provider: "sandbox", Body: []byte(`{"id":"evt_sbx_forged","type":"checkout.completed"}`)}
		})},
	{name: "webhook of an unknown provider", proc: fc.FrontierServiceBillingWebhookCallbackProcedure, as: func(*rpcFixture) creds { return creds{} },
		code: connect.CodeNotFound, msg: "unknown payment provider",
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.BillingWebhookCallbackRequest{Provider: "no-such-provider", Body: []byte(`{}`)}
		})},
}

func init() {
	rpcCases = append(rpcCases, rpcCheckoutCases...)
	rpcErrorCases = append(rpcErrorCases, rpcCheckoutErrorCases...)
	for proc, route := range map[string]restRoute{
		fc.FrontierServiceCreateCheckoutProcedure:         {"POST /v1beta1/organizations/{org_id}/billing/{billing_id}/checkouts", "*"},
		fc.FrontierServiceListCheckoutsProcedure:          {"GET /v1beta1/organizations/{org_id}/billing/{billing_id}/checkouts", ""},
		fc.FrontierServiceGetCheckoutProcedure:            {"GET /v1beta1/organizations/{org_id}/billing/{billing_id}/checkouts/{id}", ""},
		fc.AdminServiceDelegatedCheckoutProcedure:         {"POST /v1beta1/admin/organizations/{org_id}/billing/{billing_id}/checkouts", "*"},
		fc.FrontierServiceBillingWebhookCallbackProcedure: {"POST /v1beta1/billing/webhooks/callback/{provider}", "raw"},
	} {
		rpcRoutes[proc] = route
	}
	adminEnv["BILLD_SANDBOX_SECRET"] = sandboxSecret
}

// checkoutWorld is a world with the catalog of the REST tests: a credits product (10 credits a
// unit, 1 to 10 units, 1.00 USD a unit), a basic product, an active plan with 50 starter credits
// and an inactive plan.
type checkoutWorld struct {
	*world
	owner                          creds
	credits, basic, plan, inactive string // names
}

func newCheckoutWorld(t *testing.T, s *server) *checkoutWorld {
	t.Helper()
	w := &checkoutWorld{world: newWorld(t, s, 0)}
	w.owner = w.client(t, s, "owner")
	suffix := "-" + billd.NewUUID()[:8]
	w.credits, w.basic, w.plan, w.inactive = "co-credits"+suffix, "co-basic"+suffix, "co-plan"+suffix, "co-old"+suffix
	s.ok(req{method: "POST", path: "/v1beta1/billing/products", body: map[string]any{"body": map[string]any{
		"name": w.credits, "behavior": "credits", "behavior_config": map[string]any{"credit_amount": 10, "min_quantity": 1, "max_quantity": 10},
		"prices": []any{map[string]any{"name": "unit", "currency": "usd", "amount": 100}}}}})
	s.ok(req{method: "POST", path: "/v1beta1/billing/products", body: map[string]any{"body": map[string]any{
		"name": w.basic, "behavior": "basic", "prices": []any{map[string]any{"name": "monthly", "currency": "usd", "amount": 900, "interval": "month"}}}}})
	for _, name := range []string{w.plan, w.inactive} {
		s.ok(req{method: "POST", path: "/v1beta1/billing/plans", body: map[string]any{"body": map[string]any{
			"name": name, "interval": "month", "on_start_credits": 50, "products": []any{map[string]any{"name": w.basic}}}}})
	}
	s.ok(req{method: "PUT", path: "/v1beta1/billing/plans/" + w.inactive, body: map[string]any{"body": map[string]any{"state": "inactive"}}})
	return w
}

// orgCheckouts is the path of w's organization's checkouts, without an account.
func (w *checkoutWorld) orgCheckouts(suffix string) string {
	return "/v1beta1/organizations/" + w.orgID + "/billing/checkouts" + suffix
}

// checkoutSessionFields are the fields of a checkout session: Frontier's, then billd's.
var checkoutSessionFields = []string{"id", "checkout_url", "success_url", "cancel_url", "state", "plan", "product",
	"metadata", "created_at", "updated_at", "expire_at", "payment_status", "payment_error"}

// TestCheckoutREST checks the checkout paths over REST: seed 004's answer, the paths with and
// without the account, what another organization sees, and bad input.
func TestCheckoutREST(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	a, b := newCheckoutWorld(t, s), newCheckoutWorld(t, s)

	// A current client names no account: the organization's active account pays.
	created := obj(t, s.ok(req{method: "POST", path: a.orgCheckouts(""), as: &a.owner, body: map[string]any{
		"success_url":  "https://app.acme.test/paid?checkout={{.CheckoutID}}",
		"cancel_url":   "https://app.acme.test/cancelled",
		"product_body": map[string]any{"product": a.credits, "quantity": "3"}}}), "checkout_session")
	id := str(t, created, "id")
	if !billd.IsUUID(id) {
		t.Fatalf("checkout id %q is not a UUID", id)
	}

	t.Run("seed 004", func(t *testing.T) {
		s := s.forTest(t)
		res := keys(t, "GetCheckout", s.ok(req{method: "GET", path: a.orgCheckouts("/" + id + "?billing_id=" + a.accountID), as: &a.owner}), "checkout_session")
		c := keys(t, "checkout_session", res["checkout_session"], checkoutSessionFields...)
		product := obj(t, s.ok(req{method: "GET", path: "/v1beta1/billing/products/" + a.credits}), "product")
		for k, want := range map[string]any{"id": id, "success_url": "https://app.acme.test/paid?checkout=" + id,
			"cancel_url": "https://app.acme.test/cancelled", "state": "open", "plan": "", "product": str(t, product, "id"),
			"payment_status": "unpaid", "payment_error": ""} {
			if c[k] != want {
				t.Errorf("%s = %v, want %v", k, c[k], want)
			}
		}
		if str(t, c, "checkout_url") == "" {
			t.Error("checkout_url is empty")
		}
		if m, ok := c["metadata"].(map[string]any); !ok || len(m) != 0 {
			t.Errorf("metadata = %v, want {}", c["metadata"])
		}
		createdAt, expireAt := timestamp(t, "created_at", c["created_at"]), timestamp(t, "expire_at", c["expire_at"])
		timestamp(t, "updated_at", c["updated_at"])
		if got := expireAt.Sub(createdAt); got != billd.CheckoutValidity {
			t.Errorf("expire_at - created_at = %s, want %s", got, billd.CheckoutValidity)
		}
		// The same checkout on the path with the account, and in the lists.
		if got := obj(t, s.ok(req{method: "GET", path: a.account("/checkouts/" + id), as: &a.owner}), "checkout_session"); got["id"] != id {
			t.Errorf("GET …/{billing_id}/checkouts/{id}: %v", got)
		}
		for _, path := range []string{a.orgCheckouts(""), a.orgCheckouts("?billing_id=" + a.accountID), a.account("/checkouts")} {
			list := keys(t, path, s.ok(req{method: "GET", path: path, as: &a.owner}), "checkout_sessions", "next_page_token")
			if items, _ := list["checkout_sessions"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id {
				t.Errorf("GET %s: %v, want the one checkout", path, list)
			}
		}
	})

	t.Run("another organization", func(t *testing.T) {
		s := s.forTest(t)
		other := obj(t, s.ok(req{method: "POST", path: b.orgCheckouts(""), as: &b.owner,
			body: map[string]any{"product_body": map[string]any{"product": b.credits}}}), "checkout_session")
		otherID := str(t, other, "id")
		// b's owner asks for a's checkout on its own organization's paths: not found.
		for _, path := range []string{b.orgCheckouts("/" + id), b.orgCheckouts("/" + id + "?billing_id=" + b.accountID), b.account("/checkouts/" + id)} {
			s.fails(req{method: "GET", path: path, as: &b.owner}, http.StatusNotFound, 5, "checkout not found")
		}
		// On a's paths it may not ask at all.
		s.fails(req{method: "GET", path: a.orgCheckouts("/" + id), as: &b.owner}, http.StatusForbidden, 7, "not authorized")
		// a's owner asks for b's checkout, which is of another account: not found.
		for _, path := range []string{a.orgCheckouts("/" + otherID), a.orgCheckouts("/" + otherID + "?billing_id=" + a.accountID), a.account("/checkouts/" + otherID)} {
			s.fails(req{method: "GET", path: path, as: &a.owner}, http.StatusNotFound, 5, "checkout not found")
		}
		// A checkout of a's organization asked for with b's account.
		s.fails(req{method: "GET", path: a.orgCheckouts("/" + id + "?billing_id=" + b.accountID)}, http.StatusNotFound, 5, "checkout not found")
		// A member may not see checkouts.
		member := a.client(t, s, "member")
		s.fails(req{method: "GET", path: a.orgCheckouts("/" + id), as: &member}, http.StatusForbidden, 7, "not authorized")
	})

	t.Run("bad input", func(t *testing.T) {
		s := s.forTest(t)
		for _, c := range []struct {
			name         string
			body         any
			status, code int
			msg          string
		}{
			{"unknown product", map[string]any{"product_body": map[string]any{"product": "no-such-product"}}, 404, 5, "product not found"},
			{"non-credits product", map[string]any{"product_body": map[string]any{"product": a.basic}}, 400, 3, "not a credits product"},
			{"quantity above the maximum", map[string]any{"product_body": map[string]any{"product": a.credits, "quantity": 11}}, 400, 3, "quantity must be between 1 and 10"},
			{"negative quantity", map[string]any{"product_body": map[string]any{"product": a.credits, "quantity": -1}}, 400, 3, "quantity"},
			{"inactive plan", map[string]any{"subscription_body": map[string]any{"plan": a.inactive}}, 400, 9, "is not active"},
			{"unknown plan", map[string]any{"subscription_body": map[string]any{"plan": "no-such-plan"}}, 404, 5, "plan not found"},
			{"missing body", "", 400, 3, "needs a product_body, a subscription_body or a setup_body"},
			{"relative success URL", map[string]any{"success_url": "/paid", "product_body": map[string]any{"product": a.credits}}, 400, 3, "success_url"},
			{"not JSON", "product=1", 400, 3, "invalid JSON body"},
		} {
			s.fails(req{method: "POST", path: a.account("/checkouts"), as: &a.owner, body: c.body}, c.status, c.code, c.msg)
		}
		s.fails(req{method: "GET", path: a.orgCheckouts("/not-a-uuid")}, 400, 3, "must be a UUID")
		s.fails(req{method: "GET", path: a.orgCheckouts("/" + billd.NewUUID())}, 404, 5, "checkout not found")
		s.fails(req{method: "GET", path: a.orgCheckouts("?page_size=-1")}, 400, 3, "page_size")
		// No checkout of the bad requests was stored.
		list := s.ok(req{method: "GET", path: a.orgCheckouts("")})["checkout_sessions"].([]any)
		if len(list) != 1 {
			t.Errorf("%d checkouts after bad requests, want the 1 good one", len(list))
		}
	})
}

// TestDelegatedCheckoutREST checks that a delegated checkout grants once per request and key: the
// same request twice grants once, another Idempotency-Key (or idempotency_key) grants again.
func TestDelegatedCheckoutREST(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	w := newCheckoutWorld(t, s)
	delegate := func(path string, body map[string]any, key string) map[string]any {
		t.Helper()
		r := req{method: "POST", path: path, body: body}
		if key != "" {
			r.header = map[string]string{"Idempotency-Key": key}
		}
		return s.ok(r)
	}
	buy := map[string]any{"product_body": map[string]any{"product": w.credits, "quantity": 2}}
	adminPath := "/v1beta1/admin/organizations/" + w.orgID + "/billing/" + w.accountID + "/checkouts"
	inferred := "/v1beta1/admin/organizations/" + w.orgID + "/billing/checkouts"
	for i, step := range []struct {
		path, key string
		body      map[string]any
		balance   int64
	}{
		{adminPath, "", buy, 20},
		{adminPath, "", buy, 20},                  // a replay
		{inferred, "", buy, 20},                   // the same request on the path without the account
		{adminPath, "k1", buy, 40},                // another key
		{adminPath, "k1", buy, 40},                // its replay
		{adminPath, "k2", buy, 60},                // a third key
		{adminPath, "", withKey(buy, "k2"), 60},   // the body's key is the header's
		{adminPath, "k2", withKey(buy, "k2"), 60}, // both, agreeing
	} {
		res := keys(t, "DelegatedCheckout", delegate(step.path, step.body, step.key), "subscription", "product")
		if res["subscription"] != nil || obj(t, res, "product")["name"] != w.credits {
			t.Errorf("step %d: %v, want the product and no subscription", i, res)
		}
		if got := w.balance(t, s); got != step.balance {
			t.Errorf("step %d (key %q): balance %d, want %d", i, step.key, got, step.balance)
		}
	}
	s.fails(req{method: "POST", path: adminPath, body: withKey(buy, "k3"), header: map[string]string{"Idempotency-Key": "k4"}},
		400, 3, "idempotency_key and the Idempotency-Key header differ")

	// A plan: one subscription, with its starter credits, whatever the replays.
	subscribe := map[string]any{"subscription_body": map[string]any{"plan": w.plan}}
	first := obj(t, delegate(adminPath, subscribe, "plan"), "subscription")
	again := obj(t, delegate(adminPath, subscribe, "plan"), "subscription")
	keys(t, "subscription", first, "id", "customer_id", "provider_id", "plan_id", "state", "metadata", "created_at", "updated_at",
		"canceled_at", "ended_at", "trial_ends_at", "current_period_start_at", "current_period_end_at", "billing_cycle_anchor_at",
		"phases", "customer", "plan")
	if first["id"] != again["id"] || first["customer_id"] != w.accountID || first["state"] != "active" {
		t.Errorf("the subscription %v, then %v; want one active subscription of account %s", first, again, w.accountID)
	}
	if got := w.balance(t, s); got != 60+50 {
		t.Errorf("balance %d after the plan, want %d", got, 60+50)
	}
	s.fails(req{method: "POST", path: adminPath, body: subscribe, header: map[string]string{"Idempotency-Key": "other"}},
		409, 6, "already subscribed")

	// Platform admins only; an organization's owner may not.
	s.fails(req{method: "POST", path: adminPath, body: buy, as: &w.owner}, 403, 7, "not authorized")
	s.fails(req{method: "POST", path: adminPath, body: map[string]any{}}, 400, 3, "needs a product_body or a subscription_body")
}

// withKey returns body with idempotency_key set.
func withKey(body map[string]any, key string) map[string]any {
	out := map[string]any{"idempotency_key": key}
	for k, v := range body {
		out[k] = v
	}
	return out
}

// TestWebhookREST checks the providers' webhook paths: served without credentials, a signed
// delivery answered {}, a bad signature 400, an unknown provider 404, a body past
// billd.MaxEventBytes 413, each on both paths.
func TestWebhookREST(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	anonymous := creds{}
	for _, path := range []string{"/billing/webhooks/callback/", "/v1beta1/billing/webhooks/callback/"} {
		event := ignoredEvent()
		res := s.ok(req{method: "POST", path: path + "sandbox", as: &anonymous, body: string(event),
			header: map[string]string{sandboxSignatureHeader: signSandbox(event)}})
		if len(res) != 0 {
			t.Errorf("%s: %v, want {}", path, res)
		}
		s.fails(req{method: "POST", path: path + "sandbox", as: &anonymous, body: string(event),
			header: map[string]string{sandboxSignatureHeader: signSandbox([]byte("something else"))}}, 400, 3, "signature")
		s.fails(req{method: "POST", path: path + "sandbox", as: &anonymous, body: string(event)}, 400, 3, "signature")
		s.fails(req{method: "POST", path: path + "no-such-provider", as: &anonymous, body: "{}"}, 404, 5, "unknown payment provider")
		large := strings.Repeat("x", billd.MaxEventBytes+1)
		s.fails(req{method: "POST", path: path + "sandbox", as: &anonymous, body: large}, 413, 8, "at most")
		s.fails(req{method: "POST", path: path + "sandbox", as: &anonymous, body: strings.NewReader(large)}, 413, 8, "at most")
		s.fails(req{method: "GET", path: path + "sandbox", as: &anonymous}, 405, 12, "not allowed")
	}
}

// TestBillingPathsResolve checks that the contract's paths with a word after /billing/ reach their
// own routes: …/billing/{id} (GetBillingAccount) took "checkouts" for an account id (400 "must be
// a UUID"), and POST …/billing/checkouts was 405. The RPCs billd does not serve yet answer 501.
func TestBillingPathsResolve(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	w := newCheckoutWorld(t, s)
	org := "/v1beta1/organizations/" + w.orgID + "/billing/"
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", org + "checkouts", nil, 200},
		{"POST", org + "checkouts", map[string]any{"product_body": map[string]any{"product": w.credits}}, 200},
		{"GET", org + "checkouts/" + billd.NewUUID(), nil, 404},
		{"GET", org + "invoices", nil, 501},
		{"GET", org + "invoices/upcoming", nil, 501},
		{"GET", org + "subscriptions", nil, 501},
	} {
		resp := s.do(req{method: c.method, path: c.path, body: c.body})
		if resp.status != c.status {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, resp.status, resp.raw, c.status)
		}
		if m, _ := resp.json["message"].(string); strings.Contains(m, "must be a UUID") || resp.status == 405 {
			t.Errorf("%s %s is taken for another route: %d %s", c.method, c.path, resp.status, resp.raw)
		}
		if c.status == 501 {
			checkErrorBody(t, resp, 12, "is not implemented yet")
		}
	}
	s.fails(req{method: "DELETE", path: org + "checkouts/" + billd.NewUUID()}, 405, 12, "not allowed")
}

// TestPaymentMethodsOfAccount checks GetBillingAccount's payment methods: with_payment_methods
// lists them (none before a card is saved), as a list even when empty.
func TestPaymentMethodsOfAccount(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	w := newWorld(t, s, 0)
	for _, query := range []string{"", "?with_payment_methods=true"} {
		res := s.ok(req{method: "GET", path: w.account(query)})
		if methods, ok := res["payment_methods"].([]any); !ok || len(methods) != 0 {
			t.Errorf("GET %s: payment_methods %v, want []", query, res["payment_methods"])
		}
	}
}
