package main

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	"github.com/billd/billd/sandbox"
	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/sqlstore/sqltest"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
	"google.golang.org/protobuf/proto"
)

// Checkouts, delegated checkouts and the payment provider's webhook: their RPCs over every
// transport (as rpcCases) and their REST paths in detail. They run against the server's default
// provider, the sandbox, whose webhook secret the harness gives the server (sandboxSecret).

// sandboxSignatureHeader is the header that carries a sandbox event's signature.
const sandboxSignatureHeader = sandbox.SignatureHeader

// signSandbox returns the signature header value of payload, signed now with sandboxSecret as the
// sandbox signs its events.
func signSandbox(payload []byte) string {
	return sandbox.Sign([]byte(sandboxSecret), payload, time.Now())
}

// ignoredEvent is a sandbox event of a type billd does not act on: acknowledged, not recorded.
func ignoredEvent() []byte {
	return []byte(`{"id":"evt_sbx_e2e_` + billd.NewUUID()[:8] + `","type":"customer.updated","created":` +
		strconv.FormatInt(time.Now().Unix(), 10) + `,"data":{}}`)
}

// providerSessionOf returns the provider's session id of a checkout, which the API does not show,
// read from the server's store as `billd verify` reads it.
func providerSessionOf(t *testing.T, s *server, checkoutID string) string {
	t.Helper()
	db, err := sqlstore.Open(t.Context(), s.dsn, sqlstore.Options{MaxConns: 1, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var session string
	err = db.View(t.Context(), func(tx billd.Tx) error {
		c, err := tx.Checkout(t.Context(), checkoutID)
		if err == nil {
			session = c.ProviderID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return session
}

// completionEvent returns a new sandbox event (its own id) reporting that the provider's session
// of a checkout was paid, signed as the sandbox signs, and the headers of its delivery.
func completionEvent(t *testing.T, checkoutID, session string) ([]byte, map[string]string) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Config{Secret: []byte(sandboxSecret)})
	if err != nil {
		t.Fatal(err)
	}
	payload, header, err := sb.EncodeEvent(billd.ProviderEvent{ID: "evt_sbx_e2e_" + billd.NewUUID()[:8], Type: billd.EventCheckoutCompleted,
		Checkout: &billd.ProviderCheckout{ID: session, CheckoutID: checkoutID, State: billd.CheckoutComplete, PaymentStatus: billd.PaymentPaid}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range header {
		out[k] = v[0]
	}
	return payload, out
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

// openCheckout opens a checkout of body (its product_body or subscription_body) on w's
// organization as its owner, with the tests' success and cancel URLs, and returns it.
func (w *checkoutWorld) openCheckout(t *testing.T, s *server, body map[string]any) map[string]any {
	t.Helper()
	b := map[string]any{"success_url": "https://app.acme.test/paid?c={{.CheckoutID}}", "cancel_url": "https://app.acme.test/cancelled"}
	for k, v := range body {
		b[k] = v
	}
	return obj(t, s.ok(req{method: "POST", path: w.orgCheckouts(""), as: &w.owner, body: b}), "checkout_session")
}

// testCard is the sandbox's test card that pays, as its hosted page's form takes it.
var testCard = url.Values{"card_number": {sandbox.CardSuccess}, "card_expiry": {"12/40"}, "card_cvc": {"123"}}

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
	keys(t, "subscription", first, subscriptionFields...)
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
// a UUID"), and POST …/billing/checkouts was 405.
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
		{"GET", org + "invoices", nil, 200},
		{"GET", org + "invoices/upcoming", nil, 200},
		{"GET", org + "subscriptions", nil, 200},
		{"GET", org + "subscriptions/" + billd.NewUUID(), nil, 404},
		{"POST", org + "subscriptions/" + billd.NewUUID(), map[string]any{}, 404},
		{"POST", org + "subscriptions/" + billd.NewUUID() + "/cancel", map[string]any{}, 404},
		{"POST", org + "subscriptions/" + billd.NewUUID() + "/change", map[string]any{"plan_change": map[string]any{"plan": w.plan}}, 404},
	} {
		resp := s.do(req{method: c.method, path: c.path, body: c.body})
		if resp.status != c.status {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, resp.status, resp.raw, c.status)
		}
		if m, _ := resp.json["message"].(string); strings.Contains(m, "must be a UUID") || resp.status == 405 {
			t.Errorf("%s %s is taken for another route: %d %s", c.method, c.path, resp.status, resp.raw)
		}
		if c.status == 404 {
			checkErrorBody(t, resp, 5, "not found")
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

// payOnPage submits a form of the sandbox's hosted page of checkoutURL (absolute, or relative to
// the server) to action (pay, decline or cancel) and returns the answer's status and Location.
func payOnPage(t *testing.T, s *server, checkoutURL, action string, form url.Values) (int, string) {
	t.Helper()
	if strings.HasPrefix(checkoutURL, "/") {
		checkoutURL = s.url + checkoutURL
	}
	hr, err := http.NewRequest("POST", checkoutURL+"/"+action, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	noRedirect := &http.Client{Transport: s.http.Transport, Timeout: waitTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(hr)
	if err != nil {
		t.Fatalf("POST %s/%s: %v", checkoutURL, action, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Location")
}

// TestCheckoutPaidOnTheSandboxPage follows checkouts through the sandbox's hosted page: paid with
// the test card (the sandbox's signed event reaches billd, which grants the credits once and saves
// the card, the default), declined (the checkout stays open with the reason) and cancelled
// (expired).
func TestCheckoutPaidOnTheSandboxPage(t *testing.T) {
	eachStore(t, testCheckoutPaidOnTheSandboxPage)
}

func testCheckoutPaidOnTheSandboxPage(t *testing.T, s *server) {
	w := newCheckoutWorld(t, s)
	open := func(quantity int) map[string]any {
		t.Helper()
		return w.openCheckout(t, s, map[string]any{"product_body": map[string]any{"product": w.credits, "quantity": quantity}})
	}
	get := func(id string) map[string]any {
		t.Helper()
		return obj(t, s.ok(req{method: "GET", path: w.orgCheckouts("/" + id), as: &w.owner}), "checkout_session")
	}

	paid := open(3)
	id := str(t, paid, "id")
	if status, location := payOnPage(t, s, str(t, paid, "checkout_url"), "pay", testCard); status != http.StatusSeeOther ||
		location != "https://app.acme.test/paid?c="+id {
		t.Fatalf("pay: %d to %q, want 303 to the success URL", status, location)
	}
	for range 2 { // a second read changes nothing
		c := get(id)
		if c["state"] != "complete" || c["payment_status"] != "paid" || c["payment_error"] != "" {
			t.Errorf("the paid checkout: %v", c)
		}
		if got := w.balance(t, s); got != 30 {
			t.Errorf("balance %d after buying 3 × 10 credits, want 30", got)
		}
	}
	// The provider's webhook again, and a new completion event of the same checkout, over HTTP:
	// acknowledged, and nothing more is granted.
	session := providerSessionOf(t, s, id)
	replay, header := completionEvent(t, id, session)
	for range 2 {
		s.ok(req{method: "POST", path: "/billing/webhooks/callback/sandbox", body: string(replay), header: header})
	}
	again, header := completionEvent(t, id, session)
	s.ok(req{method: "POST", path: "/v1beta1/billing/webhooks/callback/sandbox", body: string(again), header: header})
	if got := w.balance(t, s); got != 30 {
		t.Errorf("balance %d after the completion was delivered again, want 30", got)
	}
	methods := s.ok(req{method: "GET", path: w.account("?with_payment_methods=true"), as: &w.owner})["payment_methods"].([]any)
	if len(methods) != 1 {
		t.Fatalf("payment methods %v, want the card", methods)
	}
	m := keys(t, "payment method", methods[0], "id", "customer_id", "provider_id", "type", "card_brand", "card_last4",
		"card_expiry_month", "card_expiry_year", "metadata", "created_at", "is_default")
	if m["customer_id"] != w.accountID || m["type"] != "card" || m["card_brand"] != "visa" || m["card_last4"] != "4242" ||
		m["card_expiry_month"] != "12" || m["card_expiry_year"] != "2040" || m["is_default"] != true || str(t, m, "provider_id") == "" {
		t.Errorf("the saved card: %v", m)
	}
	timestamp(t, "payment method created_at", m["created_at"])

	declined := open(1)
	if status, _ := payOnPage(t, s, str(t, declined, "checkout_url"), "decline", url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("decline: %d, want 303", status)
	}
	if c := get(str(t, declined, "id")); c["state"] != "open" || c["payment_status"] != "unpaid" || c["payment_error"] != sandbox.ReasonDeclined {
		t.Errorf("the declined checkout: %v", c)
	}
	cancelled := open(1)
	if status, location := payOnPage(t, s, str(t, cancelled, "checkout_url"), "cancel", url.Values{}); status != http.StatusSeeOther ||
		location != "https://app.acme.test/cancelled" {
		t.Fatalf("cancel: %d to %q, want 303 to the cancel URL", status, location)
	}
	if c := get(str(t, cancelled, "id")); c["state"] != "expired" || c["payment_status"] != "unpaid" {
		t.Errorf("the cancelled checkout: %v", c)
	}
	if got := w.balance(t, s); got != 30 {
		t.Errorf("balance %d after a declined and a cancelled checkout, want 30", got)
	}
}
