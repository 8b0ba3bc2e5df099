package console_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/console"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestSignIn signs in with a client's id and secret, gets the session cookie with its flags, and
// is refused with wrong credentials or without the sign-in form's token.
func TestSignIn(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		b := f.newBrowser()
		wantStatus(t, "wrong secret", b.signIn(f.admin.Client.ID, "not-the-secret"), http.StatusUnauthorized,
			"The client id or secret is wrong")
		wantStatus(t, "an API key as the secret", b.signIn(f.admin.Client.ID, f.admin.APIKey), http.StatusUnauthorized)
		if res := b.get("/console/orgs"); res.status != http.StatusSeeOther || res.header.Get("Location") != "/console/sign-in" {
			t.Errorf("a page without a session: %d %s, want 303 to the sign-in page", res.status, res.header.Get("Location"))
		}
		wantStatus(t, "sign-in without the form's token", b.post("/console/sign-in", url.Values{
			"client_id": {f.admin.Client.ID}, "client_secret": {f.admin.Secret}}), http.StatusForbidden, "did not come from a page")

		res := b.signIn(f.admin.Client.ID, f.admin.Secret)
		if res.status != http.StatusSeeOther {
			t.Fatalf("sign-in: %d\n%s", res.status, res.body)
		}
		cookie := sessionCookieOf(t, res)
		if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/console" || cookie.Secure {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/console, not Secure over plain HTTP", cookie)
		}
		if res := b.get("/console"); res.header.Get("Location") != "/console/" {
			t.Errorf("/console goes to %q, want /console/", res.header.Get("Location"))
		}
		wantStatus(t, "a page that does not exist", b.get("/console/nope"), http.StatusNotFound, "there is no console page at this address")
		if res := b.get("/console/"); res.header.Get("Location") != "/console/orgs" {
			t.Errorf("a platform admin's home goes to %q, want /console/orgs", res.header.Get("Location"))
		}
		page := b.get("/console/orgs")
		wantStatus(t, "organizations", page, http.StatusOK, "acme", f.admin.Client.ID, "New organization")
		if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("CSP %q", csp)
		}
		owner := f.signedIn(f.owner)
		if res := owner.get("/console/"); res.header.Get("Location") != "/console/orgs/"+f.orgID {
			t.Errorf("an owner's home goes to %q, want its organization", res.header.Get("Location"))
		}
	})
}

// sessionCookieOf returns the session cookie a response sets.
func sessionCookieOf(t *testing.T, res response) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == "billd_session" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", res.header)
	return nil
}

// TestSessionsEnd ends sessions by sign-out, expiry, revoking the client, an admin's "End
// sessions" and signing in again in the same browser; a client keeps only its newest sessions.
func TestSessionsEnd(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		path := "/console/orgs/" + f.orgID
		ended := func(what string, b *browser) {
			t.Helper()
			if res := b.get(path); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/console/sign-in") {
				t.Errorf("%s: the session still works (%d)", what, res.status)
			}
		}
		alive := func(what string, b *browser) {
			t.Helper()
			wantStatus(t, what, b.get(path), http.StatusOK, "Acme billing")
		}

		b := f.signedIn(f.owner)
		alive("a new session", b)
		stolen := sessionCookieValue(b)
		wantStatus(t, "sign-out", b.post("/console/sign-out", url.Values{"csrf": {csrfOf(t, b.get(path).body)}}), http.StatusSeeOther)
		ended("after sign-out", b)
		replay := f.newBrowser()
		replay.setSession(stolen)
		ended("the signed-out token replayed", replay)

		b = f.signedIn(f.owner)
		f.advance(sessionTTL - time.Second)
		alive("just before expiry", b)
		f.advance(time.Second)
		ended("at expiry", b)

		b = f.signedIn(f.owner)
		admin := f.signedIn(f.admin)
		clients := admin.get("/console/clients")
		wantStatus(t, "End sessions", admin.post("/console/clients/"+f.owner.Client.ID+"/revoke-sessions",
			url.Values{"csrf": {csrfOf(t, clients.body)}}), http.StatusSeeOther)
		ended("after an admin ended the client's sessions", b)

		b = f.signedIn(f.member)
		if err := f.svc.RevokeClient(context.Background(), billd.SystemPrincipal, f.member.Client.ID); err != nil {
			t.Fatal(err)
		}
		ended("after its client was revoked", b)
		wantStatus(t, "signing in as a revoked client", f.newBrowser().signIn(f.member.Client.ID, f.member.Secret), http.StatusUnauthorized)

		b = f.signedIn(f.owner)
		before := sessionCookieValue(b)
		if res := b.signIn(f.admin.Client.ID, f.admin.Secret); res.status != http.StatusSeeOther {
			t.Fatalf("signing in again: %d\n%s", res.status, res.body)
		}
		replay = f.newBrowser()
		replay.setSession(before)
		ended("the session a browser had before it signed in again", replay)

		first := f.signedIn(f.owner)
		for range billd.MaxSessionsPerClient {
			f.advance(time.Millisecond)
			f.signedIn(f.owner)
		}
		ended("the oldest of more sessions than a client keeps", first)
	})
}

