package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier"
)

const (
	orgA = "0a4b2f6e-8c1d-4e5f-9a0b-1c2d3e4f5a6b"
	orgB = "7e6d5c4b-3a29-4817-8695-a4b3c2d1e0f9"
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
	h := newTestHandler(t, Config{}, billd.Client{ID: "member-a", Role: billd.RoleMember, OrgID: orgA})

	rec := h.serve("GET", "/v1beta1/organizations/"+orgB, "member-a", "")
	if rec.Code != http.StatusForbidden {
		t.Fatalf("a member of another organization: %d %s", rec.Code, rec.Body)
	}
	id := rec.Header().Get("X-Request-Id")
	h.serve("GET", "/healthz", "", "")
	h.serve("GET", "/readyz", "", "")
	h.serve("GET", "/v1beta1/nothing-here", "", "")
	const secret = "query-secret-0123456789"
	h.serve("GET", "/v1beta1/organizations?api_key="+secret, "", "", "Authorization", "Basic "+secret)
	long := strings.Repeat("x", 60<<10)
	h.serve("GET", "/v1beta1/"+long, "", "", "X-Request-Id", long, "User-Agent", long)

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
		if strings.Contains(line, secret) || len(line) > 400 {
			t.Errorf("line %d holds a secret or is %d bytes long: %.500s", i, len(line), line)
		}
	}
	if !strings.Contains(lines[0], "principal=member-a request_id="+id) || id == "" {
		t.Errorf("the first line does not name the principal and request id %q: %s", id, lines[0])
	}
}

// TestReadyz checks the readiness probe: 200 while the store answers, 503 code 14 with
// Retry-After while it does not, without credentials and without log lines.
func TestReadyz(t *testing.T) {
	h := newTestHandler(t, Config{})
	rec := h.serve("GET", "/readyz", "", "")
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
		t.Errorf("GET /readyz with the store up: %d %s", rec.Code, rec.Body)
	}
	h.store.down = true
	rec = h.serve("GET", "/readyz", "", "")
	var status frontier.Status
	if err := json.Unmarshal(rec.Body.Bytes(), &status); err != nil || rec.Code != http.StatusServiceUnavailable ||
		status.Code != 14 || rec.Header().Get("Retry-After") == "" {
		t.Errorf("GET /readyz with the store down: %d %v %s (Retry-After %q)", rec.Code, err, rec.Body, rec.Header().Get("Retry-After"))
	}
	if rec := h.serve("GET", "/healthz", "", ""); rec.Code != http.StatusOK {
		t.Errorf("GET /healthz with the store down: %d; liveness does not depend on the store", rec.Code)
	}
	if h.log.Len() != 0 {
		t.Errorf("the probes logged:\n%s", h.log)
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
	if a.bytes.Load() != 0 || len(a.byPrincipal) != 0 {
		t.Fatalf("after releasing everything: %d bytes, %v", a.bytes.Load(), a.byPrincipal)
	}
	if err := a.reserveBody("p", 500); err != nil {
		t.Fatalf("a body over both budgets, alone: %v", err)
	}
	if err := a.reserveBody("q", 1); err != errOverloaded {
		t.Fatalf("beside a body over the budget: %v", err)
	}
}
