package frontier

import (
	"testing"
	"time"

	"github.com/billd/billd"
)

// TestInvoiceFields checks how an invoice maps to Frontier's message: customer_id is the account,
// hosted_url the provider's page, effective_at its creation, due_date and paid_at unset until
// known; and billd's kind, credits, org_id and subscription_id.
func TestInvoiceFields(t *testing.T) {
	created := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	due, paid := created.AddDate(0, 0, 30), created.AddDate(0, 0, 3)
	inv := &billd.Invoice{ID: "i", OrgID: "o", AccountID: "a", Kind: billd.InvoiceOverdraft, ProviderID: "in_1",
		State: billd.InvoiceOpen, Currency: "usd", Amount: 3, Credits: 2500, URL: "https://pay.test/in_1",
		PeriodStart: created.AddDate(0, -1, 0), PeriodEnd: created, DueAt: &due, CreatedAt: created, UpdatedAt: created}
	out := invoice(inv, &billd.BillingAccount{ID: "a", OrgID: "o"})
	if out.GetId() != "i" || out.GetCustomerId() != "a" || out.GetProviderId() != "in_1" || out.GetState() != "open" ||
		out.GetCurrency() != "usd" || out.GetAmount() != 3 || out.GetHostedUrl() != "https://pay.test/in_1" ||
		!out.GetDueDate().AsTime().Equal(due) || !out.GetEffectiveAt().AsTime().Equal(created) ||
		!out.GetCreatedAt().AsTime().Equal(created) || !out.GetPeriodStartAt().AsTime().Equal(inv.PeriodStart) ||
		!out.GetPeriodEndAt().AsTime().Equal(created) || out.GetMetadata() == nil || out.GetCustomer().GetId() != "a" {
		t.Errorf("Frontier's fields: %v", out)
	}
	if out.GetKind() != "overdraft" || out.GetCredits() != 2500 || out.GetOrgId() != "o" || out.GetSubscriptionId() != "" || out.GetPaidAt() != nil {
		t.Errorf("billd's fields: %v", out)
	}
	inv.PaidAt, inv.DueAt = &paid, nil
	if out := invoice(inv, nil); !out.GetPaidAt().AsTime().Equal(paid) || out.GetDueDate() != nil || out.GetCustomer() != nil {
		t.Errorf("a paid invoice without a due date: %v", out)
	}
}

// TestUpcomingInvoiceNone checks the answer when nothing renews: an invoice message with no field
// set but its metadata (an empty object, as every metadata is), no timestamps.
func TestUpcomingInvoiceNone(t *testing.T) {
	out := invoice(&billd.Invoice{}, nil)
	if out.GetId() != "" || out.GetAmount() != 0 || out.GetCreatedAt() != nil || out.GetEffectiveAt() != nil ||
		out.GetPeriodStartAt() != nil || len(out.GetMetadata().GetFields()) != 0 || out.GetMetadata() == nil {
		t.Errorf("empty invoice: %v", out)
	}
}

// TestPhaseFields checks a plan change's phase.
func TestPhaseFields(t *testing.T) {
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	p := phase(&billd.Phase{EffectiveAt: at, PlanID: "p", Reason: "change"})
	if !p.GetEffectiveAt().AsTime().Equal(at) || p.GetPlanId() != "p" || p.GetReason() != "change" {
		t.Errorf("phase: %v", p)
	}
}