// sessionCookieValue returns the browser's session token.
func sessionCookieValue(b *browser) string {
	u, _ := url.Parse(b.f.url + "/console/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "billd_session" {
			return c.Value
		}
	}
	return ""
}

// setSession gives the browser a session cookie.
func (b *browser) setSession(token string) {
	u, _ := url.Parse(b.f.url + "/console/")
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "billd_session", Value: token, Path: "/console"}})
}

// TestPostsNeedTheSessionsCSRFToken refuses a form without the CSRF token, with another
// session's token, or from another site, and changes nothing.
func TestPostsNeedTheSessionsCSRFToken(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		b := f.signedIn(f.owner)
		other := f.signedIn(f.owner)
		good := csrfOf(t, b.get(f.accountPath("")).body)
		form := func(csrf string) url.Values {
			return url.Values{"csrf": {csrf}, "recharge_auto": {"on"}, "recharge_low": {"10"}, "recharge_high": {"100"}}
		}
		for _, c := range []struct {
			what string
			res  response
		}{
			{"no token", b.post(f.accountPath("/controls"), form(""))},
			{"another session's token", b.post(f.accountPath("/controls"), form(csrfOf(t, other.get(f.accountPath("")).body)))},
			{"a cross-site post with the right token", b.do(http.MethodPost, f.accountPath("/controls"), form(good),
				"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")},
		} {
			wantStatus(t, c.what, c.res, http.StatusForbidden, "did not come from a page of your console session")
		}
		if a := f.accountOf(); a.Recharge.Auto {
			t.Fatalf("a refused form changed the account: %+v", a.Recharge)
		}
		wantStatus(t, "the session's own token", b.post(f.accountPath("/controls"), form(good)), http.StatusSeeOther)
		if a := f.accountOf(); !a.Recharge.Auto || a.Recharge.Low != 10 || a.Recharge.High != 100 {
			t.Errorf("after the form: %+v", a.Recharge)
		}
	})
}

// accountOf reads the fixture's account through the Service.
func (f *fixture) accountOf() *billd.BillingAccount {
	f.t.Helper()
	a, err := f.svc.BillingAccount(context.Background(), billd.SystemPrincipal, f.orgID, f.account)
	f.must(err)
	return a
}

