package main

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sandbox"
)

// The CUDO v1 billing-accounts dialect end to end, on SQLite and PostgreSQL: every path of the
// contract over the accounts the Frontier paths serve, with Bearer API keys.

// seed002Details is the shape of seed 002's body of GET /v1/billing-accounts/{id}/details: every
// key billd must answer, nested.
const seed002Details = `{"billingAccount": {
  "billingAddress": {"city": "", "country": "", "line1": "", "line2": "", "name": "", "phone": "", "postalCode": "", "state": ""},
  "billingThreshold": {"value": ""}, "createBy": "", "createTime": "", "creditBalance": {"value": ""},
  "creditBalanceRecharge": {"autoRecharge": true, "high": {"value": ""}, "low": {"value": ""},
    "transaction": {"amount": {"value": ""}, "createTime": "", "description": "", "id": "",
      "lastPaymentError": {"code": "", "declineCode": ""},
      "latestCharge": {"amount": {"value": ""}, "createTime": "", "failureCode": "", "paid": true, "refunded": true, "status": ""},
      "status": "", "succeeded": true}},
  "deleteTime": "", "displayName": "", "hourlySpendLimit": {"value": ""}, "hourlySpendRate": {"value": ""}, "id": "",
  "invoiceTime": "", "monthlySpend": "", "monthlySpendLimit": {"value": ""}, "nextInvoiceTotal": {"value": ""},
  "paymentTerms": "", "purgeTime": "", "state": "", "stripeRef": "", "taxId": {"id": "", "type": "", "value": ""}},
 "stripeCustomer": {"balance": {"value": ""}, "email": "", "id": "", "name": ""}}`

// nullable are the keys of seed 002 that billd answers null while they do not apply.
var nullable = []string{"transaction", "deleteTime", "purgeTime", "invoiceTime"}

// sameShape checks that got has exactly the keys of want, at every level of objects.
func sameShape(t *testing.T, path string, want, got any) {
	t.Helper()
	w, ok := want.(map[string]any)
	if !ok {
		return
	}
	g, ok := got.(map[string]any)
	if !ok {
		if got == nil && slices.Contains(nullable, path[strings.LastIndex(path, ".")+1:]) {
			return
		}
		t.Errorf("%s = %v, want an object", path, got)
		return
	}
	if !slices.Equal(sortedKeys(w), sortedKeys(g)) {
		t.Errorf("%s: keys %v, want %v", path, sortedKeys(g), sortedKeys(w))
	}
	for k, v := range w {
		sameShape(t, path+"."+k, v, g[k])
	}
}

// cudoKey creates a client of the organization with the role and returns its Bearer API key.
func cudoKey(t *testing.T, s *server, orgID, role string) creds {
	t.Helper()
	_, key := clientCreds(t, s.ok(req{method: "POST", path: "/v1beta1/admin/clients", body: map[string]any{"role": role, "org_id": orgID}}))
	return key
}

// money returns the value of a CUDO Money field.
func money(t *testing.T, m map[string]any, key string) string {
	t.Helper()
	return str(t, obj(t, m, key), "value")
}

// cudoAccount returns the CUDO path of the world's account followed by suffix.
func (w *world) cudoAccount(suffix string) string {
	return "/v1/billing-accounts/" + w.accountID + suffix
}

