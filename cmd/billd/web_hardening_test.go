package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/client"
	"github.com/billd/billd/sqlstore/sqltest"
)

// The web layer's hardening, end to end: cross-site requests, the body budgets and authorization
// before a body is read, credentials never echoed, request ids, readiness. These tests exercise
// the HTTP layer, which is the same on both stores, so they run on SQLite only.

// crossSite is what a browser sends with a form post from another site.
var crossSite = map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}

// TestCrossSiteWritesAreRefused checks that a browser on another site cannot make the API's unsafe
// methods act with the credentials the browser replays, unless its origin is trusted, and that
// requests without browser headers, same-origin requests and safe methods are not affected.
func TestCrossSiteWritesAreRefused(t *testing.T) {
	s := serveWith(t, sqltest.DSN(t, "sqlite"), adminEnv, "--trusted-origins", "https://console.example, https://ops.example:8443")
	w := newWorld(t, s, 0)
	other := newWorld(t, s, 0)
	s.ok(req{method: "DELETE", path: "/v1beta1/organizations/" + other.orgID + "/billing/" + other.accountID})
	for _, path := range []string{
		"/v1beta1/organizations/" + w.orgID + "/disable",
		"/v1beta1/organizations/" + w.orgID + "/enable",
		w.account("/disable"),
		w.account("/enable"),
		"/v1beta1/organizations/" + other.orgID + "/billing",
	} {
		s.fails(req{method: "POST", path: path, body: "", header: crossSite}, http.StatusForbidden, 7, "cross-origin request refused")
	}
	// An Origin of another host is refused even without Sec-Fetch-Site (older browsers).
	s.fails(req{method: "POST", path: "/v1beta1/organizations/" + w.orgID + "/disable", body: "",
		header: map[string]string{"Origin": "https://evil.example"}}, http.StatusForbidden, 7, "cross-origin request refused")
	// A cross-site request is refused before its body is read.
	header := authHeader(admin)
	header["Origin"], header["Sec-Fetch-Site"] = "https://evil.example", "cross-site"
	if status := statusOf(t, slowBody(t, s, "/v1beta1/organizations/"+w.orgID+"/disable", header, 100)); status != http.StatusForbidden {
		t.Errorf("a cross-site request whose body does not come: status %d, want 403", status)
	}
	if org := obj(t, s.ok(req{method: "GET", path: "/v1beta1/organizations/" + w.orgID, header: crossSite}), "organization"); org["state"] != "enabled" {
		t.Fatalf("after refused cross-site requests the organization is %v", org["state"])
	}
	if accounts := s.ok(req{method: "GET", path: "/v1beta1/organizations/" + other.orgID + "/billing"})["billing_accounts"].([]any); len(accounts) != 0 {
		t.Fatalf("a refused cross-site request created an account: %v", accounts)
	}

	disable := "/v1beta1/organizations/" + w.orgID + "/disable"
	s.ok(req{method: "POST", path: disable, body: "", header: map[string]string{"Origin": "https://console.example", "Sec-Fetch-Site": "cross-site"}})
	s.ok(req{method: "POST", path: "/v1beta1/organizations/" + w.orgID + "/enable", body: "", header: map[string]string{"Origin": "https://ops.example:8443", "Sec-Fetch-Site": "same-site"}})
	s.ok(req{method: "POST", path: disable, body: "", header: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	s.ok(req{method: "POST", path: "/v1beta1/organizations/" + w.orgID + "/enable", body: ""})
}

// TestTrustedOriginsMustBeOrigins checks that serve refuses a trusted origin it cannot match.
func TestTrustedOriginsMustBeOrigins(t *testing.T) {
	_, err := refusedStart(t, adminEnv, "serve", "--addr", "127.0.0.1:0", "--db", sqltest.DSN(t, "sqlite"), "--trusted-origins", "https://console.example/path")
	if err == nil || !strings.Contains(err.Error(), "--trusted-origins") {
		t.Fatalf("serve with a trusted origin that has a path: %v", err)
	}
}

// TestUnauthorizedBodiesAreNotAwaited checks that a caller who may not make a request cannot make
// the server wait for its body or hold body budget for it: slow bodies from an owner of another
// organization, more than the whole budget, are answered 403 without the body, and an
// authorized write is served meanwhile.
func TestUnauthorizedBodiesAreNotAwaited(t *testing.T) {
	s := serveWith(t, sqltest.DSN(t, "sqlite"), adminEnv, "--max-inflight-bytes", fmt.Sprint(4<<20))
	w := newWorld(t, s, 0)
	outsider := newWorld(t, s, 0).client(t, s, "owner")
	var slow []net.Conn
	for i := range 8 {
		size := 1 << 20
		if i%2 == 1 {
			size = 100 // Go's server would read a small body before it answers, unless told to close
		}
		slow = append(slow, slowBody(t, s, "/v1beta1/organizations/"+w.orgID+"/disable", authHeader(outsider), size))
	}
	anonymous := slowBody(t, s, "/v1beta1/organizations/"+w.orgID+"/disable", nil, 100)
	s.ok(req{method: "POST", path: w.billing("/credits"), body: map[string]any{"id": billd.NewUUID(), "amount": 5}})
	for _, c := range slow {
		if status := statusOf(t, c); status != http.StatusForbidden {
			t.Errorf("a slow body of an unauthorized caller: status %d, want 403", status)
		}
	}
	if status := statusOf(t, anonymous); status != http.StatusUnauthorized {
		t.Errorf("a slow body without credentials: status %d, want 401", status)
	}
	if got := w.balance(t, s); got != 5 {
		t.Errorf("balance %d, want 5", got)
	}
}

// TestBodyBudgetPerClient checks that one client's bodies in flight cannot take the body budget
// of the others: past its own budget a client gets 503 while another client is served, and once
// its bodies are gone it is served again.
func TestBodyBudgetPerClient(t *testing.T) {
	s := serveWith(t, sqltest.DSN(t, "sqlite"), adminEnv, "--max-inflight-bytes-per-client", fmt.Sprint(2<<20))
	w := newWorld(t, s, 100)
	usages := w.account("/usages")
	body := append([]byte("{"), make([]byte, 1<<20-1)...) // never sent but its first byte
	slow := []*heldPost{holdPost(t, s, usages, authHeader(w.meter), body), holdPost(t, s, usages, authHeader(w.meter), body)}
	check := req{method: "POST", path: "/v1beta1/billing/check", as: &w.meter, body: map[string]any{"org_id": w.orgID, "amount": 1}}
	resp := waitForStatus(t, s, check, http.StatusServiceUnavailable, func() {
		// A slow body is waited for, not answered, unless a check of the same client held some of
		// the budget when it came: then it was refused, and is sent again.
		for _, h := range slow {
			h.againIfRefused()
		}
	})
	checkErrorBody(t, resp, 14, "too many request bytes in flight")
	if resp.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	s.ok(req{method: "POST", path: "/v1beta1/billing/check", body: map[string]any{"org_id": w.orgID, "amount": 1}})
	for _, h := range slow {
		h.conn.Close()
	}
	waitForStatus(t, s, check, http.StatusOK, func() {})
}

// waitForStatus sends r until it answers status and returns that answer. It calls each before
// each try.
func waitForStatus(t *testing.T, s *server, r req, status int, each func()) response {
	t.Helper()
	var resp response
	eventually(t, fmt.Sprintf("%s %s: want status %d", r.method, r.path, status), func() error {
		each()
		if resp = s.do(r); resp.status != status {
			return fmt.Errorf("status %d: %s", resp.status, resp.raw)
		}
		return nil
	})
	return resp
}

// TestAuthorizationHeaderIsNeverEchoed checks that a 401 never repeats any part of the header.
func TestAuthorizationHeaderIsNeverEchoed(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	for _, header := range []string{adminSecret, "Token " + adminKey, "s3cr3t:" + adminSecret, "Digest " + adminSecret} {
		resp := s.fails(req{method: "GET", path: "/v1beta1/organizations", as: &creds{}, header: map[string]string{"Authorization": header}},
			http.StatusUnauthorized, 16, "")
		for _, part := range strings.Fields(header) {
			if strings.Contains(string(resp.raw), part) {
				t.Errorf("Authorization %q: the answer repeats %q: %s", header, part, resp.raw)
			}
		}
	}
}

// TestRequestIDs checks the X-Request-Id of responses: a client's own when it is short and
// printable, else one the server makes, different for each request.
func TestRequestIDs(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	get := func(id string) string {
		h := map[string]string{}
		if id != "" {
			h["X-Request-Id"] = id
		}
		return s.do(req{method: "GET", path: "/v1beta1/organizations", header: h}).header.Get("X-Request-Id")
	}
	if got := get("trace-42/abc"); got != "trace-42/abc" {
		t.Errorf("X-Request-Id %q, want the client's own", got)
	}
	seen := map[string]bool{}
	for _, id := range []string{"", strings.Repeat("x", 65), "two words", "caf\u00e9"} {
		got := get(id)
		if got == "" || got == id || len(got) > 64 || seen[got] || strings.ContainsFunc(got, func(r rune) bool { return r <= ' ' || r > '~' }) {
			t.Errorf("sent X-Request-Id %q, got %q; want a new printable id of at most 64 bytes", id, got)
		}
		seen[got] = true
	}
}

// TestReadiness checks GET /readyz of a server whose store answers.
func TestReadiness(t *testing.T) {
	s := startServer(t, sqltest.DSN(t, "sqlite"))
	if body := s.ok(req{method: "GET", path: "/readyz", as: &creds{}}); body["status"] != "ok" || len(body) != 1 {
		t.Errorf("GET /readyz = %v, want {\"status\":\"ok\"}", body)
	}
}

// TestStoreOutage cuts PostgreSQL off under a running server: readiness says so, liveness does
// not, every API call answers 503 code 14 (retry later, as docs/api.md promises) instead of 500,
// and the server serves again when the database is back, having applied nothing meanwhile.
func TestStoreOutage(t *testing.T) {
	proxy, via := sqltest.NewProxy(t, sqltest.DSN(t, "postgres"))
	s := startServer(t, via)
	w := newWorld(t, s, 100)
	anyone := &creds{}

	proxy.Cut()
	s.fails(req{method: "GET", path: "/readyz", as: anyone}, http.StatusServiceUnavailable, 14, "unreachable")
	s.ok(req{method: "GET", path: "/healthz", as: anyone})
	s.fails(req{method: "GET", path: w.account("/balance")}, http.StatusServiceUnavailable, 14, "unavailable")
	usage := map[string]any{"usages": []any{map[string]any{"id": billd.NewUUID(), "amount": 10}}}
	resp := s.fails(req{method: "POST", path: w.account("/usages"), as: &w.meter, body: usage}, http.StatusServiceUnavailable, 14, "unavailable")
	if resp.header.Get("Retry-After") == "" {
		t.Error("a 503 of the outage has no Retry-After")
	}

	proxy.Restore()
	waitForStatus(t, s, req{method: "GET", path: "/readyz", as: anyone}, http.StatusOK, func() {}) // answers are shared for 1 s
	// Connections the pool held from before the cut fail once each, with 503.
	waitForStatus(t, s, req{method: "GET", path: w.account("/balance")}, http.StatusOK, func() {})
	if got := w.balance(t, s); got != 100 {
		t.Fatalf("balance after the outage = %d, want 100: nothing was applied during it", got)
	}
	s.ok(req{method: "POST", path: w.account("/usages"), as: &w.meter, body: usage})
	if got := w.balance(t, s); got != 90 {
		t.Fatalf("balance = %d, want 90", got)
	}
}

// TestShedBodiesAreNotAwaited checks that a request shed with 503 while its body is held back is
// answered at once, not when its body comes or the server's read timeout ends it: Go's server
// would first read the rest of a small body on a connection it keeps.
func TestShedBodiesAreNotAwaited(t *testing.T) {
	s := serveWith(t, sqltest.DSN(t, "sqlite"), adminEnv, "--max-inflight", "1")
	w := newWorld(t, s, 100)
	body := client.UsagesBody([]client.Usage{{ID: billd.NewUUID(), Amount: 1}})
	a := holdPost(t, s, w.account("/usages"), authHeader(w.meter), body)
	b := holdPost(t, s, w.account("/usages"), authHeader(w.meter), body)
	// One of the two takes the only slot and waits for its body; the other is shed, and its
	// answer comes while its body is still held back.
	var shed, served *heldPost
	eventually(t, "one held report to be shed", func() error {
		for _, h := range []*heldPost{a, b} {
			select {
			case status := <-h.answer:
				if status != http.StatusServiceUnavailable {
					t.Fatalf("a held report answered %d, want 503", status)
				}
				shed = h
			default:
			}
		}
		if shed == nil {
			return errors.New("no answer yet")
		}
		return nil
	})
	if served = a; shed == a {
		served = b
	}
	if status := served.release(); status != http.StatusOK {
		t.Errorf("the report that held the slot, let go: %d, want 200", status)
	}
	if got := w.balance(t, s); got != 99 {
		t.Errorf("balance %d, want 99: only the served report is applied", got)
	}
}
