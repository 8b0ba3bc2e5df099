package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// The browser test of the sandbox's checkout page: a customer pays, and another is declined, on
// the page the real billd binary serves, in headless Chromium driven by playwright-core
// (tests/browser/checkout.mjs); then the API must show the credits and the checkout's state. A
// process-level test (BILLD_PROCESS_TESTS=1). It needs node, Debian's Chromium and
// `npm ci --prefix tests/browser`: without them it is skipped, except under CI=true, where that
// fails it. The screenshots are kept under $BILLD_TEST_ARTIFACTS (.ci/run sets it), else in the
// test's temporary directory; their paths are logged.

const (
	browserScriptDir = "../../tests/browser" // from cmd/billd, where go test runs
	chromiumEnv      = "BILLD_CHROMIUM"      // the Chromium binary; /usr/bin/chromium if unset
	defaultChromium  = "/usr/bin/chromium"
	artifactsEnv     = "BILLD_TEST_ARTIFACTS" // where tests keep what a person may look at

	// browserTimeout bounds one run of checkout.mjs; the script's own deadline is shorter, so
	// this only ends a script that hangs outside it.
	browserTimeout = 2 * time.Minute

	// The product of the test: 100 credits a unit at 5.00 USD, bought 3 at a time.
	browserCreditAmount = 100
	browserUnitPrice    = 500 // cents
	browserQuantity     = 3
)

// browserTools are the programs the browser test runs.
type browserTools struct {
	node, script, chromium string
}

// requireBrowser returns the browser test's programs, or skips t (fails it under CI=true) if one
// is missing.
func requireBrowser(t *testing.T) browserTools {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		missingTool(t, fmt.Sprintf(format, args...))
	}
	var b browserTools
	var err error
	if b.node, err = exec.LookPath("node"); err != nil {
		missing("node is not installed: %v", err)
	}
	b.chromium = os.Getenv(chromiumEnv)
	if b.chromium == "" {
		b.chromium = defaultChromium
	}
	if info, err := os.Stat(b.chromium); err != nil || info.Mode()&0o111 == 0 {
		missing("Chromium is not installed at %s (apt-get install chromium, or set %s)", b.chromium, chromiumEnv)
	}
	dir, err := filepath.Abs(browserScriptDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil {
		missing("playwright-core is not installed: run npm ci --prefix tests/browser")
	}
	b.script = filepath.Join(dir, "checkout.mjs")
	return b
}

// browserVisit is what checkout.mjs saw, as its JSON line says.
type browserVisit struct {
	OK          bool     `json:"ok"`
	Error       string   `json:"error"`
	Screenshots []string `json:"screenshots"`
	Navigations []struct {
		Method string `json:"method"`
		URL    string `json:"url"`
		Status int    `json:"status"`
	} `json:"navigations"`
	ConsoleErrors []string   `json:"console_errors"`
	PageErrors    []string   `json:"page_errors"`
	Before        *pageState `json:"before"`
	After         *pageState `json:"after"`
}

// pageState is what the checkout page showed at one moment.
type pageState struct {
	URL          string `json:"url"`
	Title        string `json:"title"`
	Amount       string `json:"amount"`
	Status       string `json:"status"`
	StatusFailed bool   `json:"status_failed"`
	FormOpen     bool   `json:"form_open"`
}

// visit runs checkout.mjs on the checkout page at url with the action (pay or decline), and
// returns what it saw. It fails t if the script prints no JSON report or reports a failed check,
// or the page logged errors. The screenshots go to artifactDir.
func (b browserTools) visit(t *testing.T, url, action, amount string) *browserVisit {
	t.Helper()
	shot := filepath.Join(artifactDir(t), action+".png")
	stdout, stderr, err := b.run(t, url, action, shot, amount)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	report := lines[len(lines)-1]
	var v browserVisit
	if jerr := json.Unmarshal([]byte(report), &v); jerr != nil {
		t.Fatalf("checkout.mjs %s: %v; its last line is not its JSON report (%v)\nstdout: %s\nstderr: %s", action, err, jerr, stdout, stderr)
	}
	if len(v.Screenshots) > 0 {
		t.Logf("screenshots of %s: %s", action, strings.Join(v.Screenshots, ", "))
	}
	switch {
	case !v.OK || err != nil:
		t.Fatalf("checkout.mjs %s: %s (%v)\nsaw: %s\nstderr: %s", action, v.Error, err, report, stderr)
	case v.Before == nil || v.After == nil || len(v.Navigations) == 0:
		t.Fatalf("checkout.mjs %s reported no page: %s", action, report)
	case v.Before.Amount != amount:
		t.Errorf("#amount showed %q, want %q", v.Before.Amount, amount)
	}
	if len(v.ConsoleErrors)+len(v.PageErrors) > 0 {
		t.Errorf("the page logged errors: %q, threw %q", v.ConsoleErrors, v.PageErrors)
	}
	return &v
}

// run runs checkout.mjs with args and returns its output and how it ended. It fails t if the
// script does not end within browserTimeout; the browser it started is ended with it.
func (b browserTools) run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.node, append([]string{b.script}, args...)...)
	cmd.Dir = filepath.Dir(b.script)
	cmd.Env = append(os.Environ(), chromiumEnv+"="+b.chromium)
	// Chromium's processes are node's children: one process group, ended together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever of the group outlived node
	}
	if ctx.Err() != nil {
		t.Fatalf("checkout.mjs %v did not end within %s\nstdout: %s\nstderr: %s", args, browserTimeout, &out, &errOut)
	}
	return out.String(), errOut.String(), err
}