// TestCUDODetails checks GET …/details against seed 002's shape, field for field, and that a
// grant of 12345 made through Frontier shows as 123.45 of the usd account, with the hour's and
// the month's spend of a usage.
func TestCUDODetails(t *testing.T) {
	var seed any
	if err := json.Unmarshal([]byte(seed002Details), &seed); err != nil {
		t.Fatal(err)
	}
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 12345)
		member := cudoKey(t, s, w.orgID, "member")
		got := s.ok(req{method: "GET", path: w.cudoAccount("/details"), as: &member})
		sameShape(t, "details", seed, got)
		a := obj(t, got, "billingAccount")
		if v := money(t, a, "creditBalance"); v != "123.45" {
			t.Errorf("creditBalance %q after a grant of 12345 through Frontier, want 123.45", v)
		}
		w.use(t, s, billd.NewUUID(), 250)
		a = obj(t, s.ok(req{method: "GET", path: w.cudoAccount("/details"), as: &member}), "billingAccount")
		for k, want := range map[string]string{"creditBalance": "120.95", "hourlySpendRate": "2.50", "hourlySpendLimit": "0.00",
			"monthlySpendLimit": "0.00", "billingThreshold": "0.00", "nextInvoiceTotal": "0.00"} {
			if v := money(t, a, k); v != want {
				t.Errorf("%s %q, want %q", k, v, want)
			}
		}
		for k, want := range map[string]any{"id": w.accountID, "monthlySpend": "2.50", "state": "STATE_ACTIVE",
			"paymentTerms": "PAYMENT_TERMS_PREPAID", "displayName": "Acme billing", "createBy": adminID,
			"deleteTime": nil, "purgeTime": nil, "invoiceTime": nil} {
			if a[k] != want {
				t.Errorf("%s = %v, want %v", k, a[k], want)
			}
		}
		timestamp(t, "createTime", a["createTime"])
		if addr := obj(t, a, "billingAddress"); addr["city"] != "Berlin" || addr["country"] != "DE" {
			t.Errorf("billingAddress %v", addr)
		}
		if tax := obj(t, a, "taxId"); tax["type"] != "vat" || tax["value"] != "DE1" || !billd.IsUUID(str(t, tax, "id")) {
			t.Errorf("taxId %v", tax)
		}
		if r := obj(t, a, "creditBalanceRecharge"); r["autoRecharge"] != false || r["transaction"] != nil {
			t.Errorf("creditBalanceRecharge %v", r)
		}
		sameShape(t, "get", obj(t, seed.(map[string]any), "billingAccount"), s.ok(req{method: "GET", path: w.cudoAccount(""), as: &member}))
	})
}

// TestCUDOAccounts checks list, create (a platform key names the organization), get and delete,
// and an unknown account's 404 in the Status shape.
func TestCUDOAccounts(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 0)
		owner := cudoKey(t, s, w.orgID, "owner")
		list := keys(t, "list", s.ok(req{method: "GET", path: "/v1/billing-accounts", as: &owner}), "billingAccounts", "pageToken", "pageSize")
		if items := list["billingAccounts"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != w.accountID || list["pageSize"] != json.Number("1") {
			t.Errorf("list %v", list)
		}
		org := str(t, createOrg(t, s, "cudo-"+billd.NewUUID()[:8]), "id")
		body := map[string]any{"display_name": "Lab", "email": "lab@acme.test", "invoiceName": "Lab GmbH",
			"billingAddress": map[string]any{"city": "Paris", "postal_code": "75001"}, "taxId": map[string]any{"type": "eu_vat", "value": "FR1"}}
		s.fails(req{method: "POST", path: "/v1/billing-accounts", body: body}, 400, 3, "organizationId")
		created := s.ok(req{method: "POST", path: "/v1/billing-accounts?organizationId=" + org, body: body})
		id := str(t, created, "id")
		addr := obj(t, created, "billingAddress")
		if created["displayName"] != "Lab" || addr["name"] != "Lab GmbH" || addr["postalCode"] != "75001" || money(t, created, "creditBalance") != "0.00" {
			t.Errorf("created %v", created)
		}
		orgKey := cudoKey(t, s, org, "member")
		if got := s.ok(req{method: "GET", path: "/v1/billing-accounts/" + id, as: &orgKey}); got["id"] != id {
			t.Errorf("get %v", got)
		}
		s.fails(req{method: "GET", path: "/v1/billing-accounts/" + id, as: &owner}, 403, 7, "")
		s.fails(req{method: "DELETE", path: "/v1/billing-accounts/" + id, as: &orgKey}, 403, 7, "")
		if got := s.ok(req{method: "DELETE", path: "/v1/billing-accounts/" + id}); len(got) != 0 {
			t.Errorf("delete answered %v, want {}", got)
		}
		s.fails(req{method: "GET", path: "/v1/billing-accounts/" + id, as: &orgKey}, 404, 5, "not found")
		// A platform admin still sees the closed account: when it was deleted, and when its personal
		// data will be purged (30 days later by default).
		closed := s.ok(req{method: "GET", path: "/v1/billing-accounts/" + id})
		deleted, err1 := time.Parse(time.RFC3339Nano, str(t, closed, "deleteTime"))
		purge, err2 := time.Parse(time.RFC3339Nano, str(t, closed, "purgeTime"))
		if err1 != nil || err2 != nil || purge.Sub(deleted) != 30*24*time.Hour {
			t.Errorf("closed account: deleteTime %v, purgeTime %v", closed["deleteTime"], closed["purgeTime"])
		}
		s.fails(req{method: "GET", path: "/v1/billing-accounts/" + billd.NewUUID() + "/details"}, 404, 5, "not found")
		s.fails(req{method: "GET", path: "/v1/billing-accounts/" + w.accountID, as: &creds{}}, 401, 16, "credentials")
	})
}