// TestRolesFollowTheService shows a member the organization's pages without edit forms and
// refuses it the admin pages and the changes its role may not make, with the API's own checks.
func TestRolesFollowTheService(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		m := f.signedIn(f.member)
		page := m.get(f.accountPath(""))
		wantStatus(t, "a member's account page", page, http.StatusOK, "1,500", "Your role may view these settings")
		if strings.Contains(page.body, `id="controls"`) || strings.Contains(page.body, "Buy credits") {
			t.Errorf("a member is shown forms its role may not use:\n%s", page.body)
		}
		wantStatus(t, "a member opening the API clients", m.get("/console/clients"), http.StatusForbidden, "403", "not authorized")
		csrf := csrfOf(t, page.body)
		wantStatus(t, "a member posting the controls form", m.post(f.accountPath("/controls"), url.Values{"csrf": {csrf},
			"recharge_auto": {"on"}, "recharge_low": {"1"}, "recharge_high": {"2"}}), http.StatusForbidden)
		wantStatus(t, "a member creating a client", m.post("/console/clients", url.Values{"csrf": {csrf}, "role": {"owner"}}),
			http.StatusForbidden)

		o := f.signedIn(f.owner)
		page = o.get(f.accountPath(""))
		if !strings.Contains(page.body, `id="recharge_low"`) || strings.Contains(page.body, `id="hourly_limit"`) {
			t.Errorf("an owner should see the auto-recharge form but not the platform admin's limits:\n%s", page.body)
		}
		wantStatus(t, "an owner setting a spend limit", o.post(f.accountPath("/controls"), url.Values{"csrf": {csrfOf(t, page.body)},
			"hourly_limit": {"5"}, "monthly_limit": {"0"}}), http.StatusForbidden, "hourly spend limit")
		other := f.signedIn(f.admin)
		otherOrg, err := f.svc.CreateOrganization(context.Background(), billd.SystemPrincipal, billd.OrganizationInput{Name: "other"})
		f.must(err)
		wantStatus(t, "an owner opening another organization", o.get("/console/orgs/"+otherOrg.ID), http.StatusForbidden)
		wantStatus(t, "a platform admin opening it", other.get("/console/orgs/"+otherOrg.ID), http.StatusOK, "no billing account yet")
	})
}

// TestJournalParameters filters the journal and answers bad parameters with a clear 400 page.
func TestJournalParameters(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		b := f.signedIn(f.owner)
		day := t0.Format("2006-01-02")
		wantStatus(t, "the journal", b.get(f.accountPath("/journal")), http.StatusOK, "+1,500")
		wantStatus(t, "grants of the day", b.get(f.accountPath("/journal?kind=grant&from="+day+"&to="+day)), http.StatusOK, "+1,500")
		wantStatus(t, "usages", b.get(f.accountPath("/journal?kind=usage")), http.StatusOK, "No transaction matches these filters")
		wantStatus(t, "the next day", b.get(f.accountPath("/journal?from="+t0.AddDate(0, 0, 1).Format("2006-01-02"))), http.StatusOK,
			"No transaction matches")
		for _, c := range []struct{ query, says string }{
			{"from=yesterday", "from must be a date written YYYY-MM-DD"},
			{"to=2026-13-01", "to must be a date written YYYY-MM-DD"},
			{"from=2026-03-05&to=2026-03-04", "the end of the time range must not be before its start"},
			{"kind=refund", "kind must be"},
			{"page=not-a-token", "the page token is not a token this server issued"},
			{"page=" + strings.Repeat("x", 2000), "the page parameter is too long"},
			{"source=" + strings.Repeat("s", 300), "source must be at most"},
		} {
			wantStatus(t, c.query[:min(len(c.query), 30)], b.get(f.accountPath("/journal?"+c.query)), http.StatusBadRequest, c.says)
		}
	})
}

// TestFormsAreBounded refuses an oversized form body and out-of-range numbers with 400 pages.
func TestFormsAreBounded(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		b := f.signedIn(f.owner)
		csrf := csrfOf(t, b.get(f.accountPath("")).body)
		wantStatus(t, "a 100 KiB form", b.post(f.accountPath("/controls"), url.Values{"csrf": {csrf},
			"junk": {strings.Repeat("x", 100<<10)}}), http.StatusBadRequest, "larger than")
		wantStatus(t, "quantity 0", b.post(f.accountPath("/buy"), url.Values{"csrf": {csrf}, "product": {"p"}, "quantity": {"0"}}),
			http.StatusBadRequest, "quantity must be between 1 and")
		wantStatus(t, "a quantity that is not a number", b.post(f.accountPath("/buy"), url.Values{"csrf": {csrf}, "quantity": {"1e9"}}),
			http.StatusBadRequest, "quantity must be a whole number")
		wantStatus(t, "recharge low above high", b.post(f.accountPath("/controls"), url.Values{"csrf": {csrf}, "recharge_auto": {"on"},
			"recharge_low": {"100"}, "recharge_high": {"10"}}), http.StatusBadRequest, "recharge low (100) must be below high (10)")
	})
}

