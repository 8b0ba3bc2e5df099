package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/console"
	"github.com/billd/billd/sqlstore/sqltest"
)

// t0 is where the fixture's clock starts: now, since the browser's cookie jar drops cookies
// that expired by the wall clock.
var t0 = time.Now().UTC().Truncate(time.Second)

// fixture is a console over a real Service and store, with an organization, its billing account
// (1,500 credits granted) and clients of several roles.
type fixture struct {
	t       *testing.T
	svc     *billd.Service
	url     string
	now     atomic.Int64 // the service's clock, in Unix microseconds
	orgID   string
	account string
	admin   *billd.NewAPIClient // platform admin
	owner   *billd.NewAPIClient // the organization's owner
	member  *billd.NewAPIClient // the organization's member
}

// overdraftProduct prices the fixture's overdraft invoices (invoiced creates it).
const overdraftProduct = "micro"

// sessionTTL is the fixture's session lifetime.
const sessionTTL = time.Hour

// newFixture builds a fixture on the store s.
func newFixture(t *testing.T, s sqltest.Store) *fixture {
	t.Helper()
	f := &fixture{t: t}
	f.now.Store(t0.UnixMicro())
	f.svc = billd.NewService(billd.Config{Store: s.DB, Now: func() time.Time { return time.UnixMicro(f.now.Load()).UTC() },
		Cache: billd.CacheConfig{AuthTTL: -1, AccountTTL: -1}, Webhooks: billd.WebhookConfig{AllowPrivate: true},
		Invoicing: billd.InvoicingConfig{Product: overdraftProduct, Seller: billd.Seller{Name: "Billd GmbH", TaxID: "DE999"}}})
	t.Cleanup(func() { f.svc.Close() })
	h, err := console.New(f.svc, console.Config{SessionTTL: sessionTTL})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	ctx, sys := context.Background(), billd.SystemPrincipal
	f.admin = f.must2(f.svc.CreateClient(ctx, sys, billd.ClientInput{Name: "root", Role: billd.RoleAdmin}))
	org, err := f.svc.CreateOrganization(ctx, sys, billd.OrganizationInput{Name: "acme", Title: "Acme Inc"})
	f.must(err)
	f.orgID = org.ID
	a, err := f.svc.CreateBillingAccount(ctx, sys, org.ID, billd.BillingAccountInput{Name: "Acme billing", Email: "b@acme.test"})
	f.must(err)
	f.account = a.ID
	_, err = f.svc.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: org.ID, BillingID: a.ID, ID: billd.NewUUID(), Amount: 1500})
	f.must(err)
	f.owner = f.must2(f.svc.CreateClient(ctx, sys, billd.ClientInput{Role: billd.RoleOwner, OrgID: org.ID}))
	f.member = f.must2(f.svc.CreateClient(ctx, sys, billd.ClientInput{Role: billd.RoleMember, OrgID: org.ID}))
	return f
}

func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) must2(c *billd.NewAPIClient, err error) *billd.NewAPIClient {
	f.t.Helper()
	f.must(err)
	return c
}

// advance moves the service's clock d ahead.
func (f *fixture) advance(d time.Duration) { f.now.Add(d.Microseconds()) }

// accountPath is the console path of the fixture's account followed by suffix.
func (f *fixture) accountPath(suffix string) string {
	return "/console/orgs/" + f.orgID + "/accounts/" + f.account + suffix
}

// browser is a cookie-keeping HTTP client that does not follow redirects.
type browser struct {
	f *fixture
	c *http.Client
}

// newBrowser returns a browser without cookies.
func (f *fixture) newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{f: f, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signedIn returns a browser signed in as the client.
func (f *fixture) signedIn(c *billd.NewAPIClient) *browser {
	f.t.Helper()
	b := f.newBrowser()
	if res := b.signIn(c.Client.ID, c.Secret); res.status != http.StatusSeeOther || res.header.Get("Location") != "/console/" {
		f.t.Fatalf("sign-in of %s: %d %s\n%s", c.Client.ID, res.status, res.header.Get("Location"), res.body)
	}
	return b
}

// response is what a request got.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request with the headers (pairs of name and value).
func (b *browser) do(method, path string, form url.Values, headers ...string) response {
	b.f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.f.url+path, body)
	b.f.must(err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := b.c.Do(req)
	b.f.must(err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	b.f.must(err)
	return response{status: res.StatusCode, header: res.Header, body: string(data)}
}

// get loads a page.
func (b *browser) get(path string) response {
	b.f.t.Helper()
	return b.do(http.MethodGet, path, nil)
}

// post submits a form as a same-origin page would.
func (b *browser) post(path string, form url.Values) response {
	b.f.t.Helper()
	return b.do(http.MethodPost, path, form, "Sec-Fetch-Site", "same-origin")
}

// signIn loads the sign-in page and submits it.
func (b *browser) signIn(id, secret string) response {
	b.f.t.Helper()
	page := b.get("/console/sign-in")
	return b.post("/console/sign-in", url.Values{"csrf": {csrfOf(b.f.t, page.body)}, "client_id": {id}, "client_secret": {secret}})
}

// csrfPattern finds a form's CSRF field.
var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf returns the CSRF token of the page's first form.
func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfPattern.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no CSRF field:\n%s", page)
	}
	return m[1]
}

// wantStatus fails t unless the response has the status and its body contains every text.
func wantStatus(t *testing.T, what string, res response, status int, texts ...string) {
	t.Helper()
	if res.status != status {
		t.Errorf("%s: status %d, want %d\n%s", what, res.status, status, res.body)
		return
	}
	for _, text := range texts {
		if !strings.Contains(res.body, text) {
			t.Errorf("%s: the page does not say %q\n%s", what, text, res.body)
		}
	}
}

// balanceOf reads the fixture account's balance through the Service.
func (f *fixture) balanceOf() int64 {
	f.t.Helper()
	b, err := f.svc.Balance(context.Background(), billd.SystemPrincipal, f.orgID, f.account)
	f.must(err)
	return b.Amount
}
