package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	BalanceBefore   string         `json:"balance_before"`
	BalanceAfter    string         `json:"balance_after"`
	BadDateProblem  string         `json:"bad_date_problem"`
	CheckoutURL     string         `json:"checkout_url"`
	AfterPayment    string         `json:"after_payment_url"`
	Notice          string         `json:"notice"`
	CSRFLessStatus  int            `json:"csrfless_status"`
	CSRFLessProblem string         `json:"csrfless_problem"`
	SignedOutURL    string         `json:"signed_out_url"`
	MemberHome      string         `json:"member_home"`
	MemberProblem   string         `json:"member_problem"`
}

// TestBrowserConsole drives the console in a real browser on both stores.
func TestBrowserConsole(t *testing.T) {
	procRequired(t)
	tools := requireBrowser(t)
	tools.script = filepath.Join(filepath.Dir(tools.script), "console.mjs")
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			s := spawn(t, "billd[console "+store+"]", sqltest.DSN(t, store), "")
			w := newWorld(t, s, 0)
			product := browserProduct(t, s, "console-credits-")
			member := w.client(t, s, "member")
			v := runConsole(t, tools, map[string]any{"base": s.url, "org": w.orgID, "account": w.accountID,
				"product": product, "quantity": browserQuantity, "admin": map[string]string{"id": admin.id, "secret": admin.secret},
				"member": map[string]string{"id": member.id, "secret": member.secret}, "out": artifactDir(t)})

			credits := int64(browserQuantity * browserCreditAmount)
			accountPath := "/console/orgs/" + w.orgID + "/accounts/" + w.accountID
			checks := []struct {
				ok   bool
				what string
			}{
				{v.SignInFailed == 401 && strings.Contains(v.SignInProblem, "wrong"), "a wrong secret is refused on the sign-in page"},
				{v.Role == "admin · platform", "the header shows the principal's role"},
				{v.BalanceBefore == "0", "the account page shows the balance before buying"},
				{v.BalanceAfter == fmt.Sprint(credits), "the account page shows the credits bought"},
				{w.balance(t, s) == credits, "the API's balance is the credits bought"},
				{strings.HasPrefix(v.CheckoutURL, s.url+"/checkout/"), "Buy credits lands on the sandbox's checkout page"},
				{v.AfterPayment == s.url+accountPath+"?done=paid", "the payment returns to the account"},
				{strings.Contains(v.Notice, "payment went through"), "the account page says the payment went through"},
				{strings.Contains(v.BadDateProblem, "YYYY-MM-DD"), "a bad date filter gets a clear 400 page"},
				{v.CSRFLessStatus == 403 && strings.Contains(v.CSRFLessProblem, "did not come from a page"), "a form without its CSRF token is refused"},
				{v.SignedOutURL == s.url+"/console/sign-in?out=1", "sign-out lands on the sign-in page"},
				{v.MemberHome == s.url+"/console/orgs/"+w.orgID, "a member lands on its organization"},
				{v.Pages["member-refused"] == 403 && v.MemberProblem == "not authorized", "a member is refused the API clients page"},
				{len(v.PageErrors) == 0, "no page threw"},
			}
			for _, c := range checks {
				if !c.ok {
					t.Errorf("%s: saw %+v", c.what, v)
				}
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