// TestCUDOUpdate checks PATCH with its updateMask: the profile by the owner, recharge by an
// organization admin, the readOnly controls by a platform admin only, and bad input.
func TestCUDOUpdate(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 0)
		owner, admin2 := cudoKey(t, s, w.orgID, "owner"), cudoKey(t, s, w.orgID, "admin")
		path := w.cudoAccount("")
		patch := func(as *creds, mask string, account map[string]any) req {
			return req{method: "PATCH", path: path + "?updateMask=" + url.QueryEscape(mask), as: as, body: map[string]any{"billingAccount": account}}
		}
		got := s.ok(patch(&owner, "displayName,billingAddress.city", map[string]any{"displayName": "Renamed",
			"billingAddress": map[string]any{"city": "Hamburg", "country": "XX"}}))
		if addr := obj(t, got, "billingAddress"); got["displayName"] != "Renamed" || addr["city"] != "Hamburg" || addr["country"] != "DE" {
			t.Errorf("after the profile patch: %v", got)
		}
		// The mask in the body, snake_case fields, text/plain: read as JSON all the same.
		got = s.ok(req{method: "PATCH", path: path, as: &admin2, header: map[string]string{"Content-Type": "text/plain"},
			body: `{"billing_account": {"credit_balance_recharge": {"auto_recharge": true, "low": {"value": "10"}, "high": {"value": "50.5"}}},
			"update_mask": "creditBalanceRecharge", "unknown": [1, {"x": null}]}`})
		r := obj(t, got, "creditBalanceRecharge")
		if r["autoRecharge"] != true || money(t, r, "low") != "10.00" || money(t, r, "high") != "50.50" {
			t.Errorf("recharge %v", r)
		}
		got = s.ok(patch(nil, "hourlySpendLimit,monthlySpendLimit,billingThreshold,state", map[string]any{
			"hourlySpendLimit": map[string]any{"value": "5"}, "monthlySpendLimit": map[string]any{"value": "1e2"},
			"billingThreshold": map[string]any{"value": "0.5"}, "state": "STATE_SUSPENDED_ABUSE"}))
		if money(t, got, "hourlySpendLimit") != "5.00" || money(t, got, "monthlySpendLimit") != "100.00" ||
			money(t, got, "billingThreshold") != "0.50" || got["state"] != "STATE_SUSPENDED_ABUSE" {
			t.Errorf("after the admin's patch: %v", got)
		}
		s.ok(patch(nil, "state", map[string]any{"state": "STATE_ACTIVE"}))
		for _, bad := range []struct {
			as           *creds
			mask         string
			account      map[string]any
			status, code int
			msg          string
		}{
			{&owner, "hourlySpendLimit", map[string]any{"hourlySpendLimit": map[string]any{"value": "1"}}, 403, 7, "hourly spend limit"},
			{&admin2, "state", map[string]any{"state": "STATE_SUSPENDED_ABUSE"}, 403, 7, "state"},
			{&owner, "paymentTerms", map[string]any{"paymentTerms": "PAYMENT_TERMS_INVOICE"}, 403, 7, "payment terms"},
			{nil, "hourlySpendLimit", map[string]any{"hourlySpendLimit": map[string]any{"value": "-1"}}, 400, 3, "must not be negative"},
			{nil, "hourlySpendLimit", map[string]any{"hourlySpendLimit": map[string]any{"value": "1.001"}}, 400, 3, "more than 2 decimal places"},
			{nil, "monthlySpendLimit", map[string]any{"monthlySpendLimit": map[string]any{"value": "1.2.3"}}, 400, 3, "not a decimal"},
			{nil, "billingThreshold", map[string]any{"billingThreshold": map[string]any{"value": 12}}, 400, 3, "decimal string"},
			{&owner, "creditBalanceRecharge", map[string]any{"creditBalanceRecharge": map[string]any{"autoRecharge": true,
				"low": map[string]any{"value": "9"}, "high": map[string]any{"value": "3"}}}, 400, 3, "creditBalanceRecharge.low (9.00) must be below creditBalanceRecharge.high (3.00)"},
			{&owner, "createTime", map[string]any{}, 400, 3, `"createTime" is not a field`},
			{&owner, "", map[string]any{"displayName": "x"}, 400, 3, "updateMask is required"},
			{nil, "state", map[string]any{"state": "STATE_UNSPECIFIED"}, 400, 3, "state must be"},
			// All or nothing: a refused field leaves the other fields of the patch unchanged too.
			{&owner, "displayName,hourlySpendLimit", map[string]any{"displayName": "Nope",
				"hourlySpendLimit": map[string]any{"value": "1"}}, 403, 7, "hourly spend limit"},
			{&owner, "billingAddress.city,creditBalanceRecharge.high", map[string]any{"billingAddress": map[string]any{"city": strings.Repeat("x", 300)},
				"creditBalanceRecharge": map[string]any{"high": map[string]any{"value": "70"}}}, 400, 3, "address.city"},
		} {
			s.fails(patch(bad.as, bad.mask, bad.account), bad.status, bad.code, bad.msg)
		}
		s.fails(req{method: "PATCH", path: path + "?updateMask=displayName", as: &owner, body: `[1]`}, 400, 3, "JSON object")
		s.fails(req{method: "PATCH", path: path + "?updateMask=displayName", as: &owner, body: `{"x": ` + strings.Repeat("[", 40)}, 400, 3, "deeper")
		after := s.ok(req{method: "GET", path: path})
		if money(t, after, "hourlySpendLimit") != "5.00" || after["displayName"] != "Renamed" || after["state"] != "STATE_ACTIVE" ||
			money(t, obj(t, after, "creditBalanceRecharge"), "high") != "50.50" || obj(t, after, "billingAddress")["city"] != "Hamburg" {
			t.Errorf("refused patches changed the account: %v", after)
		}
	})
}

