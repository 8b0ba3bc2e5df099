package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// invoiceFields are the fields of an invoice: Frontier's, then billd's.
var invoiceFields = []string{"id", "customer_id", "provider_id", "state", "currency", "amount", "hosted_url", "due_date",
	"effective_at", "period_start_at", "period_end_at", "metadata", "created_at", "customer",
	"kind", "credits", "paid_at", "org_id", "subscription_id"}

// invoicesOf lists the invoices at path as as, and returns them. The admins' list has Frontier's
// count too, which billd does not count: always 0.
func invoicesOf(t *testing.T, s *server, path string, as creds) []any {
	t.Helper()
	fields := []string{"invoices", "next_page_token"}
	if strings.HasPrefix(path, "/v1beta1/admin/") {
		fields = append(fields, "count")
	}
	list := keys(t, path, s.ok(req{method: "GET", path: path, as: &as}), fields...)
	if c, ok := list["count"]; ok && c != json.Number("0") {
		t.Errorf("GET %s: count %v, want 0", path, c)
	}
	items, _ := list["invoices"].([]any)
	return items
}

// TestOverdraftInvoiceREST follows an overdraft over REST: a postpaid account (credit_min below 0)
// uses credits beyond its balance; an admin has billd make the overdraft invoices (the server has
// an overdraft product and no invoice day), priced exactly and made once; the invoice is listed
// on every path, to those who may see it; marking it paid twice gives the credits back once.
func TestOverdraftInvoiceREST(t *testing.T) {
	s := serveWith(t, sqltest.DSN(t, "sqlite"), adminEnv, "--overdraft-product", "od-credits", "--invoice-day", "0")
	// 1 cent buys 1000 credits: 2500 credits cost 2.5 cents, billed as 3.
	s.ok(req{method: "POST", path: "/v1beta1/billing/products", body: map[string]any{"body": map[string]any{
		"name": "od-credits", "behavior": "credits", "behavior_config": map[string]any{"credit_amount": 1000},
		"prices": []any{map[string]any{"name": "unit", "currency": "usd", "amount": 1}}}}})
	a, b := newWorld(t, s, 0), newWorld(t, s, 0)
	owner, member, other := a.client(t, s, "owner"), a.client(t, s, "member"), b.client(t, s, "owner")
	s.ok(req{method: "PUT", path: a.billing("/details"), body: map[string]any{"credit_min": -5000, "due_in_days": 7}})
	a.use(t, s, billd.NewUUID(), 2500)
	orgInvoices := "/v1beta1/organizations/" + a.orgID + "/billing/invoices"
	if items := invoicesOf(t, s, orgInvoices, owner); len(items) != 0 {
		t.Fatalf("invoices before any was made: %v", items)
	}

	generate := req{method: "POST", path: "/v1beta1/admin/billing/invoices/generate", body: map[string]any{}}
	s.fails(req{method: generate.method, path: generate.path, as: &owner, body: generate.body}, 403, 7, "not authorized")
	for i, want := range []string{"1", "0"} {
		if got := keys(t, "generate", s.ok(generate), "generated")["generated"]; got != want {
			t.Errorf("generate #%d: %v invoices made, want %s", i+1, got, want)
		}
	}

	// One invoice, on every path.
	var inv map[string]any
	for _, path := range []string{a.account("/invoices"), orgInvoices, orgInvoices + "?billing_id=" + a.accountID,
		orgInvoices + "?nonzero_amount_only=true", "/v1beta1/admin/billing/invoices?org_id=" + a.orgID} {
		as := owner
		if strings.HasPrefix(path, "/v1beta1/admin/") {
			as = admin
		}
		items := invoicesOf(t, s, path, as)
		if len(items) != 1 {
			t.Fatalf("GET %s: %v, want one invoice", path, items)
		}
		inv = keys(t, "invoice", items[0], invoiceFields...)
	}
	for k, want := range map[string]any{"customer_id": a.accountID, "org_id": a.orgID, "state": "open", "currency": "usd",
		"amount": "3", "credits": "2500", "kind": "overdraft", "provider_id": "", "hosted_url": "", "paid_at": nil,
		"customer": nil, "subscription_id": ""} {
		if inv[k] != want {
			t.Errorf("invoice %s = %v, want %v", k, inv[k], want)
		}
	}
	created := timestamp(t, "created_at", inv["created_at"])
	if !timestamp(t, "effective_at", inv["effective_at"]).Equal(created) || !timestamp(t, "due_date", inv["due_date"]).Equal(created.AddDate(0, 0, 7)) ||
		!timestamp(t, "period_end_at", inv["period_end_at"]).Equal(created) {
		t.Errorf("invoice dates: %v", inv)
	}
	timestamp(t, "period_start_at", inv["period_start_at"])
	id := str(t, inv, "id")
	expanded := invoicesOf(t, s, orgInvoices+"?expand=customer", owner)[0].(map[string]any)
	if obj(t, expanded, "customer")["id"] != a.accountID {
		t.Errorf("expanded invoice: %v", expanded)
	}

	// Who may see it.
	s.fails(req{method: "GET", path: orgInvoices, as: &member}, 403, 7, "not authorized")
	s.fails(req{method: "GET", path: orgInvoices, as: &other}, 403, 7, "not authorized")
	if items := invoicesOf(t, s, "/v1beta1/organizations/"+b.orgID+"/billing/invoices", other); len(items) != 0 {
		t.Errorf("b's invoices: %v, want none", items)
	}
	s.fails(req{method: "GET", path: "/v1beta1/admin/billing/invoices", as: &owner}, 403, 7, "not authorized")
	s.fails(req{method: "GET", path: "/v1beta1/admin/billing/invoices?page_num=2"}, 400, 3, "page_num")

	// Paid outside the provider: once, whatever the calls; not as an owner, not on another
	// organization's path.
	paid := "/v1beta1/admin/organizations/" + a.orgID + "/billing/" + a.accountID + "/invoices/" + id + "/paid"
	s.fails(req{method: "POST", path: paid, as: &owner, body: map[string]any{}}, 403, 7, "not authorized")
	s.fails(req{method: "POST", path: "/v1beta1/admin/organizations/" + b.orgID + "/billing/" + b.accountID + "/invoices/" + id + "/paid",
		body: map[string]any{}}, 404, 5, "invoice not found")
	s.fails(req{method: "POST", path: "/v1beta1/admin/organizations/" + a.orgID + "/billing/" + a.accountID + "/invoices/" + billd.NewUUID() + "/paid",
		body: map[string]any{}}, 404, 5, "invoice not found")
	if got := a.balance(t, s); got != -2500 {
		t.Fatalf("balance %d before the invoice is paid, want -2500", got)
	}
	for range 2 {
		res := obj(t, s.ok(req{method: "POST", path: paid, body: map[string]any{}}), "invoice")
		if res["id"] != id || res["state"] != "paid" || res["paid_at"] == nil {
			t.Errorf("the invoice marked paid: %v", res)
		}
		if got := a.balance(t, s); got != 0 {
			t.Errorf("balance %d after the invoice was marked paid, want 0", got)
		}
	}
	if got := invoicesOf(t, s, orgInvoices, owner)[0].(map[string]any); got["state"] != "paid" {
		t.Errorf("the paid invoice, listed: %v", got)
	}
	if got := s.ok(generate)["generated"]; got != "0" {
		t.Errorf("generate after the invoice was paid: %v invoices made, want 0", got)
	}
}

