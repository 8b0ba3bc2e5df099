package main

import (
	"net/http"
	"testing"

	"github.com/billd/billd"
)

var accountFields = []string{"id", "org_id", "name", "email", "phone", "address", "provider_id", "provider",
	"currency", "state", "tax_data", "metadata", "created_at", "updated_at", "organization"}

var organizationFields = []string{"id", "name", "title", "metadata", "created_at", "updated_at", "state", "avatar"}

// TestSeed000GetBillingBalance checks GET /v1beta1/organizations/:org_id/billing/:id/balance: the
// response fields and every documented error status.
func TestSeed000GetBillingBalance(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 1000)
		w.use(t, s, billd.NewUUID(), 250)
		resp := s.ok(req{method: "GET", path: w.account("/balance"), header: map[string]string{"Accept": "application/json"}})
		keys(t, "response", resp, "balance")
		b := keys(t, "balance", resp["balance"], "amount", "currency", "updated_at")
		if got := int64String(t, "amount", b["amount"]); got != 750 {
			t.Errorf("amount = %d, want 750", got)
		}
		if b["currency"] != "VC" {
			t.Errorf("currency = %v, want VC", b["currency"])
		}
		timestamp(t, "updated_at", b["updated_at"])

		member := w.client(t, s, "member")
		s.ok(req{method: "GET", path: w.account("/balance"), as: &member})
		s.ok(req{method: "GET", path: w.account("/balance"), as: &w.meter})

		other := newWorld(t, s, 0)
		outsider := other.client(t, s, "owner")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/billing/nope/balance"}, http.StatusBadRequest, 3, "billing account id must be a UUID")
		s.fails(req{method: "GET", path: w.account("/balance"), as: &creds{}}, http.StatusUnauthorized, 16, "credentials required")
		s.fails(req{method: "GET", path: w.account("/balance"), as: &creds{id: adminID, secret: "wrong"}}, http.StatusUnauthorized, 16, "invalid credentials")
		s.fails(req{method: "GET", path: w.account("/balance"), as: &outsider}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/billing/" + billd.NewUUID() + "/balance"}, http.StatusNotFound, 5, "billing account not found")
		// Another organization's account is not found through this organization.
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/billing/" + other.accountID + "/balance"}, http.StatusNotFound, 5, "not found")
	})
}

// TestSeed001GetBillingAccount checks GET /v1beta1/organizations/:org_id/billing/:id with its query
// parameters: every documented field is present with its JSON type.
func TestSeed001GetBillingAccount(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 0)
		resp := s.ok(req{method: "GET", path: w.account("?with_payment_methods=true&with_billing_details=true&expand=organization")})
		keys(t, "response", resp, "billing_account", "payment_methods", "billing_details")
		a := keys(t, "billing_account", resp["billing_account"], accountFields...)
		if a["id"] != w.accountID || a["org_id"] != w.orgID || a["state"] != "active" || a["currency"] != "usd" || a["email"] != "billing@acme.test" {
			t.Errorf("billing_account = %v", a)
		}
		addr := keys(t, "address", a["address"], "line1", "line2", "city", "state", "postal_code", "country")
		if addr["city"] != "Berlin" || addr["country"] != "DE" {
			t.Errorf("address = %v", addr)
		}
		tax, ok := a["tax_data"].([]any)
		if !ok || len(tax) != 1 {
			t.Fatalf("tax_data = %v", a["tax_data"])
		}
		keys(t, "tax_data[0]", tax[0], "type", "id")
		keys(t, "metadata", a["metadata"])
		timestamp(t, "created_at", a["created_at"])
		timestamp(t, "updated_at", a["updated_at"])
		org := keys(t, "organization", a["organization"], organizationFields...)
		if org["id"] != w.orgID || org["state"] != "enabled" {
			t.Errorf("organization = %v", org)
		}
		if pm, ok := resp["payment_methods"].([]any); !ok || len(pm) != 0 {
			t.Errorf("payment_methods = %v, want []", resp["payment_methods"])
		}
		d := keys(t, "billing_details", resp["billing_details"], "credit_min", "due_in_days")
		if int64String(t, "credit_min", d["credit_min"]) != 0 || int64String(t, "due_in_days", d["due_in_days"]) != 30 {
			t.Errorf("billing_details = %v", d)
		}

		plain := s.ok(req{method: "GET", path: w.account("")})
		if plain["billing_details"] != nil || obj(t, plain, "billing_account")["organization"] != nil {
			t.Errorf("without options: billing_details and organization must be null: %v", plain)
		}
		s.ok(req{method: "GET", path: w.account("?expand=org")})

		s.fails(req{method: "GET", path: w.account("?with_billing_details=maybe")}, http.StatusBadRequest, 3, "with_billing_details")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/not-a-uuid/billing/" + w.accountID}, http.StatusBadRequest, 3, "organization id must be a UUID")
		s.fails(req{method: "GET", path: w.account(""), as: &creds{key: "billd_not-a-key"}}, http.StatusUnauthorized, 16, "invalid credentials")
		s.fails(req{method: "GET", path: w.account(""), as: &w.meter}, http.StatusForbidden, 7, "not authorized")
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + billd.NewUUID() + "/billing/" + w.accountID}, http.StatusNotFound, 5, "organization not found")
	})
}