// TestCUDOLedger checks the credit-balance transactions (signed amounts, Stripe paging) and the
// spend report (per source and description, reverts given back).
func TestCUDOLedger(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 10000)
		member := cudoKey(t, s, w.orgID, "member")
		start := time.Now().UTC().Add(-time.Hour)
		u1 := billd.NewUUID()
		w.use(t, s, u1, 300)
		s.ok(req{method: "POST", path: w.account("/usages"), as: &w.meter, body: map[string]any{"usages": []any{
			map[string]any{"id": billd.NewUUID(), "amount": 125, "source": w.projectID, "description": "disk"}}}})
		s.ok(req{method: "POST", path: "/v1beta1/admin/organizations/" + w.orgID + "/billing/" + w.accountID + "/usage/" + u1 + "/revert",
			as: &w.meter, body: map[string]any{"amount": 100}})
		list := keys(t, "transactions", s.ok(req{method: "GET", path: w.cudoAccount("/credit-balance-transactions?pageSize=3"), as: &member}),
			"creditBalanceTransactions", "hasMore")
		items := list["creditBalanceTransactions"].([]any)
		if len(items) != 3 || list["hasMore"] != true {
			t.Fatalf("first page %v", list)
		}
		var amounts []string
		for _, it := range items {
			tr := keys(t, "transaction", it, "id", "amount", "description", "createTime")
			amounts = append(amounts, money(t, tr, "amount"))
		}
		last := str(t, items[2].(map[string]any), "id")
		rest := s.ok(req{method: "GET", path: w.cudoAccount("/credit-balance-transactions?startingAfter=" + last), as: &member})
		restItems := rest["creditBalanceTransactions"].([]any)
		if len(restItems) != 1 || rest["hasMore"] != false || money(t, restItems[0].(map[string]any), "amount") != "100.00" {
			t.Errorf("second page %v", rest)
		}
		slices.Sort(amounts)
		if !slices.Equal(amounts, []string{"-1.25", "-3.00", "1.00"}) {
			t.Errorf("amounts %v, want -3.00 and -1.25 (usages) and 1.00 (revert)", amounts)
		}
		s.fails(req{method: "GET", path: w.cudoAccount("/credit-balance-transactions?startingAfter=" + billd.NewUUID()), as: &member}, 400, 3, "startingAfter")

		spendPath := "/v1/billing-accounts/" + w.accountID + "/spend/details?startTime=" + start.Format(time.RFC3339) +
			"&endTime=" + time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
		rows := keys(t, "spend", s.ok(req{method: "GET", path: spendPath, as: &member}), "spend")["spend"].([]any)
		if len(rows) != 2 {
			t.Fatalf("spend rows %v", rows)
		}
		got := map[string]string{}
		for _, r := range rows {
			row := keys(t, "row", r, "projectId", "description", "quantity", "unit", "unitAmount", "amount")
			got[str(t, row, "projectId")+"/"+str(t, row, "description")] = money(t, row, "amount")
		}
		if got["gpu/a100"] != "2.00" || got[w.projectID+"/disk"] != "1.25" {
			t.Errorf("spend %v, want gpu/a100 2.00 (300 less a revert of 100) and the project's disk 1.25", got)
		}
		s.fails(req{method: "GET", path: "/v1/billing-accounts/" + w.accountID + "/spend/details?startTime=" + start.Format(time.RFC3339), as: &member}, 400, 3, "endTime is required")
		s.fails(req{method: "GET", path: spendPath + "x", as: &member}, 400, 3, "RFC 3339")
	})
}