// TestCookiesAreSecureOverTLS marks the console's cookies Secure when the request came over TLS.
func TestCookiesAreSecureOverTLS(t *testing.T) {
	f := newFixture(t, sqltest.Open(t, "sqlite"))
	h, err := console.New(f.svc, console.Config{})
	f.must(err)
	signInSecurely(t, f, h, "https://billd.example")
}

// TestCookiesAreSecureBehindATLSProxy: with an https public URL, the cookies of a request that
// reached billd over plain HTTP (from a proxy that terminated TLS) are Secure all the same; a
// public URL that is not a base URL is refused.
func TestCookiesAreSecureBehindATLSProxy(t *testing.T) {
	f := newFixture(t, sqltest.Open(t, "sqlite"))
	h, err := console.New(f.svc, console.Config{PublicURL: "https://billing.example/"})
	f.must(err)
	signInSecurely(t, f, h, "http://billing.example")
	for _, bad := range []string{"billing.example", "ftp://billing.example", "https://", "https://billing.example/billd?x=1"} {
		if _, err := console.New(f.svc, console.Config{PublicURL: bad}); billd.ErrorCode(err) != billd.EINVALID {
			t.Errorf("public URL %q: %v, want EINVALID", bad, err)
		}
	}
}

// signInSecurely signs the admin in to h at base and checks every cookie it got is Secure, and the
// session cookie HttpOnly and SameSite=Strict.
func signInSecurely(t *testing.T, f *fixture, h http.Handler, base string) {
	t.Helper()
	page := httptest.NewRecorder()
	h.ServeHTTP(page, httptest.NewRequest(http.MethodGet, base+"/console/sign-in", nil))
	form := url.Values{"csrf": {csrfOf(t, page.Body.String())}, "client_id": {f.admin.Client.ID}, "client_secret": {f.admin.Secret}}
	r := httptest.NewRequest(http.MethodPost, base+"/console/sign-in", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range page.Result().Cookies() {
		if !c.Secure {
			t.Errorf("cookie %s of the sign-in page at %s is not Secure", c.Name, base)
		}
		r.AddCookie(c)
	}
	res := httptest.NewRecorder()
	h.ServeHTTP(res, r)
	got := response{status: res.Code, header: res.Header(), body: res.Body.String()}
	if c := sessionCookieOf(t, got); !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie at %s: %+v, want Secure, HttpOnly, SameSite=Strict", base, c)
	}
}

// TestJournalPages pages the journal newest first, keeping the filters in the links.
func TestJournalPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		for i := range 60 {
			f.advance(time.Second)
			_, err := f.svc.GrantCredits(context.Background(), billd.SystemPrincipal, billd.GrantRequest{OrgID: f.orgID,
				BillingID: f.account, ID: billd.NewUUID(), Amount: int64(1000 + i), Source: "test.paging"})
			f.must(err)
		}
		b := f.signedIn(f.owner)
		first := b.get(f.accountPath("/journal?source=test.paging"))
		wantStatus(t, "the first page", first, http.StatusOK, "+1,059", `id="next"`)
		if strings.Contains(first.body, "+1,009") || strings.Contains(first.body, `id="first"`) {
			t.Errorf("the first page holds more than %d rows or links to itself", 50)
		}
		next := hrefOf(t, first.body, "next")
		if !strings.Contains(next, "source=test.paging") {
			t.Errorf("the next page's link %q drops the filter", next)
		}
		second := b.get(next)
		wantStatus(t, "the second page", second, http.StatusOK, "+1,009", "+1,000", `id="first"`)
		if strings.Contains(second.body, "+1,010") || strings.Contains(second.body, `id="next"`) || strings.Contains(second.body, "+1,500") {
			t.Errorf("the second page repeats rows, goes on, or ignores the filter:\n%s", second.body)
		}
	})
}

// hrefOf returns the (unescaped) href of the link with the id.
func hrefOf(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`<a href="([^"]+)" id="` + id + `"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no link #%s on the page:\n%s", id, page)
	}
	return html.UnescapeString(m[1])
}
