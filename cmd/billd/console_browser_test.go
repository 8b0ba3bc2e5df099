package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// The browser test of the web console: a person signs in at /console on the real billd binary, in
// headless Chromium driven by playwright-core (tests/browser/console.mjs, run by browser_test.go's
// harness), visits every page, buys credits through the sandbox and is refused where the role or
// the missing CSRF token says so; then the API must agree with what the pages showed. A
// process-level test (BILLD_PROCESS_TESTS=1), skipped like TestBrowserCheckout when the browser
// tools are missing. Screenshots of every page, at desktop and phone width, go to
// $BILLD_TEST_ARTIFACTS.

// consoleVisit is what console.mjs saw, as its JSON line says.
type consoleVisit struct {
	OK              bool           `json:"ok"`
	Error           string         `json:"error"`
	Screenshots     []string       `json:"screenshots"`
	Pages           map[string]int `json:"pages"`
	PageErrors      []string       `json:"page_errors"`
	SignInFailed    int            `json:"signin_failed_status"`
	SignInProblem   string         `json:"signin_failed_problem"`
	Role            string         `json:"role"`
	FirstFocus      string         `json:"first_focus"`
	BalanceBefore   string         `json:"balance_before"`
	BalanceAfter    string         `json:"balance_after"`
	ChartBefore     string         `json:"chart_before"`
	ChartAfter      string         `json:"chart_after"`
	InvoicePDF      string         `json:"invoice_pdf"`
	BadDateProblem  string         `json:"bad_date_problem"`
	CheckoutURL     string         `json:"checkout_url"`
	AfterPayment    string         `json:"after_payment_url"`
	Notice          string         `json:"notice"`
	CSRFLessStatus  int            `json:"csrfless_status"`
	CSRFLessProblem string         `json:"csrfless_problem"`
	SignedOutURL    string         `json:"signed_out_url"`
	MemberHome      string         `json:"member_home"`
	MemberProblem   string         `json:"member_problem"`
	WebhookID       string         `json:"webhook_id"`
	WebhookSecret   string         `json:"webhook_secret"`
	WebhooksListed  string         `json:"webhooks_listed"`
}

// consoleWebhookURL is the endpoint the browser adds: a public address (documentation range, so
// no name lookup), for an event the run never makes, so no delivery is attempted.
const consoleWebhookURL = "https://203.0.113.7/billd-events"

// TestBrowserConsole drives the console in a real browser on both stores.
func TestBrowserConsole(t *testing.T) {
	procRequired(t)
	tools := requireBrowser(t)
	tools.script = filepath.Join(filepath.Dir(tools.script), "console.mjs")
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			s := spawn(t, "billd[console "+store+"]", sqltest.DSN(t, store), "", "--overdraft-product", "od-credits", "--invoice-day", "0")
			w := newWorld(t, s, 0)
			product := browserProduct(t, s, "console-credits-")
			member := w.client(t, s, "member")
			invoiced, invoiceID := invoicedWorld(t, s)
			v := runConsole(t, tools, map[string]any{"base": s.url, "org": w.orgID, "account": w.accountID,
				"product": product, "quantity": browserQuantity, "admin": map[string]string{"id": admin.id, "secret": admin.secret},
				"member": map[string]string{"id": member.id, "secret": member.secret}, "out": artifactDir(t),
				"invoice_org": invoiced.orgID, "invoice_account": invoiced.accountID, "invoice_id": invoiceID,
				"webhook_url": consoleWebhookURL})

			credits := int64(browserQuantity * browserCreditAmount)
			accountPath := "/console/orgs/" + w.orgID + "/accounts/" + w.accountID
			checks := []struct {
				ok   bool
				what string
			}{
				{v.SignInFailed == 401 && strings.Contains(v.SignInProblem, "wrong"), "a wrong secret is refused on the sign-in page"},
				{v.Role == "admin · platform", "the header shows the principal's role"},
				{v.FirstFocus == "Skip to content", "the first Tab reaches the skip link"},
				{v.BalanceBefore == "0", "the account page shows the balance before buying"},
				{v.BalanceAfter == fmt.Sprint(credits), "the account page shows the credits bought"},
				{w.balance(t, s) == credits, "the API's balance is the credits bought"},
				{strings.Contains(v.ChartBefore, "<polyline") && v.ChartAfter != v.ChartBefore, "the balance chart changes with the payment"},
				{strings.HasPrefix(v.CheckoutURL, s.url+"/checkout/"), "Buy credits lands on the sandbox's checkout page"},
				{v.AfterPayment == s.url+accountPath+"?done=paid", "the payment returns to the account"},
				{strings.Contains(v.Notice, "payment went through"), "the account page says the payment went through"},
				{strings.Contains(v.BadDateProblem, "YYYY-MM-DD"), "a bad date filter gets a clear 400 page"},
				{v.CSRFLessStatus == 403 && strings.Contains(v.CSRFLessProblem, "did not come from a page"), "a form without its CSRF token is refused"},
				{v.SignedOutURL == s.url+"/console/sign-in?out=1", "sign-out lands on the sign-in page"},
				{v.MemberHome == s.url+"/console/orgs/"+w.orgID, "a member lands on its organization"},
				{v.Pages["member-refused"] == 403 && v.MemberProblem == "not authorized", "a member is refused the API clients page"},
				{strings.HasPrefix(v.WebhookSecret, "whsec_"), "adding a webhook endpoint shows its signing secret"},
				{strings.Contains(v.WebhooksListed, consoleWebhookURL) && strings.Contains(v.WebhooksListed, "invoice.paid"), "the endpoint added is listed"},
				{v.Pages["webhook-delete"] == 200, "an endpoint's deletion asks first"},
				{len(v.PageErrors) == 0, "no page threw"},
			}
			for _, c := range checks {
				if !c.ok {
					t.Errorf("%s: saw %+v", c.what, v)
				}
			}
			if text := pdfText(t, v.InvoicePDF); !strings.Contains(text, invoiceID) {
				t.Errorf("the downloaded invoice PDF does not show its number %s:\n%s", invoiceID, text)
			}
			hooks, _ := s.ok(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID + "/webhooks"})["webhooks"].([]any)
			if len(hooks) != 1 || hooks[0].(map[string]any)["id"] != v.WebhookID {
				t.Errorf("the organization's webhooks: %v, want the console's %s", hooks, v.WebhookID)
			}
			list, _ := s.ok(req{method: "GET", path: w.account("/checkouts")})["checkout_sessions"].([]any)
			if len(list) != 1 {
				t.Fatalf("%d checkouts, want the console's one: %v", len(list), list)
			}
			if c, _ := list[0].(map[string]any); c["state"] != "complete" || c["payment_status"] != "paid" {
				t.Errorf("the console's checkout: %v, want complete and paid", c)
			}
		})
	}
}

