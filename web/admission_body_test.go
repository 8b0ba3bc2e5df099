package web

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMeteredBodyCountsWhatIsRead checks that a body of unknown length holds the budgets for the
// bytes read (a step ahead), not for the largest body, and fails its read when they run out.
func TestMeteredBodyCountsWhatIsRead(t *testing.T) {
	a := newAdmission(Limits{MaxBodyBytesPerPrincipal: 3 * bodyStep}.withDefaults())
	newReq := func(n int) *http.Request {
		r, _ := http.NewRequest("POST", "/", io.NopCloser(strings.NewReader(strings.Repeat("x", n))))
		r.ContentLength = -1
		return r
	}
	// Before a byte is read, nothing is held: many unknown-length requests may start at once.
	var budgets []*bodyBudget
	for range 100 {
		b, err := a.admitBody(newReq(10), "p")
		if err != nil {
			t.Fatalf("admit: %v", err)
		}
		budgets = append(budgets, b)
	}
	if a.byPrincipal["p"] != 0 {
		t.Fatalf("held %d before reading, want 0", a.byPrincipal["p"])
	}
	for _, b := range budgets {
		b.release()
	}

	// A small body holds one step while it is served, and gives it back.
	r := newReq(100)
	b, _ := a.admitBody(r, "p")
	body, err := io.ReadAll(r.Body)
	if err != nil || len(body) != 100 {
		t.Fatalf("read %d bytes, %v", len(body), err)
	}
	if got := a.byPrincipal["p"]; got != bodyStep {
		t.Errorf("held %d, want one step (%d)", got, bodyStep)
	}
	b.release()
	if got := a.byPrincipal["p"]; got != 0 {
		t.Errorf("held %d after release, want 0", got)
	}

	// A second body that would take the principal past its budget fails its read.
	r1, r2 := newReq(2*bodyStep), newReq(2*bodyStep)
	b1, _ := a.admitBody(r1, "p")
	b2, _ := a.admitBody(r2, "p")
	if _, err := io.ReadAll(r1.Body); err != nil {
		t.Fatalf("first body: %v", err)
	}
	if _, err := io.ReadAll(r2.Body); err != errPrincipalBodyFull {
		t.Errorf("second body: %v, want %v", err, errPrincipalBodyFull)
	}
	b1.release()
	b2.release()
	if got := a.byPrincipal["p"]; got != 0 {
		t.Errorf("held %d after both, want 0", got)
	}

	// A body past MaxBodyBytes is refused when read, not read on and on.
	big := newReq(MaxBodyBytes + 10)
	a2 := newAdmission(Limits{}.withDefaults())
	bb, _ := a2.admitBody(big, "q")
	n, err := io.Copy(io.Discard, big.Body)
	if err != errTooLarge || n > MaxBodyBytes+1 {
		t.Errorf("read %d bytes of an oversized body, err %v; want at most %d and %v", n, err, MaxBodyBytes+1, errTooLarge)
	}
	bb.release()
}
