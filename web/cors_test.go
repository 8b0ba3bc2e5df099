package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/billd/billd"
)

// CORS and cross-origin protection of browser pages, on REST and RPC paths alike.

const (
	appOrigin  = "https://app.example"  // the CORS origin of the tests
	evilOrigin = "https://evil.example" // an origin nobody configured
	// trustedOrigin may call unsafe methods cross-origin, without CORS.
	trustedOrigin = "https://console.example"

	noOrg     = "00000000-0000-4000-8000-000000000001" // ids of nothing
	noAccount = "00000000-0000-4000-8000-000000000002"
)

// corsPaths are a Connect path and a REST path a browser page calls.
var corsPaths = []struct{ name, path, method string }{
	{"Connect", "/raystack.frontier.v1beta1.FrontierService/GetBillingBalance", "POST"},
	{"REST", "/v1beta1/organizations/" + noOrg + "/billing/" + noAccount + "/balance", "GET"},
}

// preflight sends the CORS preflight of a browser page of origin that is about to call method on
// path with the request headers a Connect or gRPC-Web client sends.
func (h *testHandler) preflight(path, origin, method string) *httptest.ResponseRecorder {
	return h.serve("OPTIONS", path, "", "", "", "Origin", origin,
		"Access-Control-Request-Method", method,
		"Access-Control-Request-Headers", "authorization, content-type, connect-protocol-version, connect-timeout-ms, x-grpc-web")
}

// headerList splits a comma-separated header value into lower-case names.
func headerList(v string) map[string]bool {
	out := map[string]bool{}
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out[strings.ToLower(s)] = true
		}
	}
	return out
}

// TestCORSPreflight checks that a preflight from a configured origin is answered 204 with the
// origin, the methods and the headers that REST, Connect and gRPC-Web clients need, on RPC and
// REST paths, and that a preflight from any other origin, or with no origin configured, is not.
func TestCORSPreflight(t *testing.T) {
	h := newTestHandler(t, Config{CORSOrigins: []string{appOrigin}})
	closed := newTestHandler(t, Config{})
	for _, p := range corsPaths {
		t.Run(p.name, func(t *testing.T) {
			rec := h.preflight(p.path, appOrigin, p.method)
			if rec.Code != http.StatusNoContent {
				t.Fatalf("preflight from %s: status %d, want 204: %s", appOrigin, rec.Code, rec.Body)
			}
			hdr := rec.Header()
			if got := hdr.Get("Access-Control-Allow-Origin"); got != appOrigin {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, appOrigin)
			}
			methods := headerList(hdr.Get("Access-Control-Allow-Methods"))
			for _, m := range []string{"get", "post", "put", "delete"} {
				if !methods[m] {
					t.Errorf("Access-Control-Allow-Methods %q lacks %s", hdr.Get("Access-Control-Allow-Methods"), m)
				}
			}
			allowed := headerList(hdr.Get("Access-Control-Allow-Headers"))
			for _, name := range []string{"authorization", "content-type", "connect-protocol-version", "connect-timeout-ms",
				"x-grpc-web", "x-user-agent", "grpc-timeout", "idempotency-key"} {
				if !allowed[name] {
					t.Errorf("Access-Control-Allow-Headers %q lacks %s", hdr.Get("Access-Control-Allow-Headers"), name)
				}
			}
			if !headerList(strings.Join(hdr.Values("Vary"), ","))["origin"] {
				t.Errorf("Vary %q lacks Origin", hdr.Values("Vary"))
			}

			for name, other := range map[string]*httptest.ResponseRecorder{
				"another origin":       h.preflight(p.path, evilOrigin, p.method),
				"no origin configured": closed.preflight(p.path, appOrigin, p.method),
			} {
				if other.Code == http.StatusNoContent || other.Header().Get("Access-Control-Allow-Origin") != "" ||
					other.Header().Get("Access-Control-Allow-Headers") != "" {
					t.Errorf("preflight, %s: status %d, headers %v; want no CORS answer", name, other.Code, other.Header())
				}
			}
		})
	}
}

