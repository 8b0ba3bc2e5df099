package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/billd/billd/sqlstore/sqltest"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
)

// rateLimitFlags give members a burst of 2 and then one request per 1000 s, so that the third
// request of a member is refused whatever the time the test takes; owners keep their default and
// platform admins and meters are not limited.
var rateLimitFlags = []string{"--rate-limit", "member=0.001/2"}

// checkRetryAfter checks that a refusal asks to retry within the 1000 s a token takes.
func checkRetryAfter(t *testing.T, what, value string) {
	t.Helper()
	if n, err := strconv.Atoi(value); err != nil || n < 1 || n > 1000 {
		t.Errorf("%s: Retry-After %q, want whole seconds from 1 to 1000", what, value)
	}
}

// TestRateLimitREST: past its burst, a member's Frontier REST and CUDO requests get 429 with
// Retry-After in the dialect's error body; another member of the same organization is served,
// and the unlimited meter and admin are never refused.
func TestRateLimitREST(t *testing.T) {
	eachStoreWith(t, adminEnv, rateLimitFlags, func(t *testing.T, s *server) {
		w := newWorld(t, s, 1000)
		member, other := w.client(t, s, "member"), w.client(t, s, "member")
		org := req{method: "GET", path: "/v1beta1/organizations/" + w.orgID, as: &member}
		s.ok(org)
		s.ok(org)
		resp := s.fails(org, http.StatusTooManyRequests, 8, "too many requests: this client may make 0.001 per second, 2 at once")
		checkRetryAfter(t, "REST", resp.header.Get("Retry-After"))

		key := cudoKey(t, s, w.orgID, "member")
		account := req{method: "GET", path: w.cudoAccount(""), as: &key}
		s.ok(account)
		s.ok(account)
		resp = s.fails(account, http.StatusTooManyRequests, 8, "too many requests")
		checkRetryAfter(t, "CUDO", resp.header.Get("Retry-After"))

		s.ok(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID, as: &other})
		for range 20 {
			s.ok(req{method: "GET", path: w.account("/balance"), as: &w.meter})
			s.ok(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID})
		}
	})
}

// TestRateLimitRPC: past its burst, a member's RPC gets ResourceExhausted with Retry-After on
// Connect (JSON and binary), gRPC and gRPC-Web; each transport's member has its own bucket.
func TestRateLimitRPC(t *testing.T) {
	eachStoreWith(t, adminEnv, rateLimitFlags, func(t *testing.T, s *server) {
		w := newWorld(t, s, 0)
		msg := &fv1.GetOrganizationRequest{Id: w.orgID}
		for _, tr := range rpcTransports(t) {
			c := newTransportClient(s, tr)
			member := w.client(t, s, "member")
			for i := range 2 {
				if _, err := c.call(t, fc.FrontierServiceGetOrganizationProcedure, member, msg); err != nil {
					t.Fatalf("%s: call %d: %v", tr.name, i+1, err)
				}
			}
			_, err := c.call(t, fc.FrontierServiceGetOrganizationProcedure, member, msg)
			if code, _ := rpcError(err); code != connect.CodeResourceExhausted {
				t.Fatalf("%s: third call: %v, want ResourceExhausted", tr.name, err)
			}
			ce, _ := err.(*connect.Error)
			checkRetryAfter(t, tr.name, ce.Meta().Get("Retry-After"))
			if _, err := c.call(t, fc.FrontierServiceGetOrganizationProcedure, admin, msg); err != nil {
				t.Fatalf("%s: the admin is refused: %v", tr.name, err)
			}
		}
	})
}

// TestRateLimitFlagsChecked: serve refuses to start on a malformed --rate-limit or a
// --rate-limit-clients below 1.
func TestRateLimitFlagsChecked(t *testing.T) {
	for _, tc := range []struct{ flag, value, want string }{
		{"--rate-limit", "guest=1", "want class=rate[/burst]"},
		{"--rate-limit", "member=5/0", "the burst must be a whole number"},
		{"--rate-limit", "owner=-1", "the rate must be a number"},
		{"--rate-limit-clients", "0", "--rate-limit-clients must be ≥ 1"},
	} {
		_, err := refusedStart(t, adminEnv, "serve", "--addr", "127.0.0.1:0", "--db", sqltest.DSN(t, "sqlite"), tc.flag, tc.value)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %s %s: %v, want an error containing %q", tc.flag, tc.value, err, tc.want)
		}
	}
}

// TestRateLimitConsole: a client's console pages draw on the bucket its API requests draw on, so
// the console is no way around the rate limit: past a member's burst its next page gets 429 with
// Retry-After, and so does its next API call.
func TestRateLimitConsole(t *testing.T) {
	eachStoreWith(t, adminEnv, rateLimitFlags, func(t *testing.T, s *server) {
		w := newWorld(t, s, 0)
		member := w.client(t, s, "member")
		jar, err := cookiejar.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		type page struct {
			status int
			header http.Header
			body   string
		}
		get := func(path string) page {
			t.Helper()
			res, err := browser.Get(s.url + path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			return page{res.StatusCode, res.Header, string(body)}
		}
		token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(get("/console/sign-in").body)
		if token == nil {
			t.Fatal("the sign-in page has no CSRF field")
		}
		signIn, err := http.NewRequest("POST", s.url+"/console/sign-in", strings.NewReader(url.Values{"csrf": {token[1]},
			"client_id": {member.id}, "client_secret": {member.secret}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		signIn.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := browser.Do(signIn)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("signing in: %d, want 303", res.StatusCode)
		}
		org := "/console/orgs/" + w.orgID
		for i := range 2 { // the burst
			if p := get(org); p.status != http.StatusOK {
				t.Fatalf("page %d: %d, want 200\n%s", i+1, p.status, p.body)
			}
		}
		p := get(org)
		if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "too many requests") {
			t.Fatalf("the page past the burst: %d, want 429 saying too many requests\n%s", p.status, p.body)
		}
		checkRetryAfter(t, "console", p.header.Get("Retry-After"))
		s.fails(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID, as: &member}, http.StatusTooManyRequests, 8, "too many requests")
	})
}
