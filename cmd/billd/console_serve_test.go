package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/billd/billd/sqlstore/sqltest"
)

// TestServeConsoleFlags serves the console at /console by default, not with --console=false, and
// refuses a session lifetime out of range.
func TestServeConsoleFlags(t *testing.T) {
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(s *server) *http.Response {
		t.Helper()
		res, err := noRedirects.Get(s.url + "/console/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := get(serveWith(t, sqltest.DSN(t, "sqlite"), adminEnv)); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != "/console/sign-in" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("GET /console/ of billd serve: %d to %q, want 303 to the sign-in page", res.StatusCode, res.Header.Get("Location"))
	}
	if res := get(serveWith(t, sqltest.DSN(t, "sqlite"), adminEnv, "--console=false")); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /console/ with --console=false: %d, want 404", res.StatusCode)
	}
	for _, ttl := range []string{"0s", "721h"} {
		_, err := refusedStart(t, adminEnv, "serve", "--addr", "127.0.0.1:0", "--db", sqltest.DSN(t, "sqlite"), "--console-session-ttl", ttl)
		if !cliIsUsage(err) || !strings.Contains(err.Error(), "--console-session-ttl") {
			t.Errorf("--console-session-ttl %s: %v, want a usage error naming the flag", ttl, err)
		}
	}
}