// TestOverdraftInvoicingOff checks that an admin's generate is refused when the server has no
// overdraft product.
func TestOverdraftInvoicingOff(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	s.fails(req{method: "POST", path: "/v1beta1/admin/billing/invoices/generate", body: map[string]any{}}, 400, 9, "overdraft invoicing is off")
}

// TestOrganizationSeatsREST checks billd's seats path: platform admins set an organization's seats
// (0 to 1000000) and get the organization back with them.
func TestOrganizationSeatsREST(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	w := newWorld(t, s, 0)
	owner := w.client(t, s, "owner")
	path := "/v1beta1/admin/organizations/" + w.orgID + "/seats"
	res := keys(t, "seats", s.ok(req{method: "PUT", path: path, body: map[string]any{"seats": 3}}), "organization", "seats")
	if res["seats"] != "3" || obj(t, res, "organization")["id"] != w.orgID {
		t.Errorf("PUT %s: %v", path, res)
	}
	s.fails(req{method: "PUT", path: path, body: map[string]any{"seats": -1}}, 400, 3, "seats must be between 0 and 1000000")
	s.fails(req{method: "PUT", path: path, body: map[string]any{"seats": 1000001}}, 400, 3, "seats must be between 0 and 1000000")
	s.fails(req{method: "PUT", path: path, as: &owner, body: map[string]any{"seats": 5}}, 403, 7, "not authorized")
	s.fails(req{method: "PUT", path: "/v1beta1/admin/organizations/" + billd.NewUUID() + "/seats", body: map[string]any{"seats": 1}}, 404, 5, "not found")
}
