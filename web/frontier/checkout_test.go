package frontier

import (
	"testing"
	"time"

	"github.com/billd/billd"
)

// TestSubscriptionPhases checks what a subscription's phases show: nothing scheduled, a change of
// plan, an end at the period's end, and no end once the subscription has ended.
func TestSubscriptionPhases(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	end, change := start.AddDate(0, 1, 0), start.AddDate(0, 0, 10)
	base := billd.Subscription{ID: "s", AccountID: "a", PlanID: "p", State: billd.SubscriptionActive,
		CurrentPeriod: billd.Period{Start: start, End: end}}
	for _, c := range []struct {
		name string
		edit func(*billd.Subscription)
		want []string // reason@effective_at/plan_id
	}{
		{"nothing scheduled", func(*billd.Subscription) {}, nil},
		{"a change of plan", func(s *billd.Subscription) { s.NextPlanID, s.NextPlanAt = "q", &change }, []string{"change@" + change.Format(time.RFC3339) + "/q"}},
		{"canceled at the period's end", func(s *billd.Subscription) { s.CancelAtPeriodEnd = true }, []string{"cancel@" + end.Format(time.RFC3339) + "/"}},
		{"ended", func(s *billd.Subscription) { s.CancelAtPeriodEnd, s.EndedAt = true, &end }, nil},
	} {
		s := base
		c.edit(&s)
		out := subscription(&s)
		var got []string
		for _, p := range out.GetPhases() {
			got = append(got, p.GetReason()+"@"+p.GetEffectiveAt().AsTime().Format(time.RFC3339)+"/"+p.GetPlanId())
		}
		if len(got) != len(c.want) || (len(got) > 0 && got[0] != c.want[0]) {
			t.Errorf("%s: phases %v, want %v", c.name, got, c.want)
		}
		if out.GetPhases() == nil || out.GetCustomerId() != "a" || out.GetBillingCycleAnchorAt() != nil {
			t.Errorf("%s: %v", c.name, out)
		}
	}
}

// TestIdempotencyKey checks the delegated checkout's key: the field, else the header; both given
// must agree.
func TestIdempotencyKey(t *testing.T) {
	for _, c := range []struct{ field, header, want string }{
		{"", "", ""}, {"a", "", "a"}, {"", "b", "b"}, {"a", "a", "a"},
	} {
		if got, err := idempotencyKey(c.field, c.header); err != nil || got != c.want {
			t.Errorf("idempotencyKey(%q, %q) = %q, %v; want %q", c.field, c.header, got, err, c.want)
		}
	}
	if _, err := idempotencyKey("a", "b"); billd.ErrorCode(err) != billd.EINVALID {
		t.Errorf("idempotencyKey(a, b): %v, want EINVALID", err)
	}
}

// TestCheckoutSessionOfPortal checks a customer portal's checkout, which is not stored: its URL
// and unset times (null on REST), not the zero time.
func TestCheckoutSessionOfPortal(t *testing.T) {
	c := checkoutSession(&billd.Checkout{Kind: billd.CheckoutSetup, URL: "https://portal.test/s"})
	if c.GetCheckoutUrl() != "https://portal.test/s" || c.GetCreatedAt() != nil || c.GetExpireAt() != nil || c.GetMetadata() == nil {
		t.Errorf("portal checkout: %v", c)
	}
}