// TestCUDOInvoices checks the invoice lists: an overdraft invoice of a postpaid account, by
// status and paging, and as outstanding.
func TestCUDOInvoices(t *testing.T) {
	eachStoreWith(t, adminEnv, []string{"--overdraft-product", "od-credits", "--invoice-day", "0"}, func(t *testing.T, s *server) {
		s.ok(req{method: "POST", path: "/v1beta1/billing/products", body: map[string]any{"body": map[string]any{
			"name": "od-credits", "behavior": "credits", "behavior_config": map[string]any{"credit_amount": 1},
			"prices": []any{map[string]any{"name": "unit", "currency": "usd", "amount": 1}}}}})
		w := newWorld(t, s, 0)
		owner, member := cudoKey(t, s, w.orgID, "owner"), cudoKey(t, s, w.orgID, "member")
		s.ok(req{method: "PUT", path: w.billing("/details"), body: map[string]any{"credit_min": -5000, "due_in_days": 7}})
		w.use(t, s, billd.NewUUID(), 2500)
		if got := s.ok(req{method: "GET", path: "/v1/billing-accounts/" + w.accountID, as: &owner}); money(t, got, "nextInvoiceTotal") != "25.00" ||
			got["paymentTerms"] != "PAYMENT_TERMS_INVOICE" {
			t.Errorf("postpaid account %v", got)
		}
		s.ok(req{method: "POST", path: "/v1beta1/admin/billing/invoices/generate", body: map[string]any{}})
		list := keys(t, "invoices", s.ok(req{method: "GET", path: "/v1/billing-accounts/invoices?id=" + w.accountID, as: &owner}), "invoices", "hasMore")
		items := list["invoices"].([]any)
		if len(items) != 1 || list["hasMore"] != false {
			t.Fatalf("invoices %v", list)
		}
		inv := keys(t, "invoice", items[0], "id", "amountDue", "amountPaid", "amountRemaining", "created", "description", "currency",
			"hostedInvoiceUrl", "status", "dueDate", "paidDate", "billingReason", "autoAdvance", "periodStart", "periodEnd", "number",
			"subtotalExcludingTax", "subtotal", "totalExcludingTax", "tax", "total")
		if inv["amountDue"] != "2500" || inv["amountRemaining"] != "2500" || inv["status"] != "open" || inv["currency"] != "usd" || inv["paidDate"] != "0" {
			t.Errorf("invoice %v", inv)
		}
		int64String(t, "created", inv["created"])
		if due := int64String(t, "dueDate", inv["dueDate"]); due <= int64String(t, "created", inv["created"]) {
			t.Errorf("dueDate %d not after created", due)
		}
		for q, n := range map[string]int{"&status=open": 1, "&status=paid": 0, "&pageSize=1&startingAfter=" + str(t, inv, "id"): 0} {
			got := s.ok(req{method: "GET", path: "/v1/billing-accounts/invoices?id=" + w.accountID + q, as: &owner})["invoices"].([]any)
			if len(got) != n {
				t.Errorf("invoices%s: %d, want %d", q, len(got), n)
			}
		}
		out := keys(t, "outstanding", s.ok(req{method: "GET", path: "/v1/billing-accounts/invoices/outstanding", as: &owner}), "invoices")
		if got := out["invoices"].([]any); len(got) != 1 || got[0].(map[string]any)["id"] != inv["id"] {
			t.Errorf("outstanding %v", out)
		}
		s.fails(req{method: "GET", path: "/v1/billing-accounts/invoices?id=" + w.accountID, as: &member}, 403, 7, "")
		s.fails(req{method: "GET", path: "/v1/billing-accounts/invoices?id=" + w.accountID + "&status=late", as: &owner}, 400, 3, "status")
		s.fails(req{method: "GET", path: "/v1/billing-accounts/invoices", as: &owner}, 400, 3, "id")
	})
}