// TestSeed003RevertBillingUsage checks POST /v1beta1/organizations/billing/usages/revert: the org
// from org_id or project_id, billing_id optional, the revert rules and every documented error.
func TestSeed003RevertBillingUsage(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 1000)
		usage := billd.NewUUID()
		w.use(t, s, usage, 300)
		revert := func(body map[string]any) req {
			return req{method: "POST", path: "/v1beta1/organizations/billing/usages/revert", as: &w.meter, body: body,
				header: map[string]string{"Accept": "application/json"}}
		}
		resp := s.ok(revert(map[string]any{"org_id": w.orgID, "usage_id": usage, "amount": "100"}))
		keys(t, "response", resp)
		s.ok(revert(map[string]any{"project_id": w.projectID, "usage_id": usage, "amount": 50}))
		s.ok(revert(map[string]any{"org_id": w.orgID, "billing_id": w.accountID, "usage_id": usage, "amount": "25"}))
		if got := w.balance(t, s); got != 1000-300+175 {
			t.Errorf("balance = %d, want %d", got, 1000-300+175)
		}

		s.fails(revert(map[string]any{"org_id": w.orgID, "usage_id": usage, "amount": "126"}), http.StatusBadRequest, 3, "revert amount is greater than the usage amount")
		s.fails(revert(map[string]any{"org_id": w.orgID, "usage_id": usage, "amount": "0"}), http.StatusBadRequest, 3, "amount must be greater than 0")
		s.fails(revert(map[string]any{"org_id": w.orgID, "usage_id": "not-a-uuid", "amount": "1"}), http.StatusBadRequest, 3, "usage id must be a UUID")
		s.fails(revert(map[string]any{"usage_id": usage, "amount": "1"}), http.StatusBadRequest, 3, "an organization or a project is required")
		s.fails(req{method: "POST", path: "/v1beta1/organizations/billing/usages/revert", as: &creds{},
			body: map[string]any{"org_id": w.orgID, "usage_id": usage, "amount": "1"}}, http.StatusUnauthorized, 16, "credentials required")
		owner := w.client(t, s, "owner")
		s.fails(req{method: "POST", path: "/v1beta1/organizations/billing/usages/revert", as: &owner,
			body: map[string]any{"org_id": w.orgID, "usage_id": usage, "amount": "1"}}, http.StatusForbidden, 7, "not authorized")
		s.fails(revert(map[string]any{"org_id": w.orgID, "usage_id": billd.NewUUID(), "amount": "1"}), http.StatusNotFound, 5, "not found")
		other := newWorld(t, s, 0)
		s.fails(revert(map[string]any{"org_id": other.orgID, "usage_id": usage, "amount": "1"}), http.StatusNotFound, 5, "not found")

		// A revert cannot be reverted; a grant is not usage.
		txs := s.ok(req{method: "GET", path: w.account("/transactions")})["transactions"].([]any)
		var revertID, grantID string
		for _, tx := range txs {
			m := tx.(map[string]any)
			switch m["source"] {
			case "system.revert.gpu":
				revertID = m["id"].(string)
			case "system.awarded":
				grantID = m["id"].(string)
			}
		}
		s.fails(revert(map[string]any{"org_id": w.orgID, "usage_id": revertID, "amount": "1"}), http.StatusConflict, 6, "a revert cannot be reverted")
		s.fails(revert(map[string]any{"org_id": w.orgID, "usage_id": grantID, "amount": "1"}), http.StatusBadRequest, 3, "only usage can be reverted")

		// With an Idempotency-Key a retried revert applies once.
		keyed := revert(map[string]any{"org_id": w.orgID, "usage_id": usage, "amount": "5"})
		keyed.header = map[string]string{"Idempotency-Key": "retry-1"}
		s.ok(keyed)
		s.fails(keyed, http.StatusConflict, 6, "revert already applied")
		if got := w.balance(t, s); got != 1000-300+180 {
			t.Errorf("balance after keyed revert and its replay = %d, want %d", got, 1000-300+180)
		}
	})
}
