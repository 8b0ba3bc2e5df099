package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/billd/billd"
	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
)

// TestBillingWordsRoute checks that the contract's paths with a word after /billing/ reach their
// own routes, not the account routes whose {id} takes any segment (GET …/billing/checkouts went to
// GetBillingAccount, 400 "billing_id must be a UUID"; POST to nothing, 405), and that
// …/billing/checkouts/{id}, which Go's mux cannot hold beside …/billing/{id}/balance, is routed
// by the aliases mux before the main one.
func TestBillingWordsRoute(t *testing.T) {
	h, err := NewHandler(nil, slog.New(slog.DiscardHandler), Config{})
	if err != nil {
		t.Fatal(err)
	}
	const org = "/v1beta1/organizations/0b7a4a2e-4c1e-4c55-9a4a-2f8f3b7f1a01/billing/"
	const id = "6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"
	for request, want := range map[string]string{
		"GET " + org + "checkouts":                 "GET /v1beta1/organizations/{org_id}/billing/checkouts",
		"POST " + org + "checkouts":                "POST /v1beta1/organizations/{org_id}/billing/checkouts",
		"GET " + org + "checkouts/" + id:           "GET /v1beta1/organizations/{org_id}/billing/checkouts/{id}",
		"GET " + org + "checkouts/balance":         "GET /v1beta1/organizations/{org_id}/billing/checkouts/{id}",
		"GET " + org + id + "/checkouts":           "GET /v1beta1/organizations/{org_id}/billing/{billing_id}/checkouts",
		"GET " + org + id + "/checkouts/" + id:     "GET /v1beta1/organizations/{org_id}/billing/{billing_id}/checkouts/{id}",
		"GET " + org + id + "/balance":             "GET /v1beta1/organizations/{org_id}/billing/{id}/balance",
		"GET " + org + id:                          "GET /v1beta1/organizations/{org_id}/billing/{id}",
		"GET " + org + "invoices":                  "GET /v1beta1/organizations/{org_id}/billing/invoices",
		"GET " + org + "invoices/upcoming":         "GET /v1beta1/organizations/{org_id}/billing/invoices/upcoming",
		"GET " + org + "subscriptions":             "GET /v1beta1/organizations/{org_id}/billing/subscriptions",
		"GET " + org + "transactions":              "GET /v1beta1/organizations/{org_id}/billing/transactions",
		"POST /billing/webhooks/callback/sandbox":  "POST /billing/webhooks/callback/{provider}",
		"DELETE " + org + "checkouts/" + id:        "",
		"POST " + org + "checkouts/" + id:          "",
		"POST /v1beta1/billing/webhooks/callback/": "",
	} {
		method, path, _ := strings.Cut(request, " ")
		if _, got := h.route(httptest.NewRequest(method, path, nil)); got != want {
			t.Errorf("%s: routed to %q, want %q", request, got, want)
		}
	}
}

// TestAliasedRoutesAreRegistered checks that every aliased pattern is a route: a pattern in
// aliased that routes.go does not register would be served by nothing.
func TestAliasedRoutesAreRegistered(t *testing.T) {
	h, err := NewHandler(nil, slog.New(slog.DiscardHandler), Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, pattern := range aliased {
		if got := probe(h, pattern); got != pattern {
			t.Errorf("aliased %s: the mux sends its request to %q", pattern, got)
		}
	}
}

// TestWebhookNeedsNoCredentials checks the webhook paths and RPC: served without credentials (a
// service without payment providers answers 404 for the provider, not 401), bodies past
// billd.MaxEventBytes refused with 413 on REST before they are read, and a GET answered 405.
func TestWebhookNeedsNoCredentials(t *testing.T) {
	h := newTestHandler(t, Config{})
	for _, path := range []string{"/billing/webhooks/callback/sandbox", "/v1beta1/billing/webhooks/callback/sandbox"} {
		if rec := h.serve("POST", path, "", "", `{"id":"evt_1"}`); rec.Code != http.StatusNotFound ||
			!strings.Contains(rec.Body.String(), `unknown payment provider \"sandbox\"`) {
			t.Errorf("POST %s without credentials: %d %s, want 404 unknown payment provider", path, rec.Code, rec.Body)
		}
		large := strings.Repeat("x", billd.MaxEventBytes+1)
		if rec := h.serve("POST", path, "", "", large); rec.Code != http.StatusRequestEntityTooLarge ||
			!strings.Contains(rec.Body.String(), `"code":8`) {
			t.Errorf("POST %s of %d bytes: %d %s, want 413", path, len(large), rec.Code, rec.Body)
		}
		if rec := h.serve("GET", path, "", "", ""); rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("GET %s: %d, want 405", path, rec.Code)
		}
	}
	rpc := "/" + fc.FrontierServiceName + "/BillingWebhookCallback"
	rec := h.serve("POST", rpc, "", "", `{"provider":"sandbox","body":"e30="}`, "Connect-Protocol-Version", "1")
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"code":"not_found"`) {
		t.Errorf("POST %s without credentials: %d %s, want 404 not_found", rpc, rec.Code, rec.Body)
	}
	// Every other RPC still needs credentials.
	rec = h.serve("POST", "/"+fc.FrontierServiceName+"/ListCheckouts", "", "", `{}`, "Connect-Protocol-Version", "1")
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("ListCheckouts without credentials: %d %s, want 401", rec.Code, rec.Body)
	}
}