// TestCUDOPaymentMethods saves a card through the setup intent on the sandbox's page, lists it,
// makes it the default and removes it.
func TestCUDOPaymentMethods(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 0)
		owner, member := cudoKey(t, s, w.orgID, "owner"), cudoKey(t, s, w.orgID, "member")
		methods := func() []any {
			t.Helper()
			return keys(t, "methods", s.ok(req{method: "GET", path: w.cudoAccount("/payment-methods"), as: &member}), "paymentMethods")["paymentMethods"].([]any)
		}
		if got := methods(); len(got) != 0 {
			t.Fatalf("methods before any was saved: %v", got)
		}
		s.fails(req{method: "GET", path: w.cudoAccount("/setup-intent"), as: &member}, 403, 7, "")
		intent := keys(t, "setup intent", s.ok(req{method: "GET", path: w.cudoAccount("/setup-intent"), as: &owner}), "id", "clientSecret")
		if status, _ := payOnPage(t, s, str(t, intent, "clientSecret"), "pay", testCard); status >= 400 {
			t.Fatalf("saving the card on the sandbox's page: %d", status)
		}
		var card map[string]any
		eventually(t, "the saved card", func() error {
			if got := methods(); len(got) == 1 {
				card = got[0].(map[string]any)
				return nil
			}
			return errNotYet
		})
		keys(t, "method", card, "id", "type", "card", "paypal", "isDefault")
		c := keys(t, "card", card["card"], "brand", "country", "expMonth", "expYear", "fingerprint", "last4")
		if card["type"] != "card" || c["last4"] != "4242" || c["expYear"] != "2040" || card["paypal"] != nil {
			t.Errorf("saved card %v", card)
		}
		id := str(t, card, "id")
		ref := s.ok(req{method: "POST", path: w.cudoAccount("/payment-methods/" + id + "/set-default"), as: &owner})
		if ref["id"] != w.accountID || ref["paymentMethodId"] != id || methods()[0].(map[string]any)["isDefault"] != true {
			t.Errorf("set-default %v", ref)
		}
		s.fails(req{method: "POST", path: w.cudoAccount("/payment-methods/" + billd.NewUUID() + "/set-default"), as: &owner}, 404, 5, "payment method")
		s.fails(req{method: "DELETE", path: w.cudoAccount("/payment-methods/" + id), as: &member}, 403, 7, "")
		s.ok(req{method: "DELETE", path: w.cudoAccount("/payment-methods/" + id), as: &owner})
		if got := methods(); len(got) != 0 {
			t.Errorf("methods after the removal: %v", got)
		}
		s.fails(req{method: "DELETE", path: w.cudoAccount("/payment-methods/" + id), as: &owner}, 404, 5, "payment method")
	})
}

