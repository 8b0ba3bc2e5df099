package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
)

// logLines returns the access log lines in the handler's log so far.
func (h *testHandler) logLines() []string {
	var out []string
	for _, line := range strings.Split(h.log.String(), "\n") {
		if strings.Contains(line, "msg=request ") {
			out = append(out, line)
		}
	}
	return out
}

// TestAccessLog checks the access log: one line per request but the health probes, with the
// method, route pattern, status, principal and request id, never a secret, and bounded whatever the
// client sends.
func TestAccessLog(t *testing.T) {
	h := newTestHandler(t, Config{})
	orgA, err := h.svc.CreateOrganization(t.Context(), billd.SystemPrincipal, billd.OrganizationInput{Name: "org-a"})
	if err != nil {
		t.Fatal(err)
	}
	orgB, err := h.svc.CreateOrganization(t.Context(), billd.SystemPrincipal, billd.OrganizationInput{Name: "org-b"})
	if err != nil {
		t.Fatal(err)
	}
	member, secret := h.client(t, billd.ClientInput{Role: billd.RoleMember, OrgID: orgA.ID})

	rec := h.serve("GET", "/v1beta1/organizations/"+orgB.ID, member, secret, "")
	if rec.Code != http.StatusForbidden {
		t.Fatalf("a member of another organization: %d %s", rec.Code, rec.Body)
	}
	id := rec.Header().Get("X-Request-Id")
	h.serve("GET", "/healthz", "", "", "")
	h.serve("GET", "/readyz", "", "", "")
	h.serve("GET", "/v1beta1/nothing-here", "", "", "")
	const querySecret = "query-secret-0123456789"
	h.serve("GET", "/v1beta1/organizations?api_key="+querySecret, "", "", "", "Authorization", "Basic "+querySecret)
	long := strings.Repeat("x", 60<<10)
	h.serve("GET", "/v1beta1/"+long, "", "", "", "X-Request-Id", long, "User-Agent", long)

	lines := h.logLines()
	want := []string{
		`method=GET route=/v1beta1/organizations/{id} status=403 duration=`,
		`method=GET route="" status=404 duration=`,
		`method=GET route=/v1beta1/organizations status=401 duration=`,
		`method=GET route="" status=404 duration=`,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d access log lines, want %d (none for the probes):\n%s", len(lines), len(want), h.log)
	}
	for i, line := range lines {
		if !strings.Contains(line, "level=INFO") || !strings.Contains(line, want[i]) {
			t.Errorf("line %d: %s\nwant it to hold %s", i, line, want[i])
		}
		if strings.Contains(line, querySecret) || strings.Contains(line, secret) || len(line) > 400 {
			t.Errorf("line %d holds a secret or is %d bytes long: %.500s", i, len(line), line)
		}
	}
	if !strings.Contains(lines[0], "principal="+member+" request_id="+id) || id == "" {
		t.Errorf("the first line does not name the principal and request id %q: %s", id, lines[0])
	}
}

// TestBodyBudgets checks the body budgets' bookkeeping: bytes held per principal, a
// principal over its budget refused while another is admitted, a body larger than a budget
// admitted only alone, and everything given back.
func TestBodyBudgets(t *testing.T) {
	a := newAdmission(Limits{MaxBodyBytesInFlight: 100, MaxBodyBytesPerPrincipal: 40}.withDefaults())
	steps := []struct {
		principal string
		size      int64
		want      error
	}{
		{"p", 30, nil}, {"p", 10, nil}, {"p", 1, errPrincipalBodyFull}, {"q", 40, nil}, {"r", 40, errOverloaded},
		{"r", 20, nil}, {"s", 0, nil},
	}
	for i, s := range steps {
		if err := a.reserveBody(s.principal, s.size); err != s.want {
			t.Fatalf("step %d: %s reserves %d: %v, want %v", i, s.principal, s.size, err, s.want)
		}
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if s := steps[i]; s.want == nil {
			a.releaseBody(s.principal, s.size)
		}
	}
	if a.bytes != 0 || len(a.byPrincipal) != 0 {
		t.Fatalf("after releasing everything: %d bytes, %v", a.bytes, a.byPrincipal)
	}
	if err := a.reserveBody("p", 500); err != nil {
		t.Fatalf("a body over both budgets, alone: %v", err)
	}
	if err := a.reserveBody("q", 1); err != errOverloaded {
		t.Fatalf("beside a body over the budget: %v", err)
	}
}

// TestReadinessIsShared checks that the probes of one second share one check of the store: a probe
// needs no credentials and is never shed, so it must not cost a store round trip each.
func TestReadinessIsShared(t *testing.T) {
	clock := time.Unix(0, 0)
	rd := readiness{now: func() time.Time { return clock }}
	checks := 0
	ready := func(context.Context) error { checks++; return nil }
	for range 5 {
		rd.check(t.Context(), ready)
	}
	clock = clock.Add(readinessTTL)
	rd.check(t.Context(), ready)
	if checks != 2 {
		t.Fatalf("6 probes over %s ran %d checks of the store, want 2", readinessTTL, checks)
	}
}

// TestAbortedRequestsAreNotLoggedAsAnswered checks the access log of a handler that aborts: no
// answer was sent, so the line must not say 200.
func TestAbortedRequestsAreNotLoggedAsAnswered(t *testing.T) {
	h := newTestHandler(t, Config{})
	r := httptest.NewRequest("GET", "/v1beta1/organizations", nil)
	lw := h.startLog(httptest.NewRecorder(), r)
	func() {
		defer func() { recover() }()
		defer h.recoverPanic(lw, r)
		panic(http.ErrAbortHandler)
	}()
	h.logRequest(lw, r, "GET /v1beta1/organizations")
	if !strings.Contains(h.log.String(), "status=499") {
		t.Fatalf("an aborted request was logged as: %s", h.log)
	}
}