// artifactDir returns the directory of t's screenshots: $BILLD_TEST_ARTIFACTS/<test name>, kept
// after the test, else a temporary directory removed with it.
func artifactDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv(artifactsEnv)
	if root == "" {
		return t.TempDir()
	}
	dir, err := filepath.Abs(filepath.Join(root, strings.NewReplacer("/", "-", " ", "_").Replace(t.Name())))
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		t.Fatalf("%s: %v", artifactsEnv, err)
	}
	return dir
}

// TestBrowserCheckout buys credits on the sandbox's checkout page in a real browser, on both
// stores: a checkout paid with 4242 4242 4242 4242 lands on its success URL, grants exactly
// quantity × credit_amount and is complete; a declined one shows the failure on the page, grants
// nothing and stays open with the payment error.
func TestBrowserCheckout(t *testing.T) {
	procRequired(t)
	tools := requireBrowser(t)
	total := browserQuantity * browserUnitPrice
	amount := fmt.Sprintf("%d.%02d USD", total/100, total%100) // as the page writes it: 15.00 USD
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) { // one browser at a time: the stores run one after the other
			s := spawn(t, "billd[browser "+store+"]", sqltest.DSN(t, store), "")
			w := newWorld(t, s, 0)
			product := browserProduct(t, s, "browser-credits-")

			t.Run("pay", func(t *testing.T) {
				s := s.forTest(t)
				before := w.balance(t, s)
				id, url := openBrowserCheckout(t, s, w, product)
				v := tools.visit(t, url, "pay", amount)
				successURL := s.url + "/checkout/" + id + "?paid=1"
				if last := v.Navigations[len(v.Navigations)-1]; v.After.URL != successURL || last.URL != successURL || last.Status != 200 {
					t.Errorf("after Pay the browser is at %s (last navigation %+v), want the success URL %s", v.After.URL, last, successURL)
				}
				if v.After.FormOpen || v.After.StatusFailed {
					t.Errorf("after Pay the page still takes a card or shows a failure: %+v", v.After)
				}
				if got := w.balance(t, s); got != before+browserQuantity*browserCreditAmount {
					t.Errorf("balance %d after paying, want %d + %d × %d", got, before, browserQuantity, browserCreditAmount)
				}
				c := getCheckout(t, s, w, id)
				if c["state"] != "complete" || c["payment_status"] != "paid" || c["payment_error"] != "" {
					t.Errorf("checkout after Pay: %v, want state complete, paid, no payment_error", c)
				}
			})

			t.Run("decline", func(t *testing.T) {
				s := s.forTest(t)
				before := w.balance(t, s)
				id, url := openBrowserCheckout(t, s, w, product)
				v := tools.visit(t, url, "decline", amount)
				if v.After.URL != url {
					t.Errorf("after Decline the browser is at %s, want back on the page %s", v.After.URL, url)
				}
				if !strings.Contains(v.After.Status, "declined") || !v.After.StatusFailed || !v.After.FormOpen {
					t.Errorf("after Decline the page shows %+v, want the failure (#status.failed saying declined) and the form", v.After)
				}
				if got := w.balance(t, s); got != before {
					t.Errorf("balance %d after a declined payment, want %d", got, before)
				}
				c := getCheckout(t, s, w, id)
				if msg, _ := c["payment_error"].(string); c["state"] != "open" || c["payment_status"] != "unpaid" || !strings.Contains(msg, "declined") {
					t.Errorf("checkout after Decline: %v, want state open, unpaid, a payment_error saying declined", c)
				}
			})
		})
	}
}

// browserProduct creates the browser tests' credits product (browserCreditAmount credits a unit at
// browserUnitPrice cents) under a fresh name with the prefix, and returns the name.
func browserProduct(t *testing.T, s *server, prefix string) string {
	t.Helper()
	product := prefix + billd.NewUUID()[:8]
	s.ok(req{method: "POST", path: "/v1beta1/billing/products", body: map[string]any{"body": map[string]any{
		"name": product, "title": "100 credits", "behavior": "credits",
		"behavior_config": map[string]any{"credit_amount": browserCreditAmount},
		"prices":          []any{map[string]any{"name": "unit", "currency": "usd", "amount": browserUnitPrice}}}}})
	return product
}

// openBrowserCheckout opens a checkout of browserQuantity units of product on w's account, whose
// success URL is its own page with ?paid=1, and returns its id and the page's URL.
func openBrowserCheckout(t *testing.T, s *server, w *world, product string) (id, url string) {
	t.Helper()
	c := obj(t, s.ok(req{method: "POST", path: w.account("/checkouts"), body: map[string]any{
		"success_url":  s.url + "/checkout/" + billd.CheckoutIDPlaceholder + "?paid=1",
		"product_body": map[string]any{"product": product, "quantity": browserQuantity}}}), "checkout_session")
	id, url = str(t, c, "id"), str(t, c, "checkout_url")
	if want := s.url + "/checkout/" + id; url != want {
		t.Fatalf("checkout_url %s, want the sandbox's page on this server %s", url, want)
	}
	return id, url
}

// getCheckout reads a checkout of w's account over REST.
func getCheckout(t *testing.T, s *server, w *world, id string) map[string]any {
	t.Helper()
	return obj(t, s.ok(req{method: "GET", path: w.account("/checkouts/" + id)}), "checkout_session")
}