// TestCUDOProjectsAndUsers checks the projects an account pays for and the user grants.
func TestCUDOProjectsAndUsers(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 0)
		owner, member := cudoKey(t, s, w.orgID, "owner"), cudoKey(t, s, w.orgID, "member")
		projects := keys(t, "projects", s.ok(req{method: "GET", path: w.cudoAccount("/projects"), as: &member}), "projects")["projects"].([]any)
		if len(projects) != 1 {
			t.Fatalf("projects %v", projects)
		}
		if p := keys(t, "project", projects[0], "id", "resourceCount"); p["id"] != w.projectID || p["resourceCount"] != json.Number("0") {
			t.Errorf("project %v", p)
		}
		add := "/v1/billing-accounts/" + w.accountID + "/add-user-permission"
		remove := "/v1/billing-accounts/" + w.accountID + "/remove-user-permission"
		grant := map[string]any{"userEmail": "Ada@Acme.test", "role": "EDITOR", "projectId": w.projectID, "dataCenterId": "gb-1"}
		for range 2 { // idempotent
			if got := s.ok(req{method: "POST", path: add, as: &owner, body: grant}); len(got) != 0 {
				t.Errorf("add answered %v, want {}", got)
			}
		}
		s.fails(req{method: "POST", path: add, as: &member, body: grant}, 403, 7, "")
		s.fails(req{method: "POST", path: add, as: &owner, body: map[string]any{"userEmail": "ada@acme.test", "role": "UNKNOWN"}}, 400, 3, "role")
		s.fails(req{method: "POST", path: add, as: &owner, body: map[string]any{"userEmail": "nobody", "role": "VIEWER"}}, 400, 3, "userEmail")
		s.fails(req{method: "POST", path: add, as: &owner, body: map[string]any{"userEmail": "a@acme.test", "role": "VIEWER", "projectId": billd.NewUUID()}}, 404, 5, "project")
		for range 2 {
			s.ok(req{method: "POST", path: remove, as: &owner, body: map[string]any{"user_id": billd.AccountUserID("ada@acme.test"), "role": "EDITOR", "project_id": w.projectID}})
		}
		s.fails(req{method: "POST", path: remove, as: &owner, body: map[string]any{"userId": "x", "role": "EDITOR"}}, 400, 3, "userId")
		big := `{"userEmail": "a@acme.test", "role": "VIEWER", "pad": "` + strings.Repeat("x", 2<<20) + `"}`
		s.fails(req{method: "POST", path: add, as: &owner, body: big}, 413, 8, "larger than")
	})
}