// invoicedWorld makes a world whose account is invoiced with a credit line and owes an overdraft
// invoice (the server runs with --overdraft-product od-credits), and returns it and the invoice's id.
func invoicedWorld(t *testing.T, s *server) (*world, string) {
	t.Helper()
	s.ok(req{method: "POST", path: "/v1beta1/billing/products", body: map[string]any{"body": map[string]any{
		"name": "od-credits", "behavior": "credits", "behavior_config": map[string]any{"credit_amount": 100},
		"prices": []any{map[string]any{"name": "unit", "currency": "usd", "amount": 500}}}}})
	w := newWorld(t, s, 0)
	s.ok(req{method: "PUT", path: w.billing("/details"), body: map[string]any{"credit_min": -5000, "due_in_days": 7}})
	w.use(t, s, billd.NewUUID(), 2500)
	s.ok(req{method: "POST", path: "/v1beta1/admin/billing/invoices/generate", body: map[string]any{}})
	list, _ := s.ok(req{method: "GET", path: w.account("/invoices")})["invoices"].([]any)
	if len(list) != 1 {
		t.Fatalf("%d invoices after generating, want 1: %v", len(list), list)
	}
	inv, _ := list[0].(map[string]any)
	return w, str(t, inv, "id")
}

// pdfText checks that the file is a PDF and returns its text, read by pdftotext (poppler-utils).
func pdfText(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("the downloaded invoice %s is not a PDF (%v): %q", path, err, data[:min(len(data), 16)])
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext (apt-get install poppler-utils): %v\n%s", err, out)
	}
	return string(out)
}

// runConsole runs console.mjs with cfg and returns what it saw; it fails t if the script reports
// a failed check or no report.
func runConsole(t *testing.T, tools browserTools, cfg map[string]any) *consoleVisit {
	t.Helper()
	path := filepath.Join(t.TempDir(), "console.json")
	data, err := json.Marshal(cfg)
	if err == nil {
		err = os.WriteFile(path, data, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := tools.run(t, path)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var v consoleVisit
	if jerr := json.Unmarshal([]byte(lines[len(lines)-1]), &v); jerr != nil {
		t.Fatalf("console.mjs: %v; its last line is not its JSON report (%v)\nstdout: %s\nstderr: %s", err, jerr, stdout, stderr)
	}
	t.Logf("%d screenshots in %s", len(v.Screenshots), cfg["out"])
	if !v.OK || err != nil {
		t.Fatalf("console.mjs: %s (%v)\nsaw: %s\nstderr: %s", v.Error, err, lines[len(lines)-1], stderr)
	}
	return &v
}