// TestCORSResponses checks what a configured origin's page may read of actual answers, success
// and error alike: the origin is allowed and the gRPC status headers exposed; another origin gets
// no CORS header.
func TestCORSResponses(t *testing.T) {
	h := newTestHandler(t, Config{CORSOrigins: []string{appOrigin}})
	admin, secret := h.client(t, billd.ClientInput{Role: billd.RoleAdmin})
	for _, p := range corsPaths {
		for _, origin := range []string{appOrigin, evilOrigin} {
			body := ""
			if p.method == "POST" {
				body = `{"id":"` + noAccount + `"}`
			}
			rec := h.serve(p.method, p.path, admin, secret, body, "Origin", origin, "Sec-Fetch-Site", "cross-site")
			if origin == appOrigin && rec.Code != http.StatusNotFound {
				t.Fatalf("%s %s from %s: status %d, want 404 (no such account): %s", p.name, p.path, origin, rec.Code, rec.Body)
			}
			allow, exposed := rec.Header().Get("Access-Control-Allow-Origin"), headerList(rec.Header().Get("Access-Control-Expose-Headers"))
			if origin != appOrigin {
				if allow != "" || len(exposed) != 0 {
					t.Errorf("%s from %s: Access-Control-Allow-Origin %q, exposed %v; want neither", p.name, origin, allow, exposed)
				}
				continue
			}
			if allow != appOrigin {
				t.Errorf("%s from %s: Access-Control-Allow-Origin %q", p.name, origin, allow)
			}
			for _, name := range []string{"grpc-status", "grpc-message", "grpc-status-details-bin", "x-request-id", "www-authenticate"} {
				if !exposed[name] {
					t.Errorf("%s: Access-Control-Expose-Headers %q lacks %s", p.name, rec.Header().Get("Access-Control-Expose-Headers"), name)
				}
			}
		}
	}
}

// TestCrossSiteFormPostsAreRefused checks what a page of another site can do with the
// credentials a browser replays: a text/plain POST (a "simple" request, sent without a
// preflight) to a REST or RPC write path is refused 403 and changes nothing, while the same
// request from the same origin, a CORS origin or a trusted origin is served.
func TestCrossSiteFormPostsAreRefused(t *testing.T) {
	h := newTestHandler(t, Config{CORSOrigins: []string{appOrigin}, TrustedOrigins: []string{trustedOrigin}})
	ctx := t.Context()
	org, err := h.svc.CreateOrganization(ctx, billd.SystemPrincipal, billd.OrganizationInput{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	admin, secret := h.client(t, billd.ClientInput{Role: billd.RoleAdmin})
	state := func() billd.OrgState {
		t.Helper()
		o, err := h.svc.Organization(ctx, billd.SystemPrincipal, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		return o.State
	}
	disable := []struct{ name, path, body string }{
		{"REST", "/v1beta1/organizations/" + org.ID + "/disable", "{}"},
		{"Connect", "/raystack.frontier.v1beta1.FrontierService/DisableOrganization", `{"id":"` + org.ID + `"}`},
	}
	for _, d := range disable {
		rec := h.serve("POST", d.path, admin, secret, d.body,
			"Content-Type", "text/plain", "Origin", evilOrigin, "Sec-Fetch-Site", "cross-site")
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "cross-origin request refused") {
			t.Errorf("%s: a cross-site text/plain POST: status %d, want 403 cross-origin request refused: %s", d.name, rec.Code, rec.Body)
		}
		if got := state(); got != billd.OrgEnabled {
			t.Fatalf("%s: after a refused cross-site POST the organization is %s", d.name, got)
		}
	}

	// The same requests from pages the API trusts: REST as text/plain, Connect as its JSON.
	enable := []string{"/v1beta1/organizations/" + org.ID + "/enable", "{}", "text/plain"}
	rest := []string{disable[0].path, disable[0].body, "text/plain"}
	rpc := []string{disable[1].path, disable[1].body, "application/json"}
	for _, c := range []struct {
		name    string
		request []string // path, body, Content-Type
		origin  []string
		want    billd.OrgState
	}{
		{"same origin", rest, []string{"Sec-Fetch-Site", "same-origin"}, billd.OrgDisabled},
		{"CORS origin", enable, []string{"Origin", appOrigin, "Sec-Fetch-Site", "cross-site"}, billd.OrgEnabled},
		{"trusted origin", rpc, []string{"Origin", trustedOrigin, "Sec-Fetch-Site", "cross-site"}, billd.OrgDisabled},
	} {
		path, body, contentType := c.request[0], c.request[1], c.request[2]
		rec := h.serve("POST", path, admin, secret, body, append([]string{"Content-Type", contentType}, c.origin...)...)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: a POST to %s: status %d, want 200: %s", c.name, path, rec.Code, rec.Body)
		}
		if got := state(); got != c.want {
			t.Fatalf("%s: the organization is %s, want %s", c.name, got, c.want)
		}
	}
}