// TestCUDOCharges follows the paths that charge a saved card: a credit payment, then the account's
// transactions. They need billd.Service.CreditAccount and Charges (the recharge work).
func TestCUDOCharges(t *testing.T) {
	eachStore(t, func(t *testing.T, s *server) {
		w := newWorld(t, s, 0)
		owner := cudoKey(t, s, w.orgID, "owner")
		intent := s.ok(req{method: "GET", path: w.cudoAccount("/setup-intent"), as: &owner})
		payOnPage(t, s, str(t, intent, "clientSecret"), "pay", testCard)
		var method string
		eventually(t, "the saved card", func() error {
			if got := s.ok(req{method: "GET", path: w.cudoAccount("/payment-methods"), as: &owner})["paymentMethods"].([]any); len(got) == 1 {
				method = got[0].(map[string]any)["id"].(string)
				return nil
			}
			return errNotYet
		})
		for _, bad := range []string{"1.001", "-5", "abc", "0"} {
			s.fails(req{method: "POST", path: w.cudoAccount("/credit?paymentMethod=" + method + "&amount.value=" + url.QueryEscape(bad)), as: &owner}, 400, 3, "")
		}
		paid := s.ok(req{method: "POST", path: w.cudoAccount("/credit?paymentMethod=" + method + "&amount.value=12.34"), as: &owner})
		secret := str(t, obj(t, paid, "paymentIntent"), "clientSecret")
		if got := money(t, s.ok(req{method: "GET", path: w.cudoAccount(""), as: &owner}), "creditBalance"); got != "12.34" {
			t.Errorf("creditBalance %q after a credit payment of 12.34", got)
		}
		list := keys(t, "transactions", s.ok(req{method: "GET", path: w.cudoAccount("/transactions"), as: &owner}), "transactions", "hasMore")
		items := list["transactions"].([]any)
		if len(items) != 1 {
			t.Fatalf("transactions %v", list)
		}
		tr := keys(t, "transaction", items[0], "id", "amount", "description", "createTime", "status", "succeeded", "latestCharge", "lastPaymentError")
		if tr["id"] != secret || money(t, tr, "amount") != "12.34" || tr["succeeded"] != true {
			t.Errorf("transaction %v", tr)
		}

		// A retried request with the same Idempotency-Key answers with the first one's charge.
		retry := req{method: "POST", path: w.cudoAccount("/credit?paymentMethod=" + method + "&amount.value=1"), as: &owner,
			header: map[string]string{"Idempotency-Key": "order-7"}}
		first := str(t, obj(t, s.ok(retry), "paymentIntent"), "clientSecret")
		if again := str(t, obj(t, s.ok(retry), "paymentIntent"), "clientSecret"); again != first {
			t.Errorf("a retried credit payment made charge %s after %s", again, first)
		}
		if got := money(t, s.ok(req{method: "GET", path: w.cudoAccount(""), as: &owner}), "creditBalance"); got != "13.34" {
			t.Errorf("creditBalance %q after a credit payment retried with its key, want 13.34", got)
		}
		// startingAfter pages from the charge after the one it names.
		after := s.ok(req{method: "GET", path: w.cudoAccount("/transactions?pageSize=1&startingAfter=" + first), as: &owner})
		if items := after["transactions"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != secret || after["hasMore"] != false {
			t.Errorf("transactions after %s: %v", first, after)
		}
		s.fails(req{method: "GET", path: w.cudoAccount("/transactions?startingAfter=" + w.orgID), as: &owner}, 400, 3, "is not a transaction of the account")

		// A card that every off-session charge declines: an error, nothing credited, the failed
		// transaction listed with the provider's codes.
		intent = s.ok(req{method: "GET", path: w.cudoAccount("/setup-intent"), as: &owner})
		payOnPage(t, s, str(t, intent, "clientSecret"), "pay", url.Values{"card_number": {sandbox.CardDeclineOffSession},
			"card_expiry": {"12/40"}, "card_cvc": {"123"}})
		var declining string
		eventually(t, "the second card", func() error {
			for _, m := range s.ok(req{method: "GET", path: w.cudoAccount("/payment-methods"), as: &owner})["paymentMethods"].([]any) {
				if id := m.(map[string]any)["id"].(string); id != method {
					declining = id
					return nil
				}
			}
			return errNotYet
		})
		s.fails(req{method: "POST", path: w.cudoAccount("/credit?paymentMethod=" + declining + "&amount.value=5"), as: &owner}, 400, 9, "was declined: card_declined")
		if got := money(t, s.ok(req{method: "GET", path: w.cudoAccount(""), as: &owner}), "creditBalance"); got != "13.34" {
			t.Errorf("creditBalance %q after a declined credit payment, want 13.34", got)
		}
		newest := s.ok(req{method: "GET", path: w.cudoAccount("/transactions?pageSize=1"), as: &owner})["transactions"].([]any)[0].(map[string]any)
		if newest["succeeded"] != false || obj(t, newest, "lastPaymentError")["code"] != "card_declined" {
			t.Errorf("the declined transaction: %v", newest)
		}
	})
}

// errNotYet is what a condition polled by eventually returns while it does not hold.
var errNotYet = billd.Errorf(billd.EUNAVAILABLE, "not yet")
