package web

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/billd/billd"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) advance(d time.Duration) { c.now = c.now.Add(d) }

// newTestLimiter returns a limiter with members at 2 requests a second, bursts of 3, keeping at
// most maxClients buckets, on a fake clock.
func newTestLimiter(maxClients int) (*rateLimiter, *fakeClock) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	byClass := DefaultRateLimits()
	byClass[RateClassMember] = RateLimit{Rate: 2, Burst: 3}
	return newRateLimiter(RateLimits{ByClass: byClass, MaxClients: maxClients, Now: clock.Now}.withDefaults()), clock
}

func member(id string) billd.Principal {
	return billd.Principal{ClientID: id, Role: billd.RoleMember, OrgID: "org"}
}

// allowN checks that p's next n requests are allowed.
func allowN(t *testing.T, rl *rateLimiter, p billd.Principal, n int) {
	t.Helper()
	for i := range n {
		if err := rl.allow(p); err != nil {
			t.Fatalf("%s: request %d refused: %v", p.ClientID, i+1, err)
		}
	}
}

// refused checks that p's next request is refused with ERATELIMITED and the wait.
func refused(t *testing.T, rl *rateLimiter, p billd.Principal, wait time.Duration) {
	t.Helper()
	err := rl.allow(p)
	if billd.ErrorCode(err) != billd.ERATELIMITED || billd.ErrorRetryAfter(err) != wait {
		t.Fatalf("%s: got %v (code %q, retry after %v), want rate_limited after %v", p.ClientID, err, billd.ErrorCode(err), billd.ErrorRetryAfter(err), wait)
	}
}

func TestRateLimiterBucket(t *testing.T) {
	rl, clock := newTestLimiter(0)
	a := member("a")
	allowN(t, rl, a, 3) // the burst
	refused(t, rl, a, 500*time.Millisecond)
	clock.advance(200 * time.Millisecond)
	refused(t, rl, a, 300*time.Millisecond) // 0.4 tokens: 0.6 to go at 2 a second
	clock.advance(300 * time.Millisecond)
	allowN(t, rl, a, 1)
	refused(t, rl, a, 500*time.Millisecond)
	clock.advance(time.Hour) // refills up to the burst, not past it
	allowN(t, rl, a, 3)
	refused(t, rl, a, 500*time.Millisecond)
	clock.advance(-time.Minute) // a clock that steps back adds nothing
	refused(t, rl, a, 500*time.Millisecond)
}

func TestRateLimiterClientsApart(t *testing.T) {
	rl, _ := newTestLimiter(0)
	allowN(t, rl, member("a"), 3)
	refused(t, rl, member("a"), 500*time.Millisecond)
	allowN(t, rl, member("b"), 3) // another client has its own bucket
	for _, p := range []billd.Principal{
		{ClientID: "meter", Role: billd.RoleMeter},
		{ClientID: "admin", Role: billd.RoleAdmin},
	} {
		allowN(t, rl, p, 10000) // unlimited by default
	}
	if n := rl.tracked(); n != 2 {
		t.Errorf("tracked %d buckets, want 2 (none for unlimited clients)", n)
	}
}

func TestRateLimiterBounded(t *testing.T) {
	rl, _ := newTestLimiter(3)
	allowN(t, rl, member("hot"), 3)
	for i := range 100 {
		allowN(t, rl, member(fmt.Sprint("c", i)), 1)
		refused(t, rl, member("hot"), 500*time.Millisecond) // used most recently: never dropped
		if n := rl.tracked(); n > 3 {
			t.Fatalf("tracked %d buckets, want at most 3", n)
		}
	}
	allowN(t, rl, member("c0"), 3) // dropped long ago: starts full again
}

func TestRateClass(t *testing.T) {
	for _, tc := range []struct {
		p    billd.Principal
		want string
	}{
		{billd.Principal{Role: billd.RoleAdmin}, RateClassAdmin},
		{billd.Principal{Role: billd.RoleMeter}, RateClassMeter},
		{billd.Principal{Role: billd.RoleAdmin, OrgID: "o"}, RateClassOrgAdmin},
		{billd.Principal{Role: billd.RoleOwner, OrgID: "o"}, RateClassOwner},
		{billd.Principal{Role: billd.RoleMember, OrgID: "o"}, RateClassMember},
	} {
		if got := rateClass(tc.p); got != tc.want {
			t.Errorf("rateClass(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestParseRateLimits(t *testing.T) {
	limits := DefaultRateLimits()
	if err := ParseRateLimits(" meter=5/10, member=0.5 ,owner=3,", limits); err != nil {
		t.Fatal(err)
	}
	want := DefaultRateLimits()
	want[RateClassMeter] = RateLimit{Rate: 5, Burst: 10}
	want[RateClassMember] = RateLimit{Rate: 0.5, Burst: 1}
	want[RateClassOwner] = RateLimit{Rate: 3, Burst: 3}
	if !maps.Equal(limits, want) {
		t.Errorf("got %v, want %v", limits, want)
	}
	if got := FormatRateLimits(limits); got != "admin=0,meter=5/10,owner=3/3,org-admin=50/100,member=0.5/1" {
		t.Errorf("FormatRateLimits = %q", got)
	}
	for _, bad := range []string{"guest=1", "member", "member=-1", "member=NaN", "member=1/0", "member=1/x", "member=x", "=1", "member=1e10"} {
		if err := ParseRateLimits(bad, DefaultRateLimits()); err == nil {
			t.Errorf("ParseRateLimits(%q) accepted", bad)
		}
	}
}

// TestRateLimitAnswer checks the REST answer past the burst: 429, Retry-After in whole seconds
// rounded up, and the Frontier error body with ResourceExhausted (8).
func TestRateLimitAnswer(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	byClass := DefaultRateLimits()
	byClass[RateClassAdmin] = RateLimit{Rate: 0.4, Burst: 1}
	h := newTestHandler(t, Config{RateLimits: RateLimits{ByClass: byClass, Now: clock.Now}})
	id, secret := h.client(t, billd.ClientInput{Role: billd.RoleAdmin})
	if rec := h.serve("GET", "/v1beta1/organizations", id, secret, ""); rec.Code != 200 {
		t.Fatalf("first request: %d %s", rec.Code, rec.Body)
	}
	rec := h.serve("GET", "/v1beta1/organizations", id, secret, "")
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "3" {
		t.Fatalf("second request: %d, Retry-After %q, want 429 and 3 (2.5 s rounded up): %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if body := rec.Body.String(); body != `{"code":8,"message":"too many requests: this client may make 0.4 per second, 1 at once; retry in 3 s","details":[]}`+"\n" {
		t.Errorf("body %s", body)
	}
}
