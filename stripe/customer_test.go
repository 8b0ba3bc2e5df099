package stripe

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/billd/billd"
)

func TestCreateCustomer(t *testing.T) {
	p, rec := testProvider(t)
	id, err := p.CreateCustomer(context.Background(), &billd.BillingAccount{
		ID: "acc_1", OrgID: "org_1", Name: "Acme", Email: "billing@acme.test", Phone: "+15550100",
		Address: billd.Address{Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "cus_") {
		t.Errorf("id = %q, want a customer id", id)
	}
	req := rec.last(t, http.MethodPost, "/v1/customers")
	wantForm(t, req, map[string]string{
		"name": "Acme", "email": "billing@acme.test", "phone": "+15550100",
		"address[line1]": "1 Main St", "address[city]": "Springfield", "address[postal_code]": "12345",
		"address[country]": "US", "metadata[billing_account_id]": "acc_1", "metadata[org_id]": "org_1",
	})
	noForm(t, req, "address[line2]", "address[state]")
	if got := req.Header.Get("Idempotency-Key"); got != "billd-customer-acc_1" {
		t.Errorf("Idempotency-Key = %q", got)
	}
}

func TestCreateCustomerWithoutAddress(t *testing.T) {
	p, rec := testProvider(t)
	if _, err := p.CreateCustomer(context.Background(), &billd.BillingAccount{ID: "acc_2", OrgID: "org_1"}); err != nil {
		t.Fatal(err)
	}
	noForm(t, rec.last(t, http.MethodPost, "/v1/customers"), "name", "email", "phone", "address[line1]", "address[country]")
}

func TestPortalURL(t *testing.T) {
	p, rec := testProvider(t)
	u, err := p.PortalURL(context.Background(), "cus_1", "https://app.test/billing")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "https://") {
		t.Errorf("URL = %q", u)
	}
	wantForm(t, rec.last(t, http.MethodPost, "/v1/billing_portal/sessions"),
		map[string]string{"customer": "cus_1", "return_url": "https://app.test/billing"})
}

// setDefaultMethod makes stripe-mock's customer name id as its default payment method.
func setDefaultMethod(rec *recorder, customerID, id string) {
	rec.rewrite(http.MethodGet, "/v1/customers/"+customerID,
		patchJSON(map[string]any{"invoice_settings": map[string]any{"default_payment_method": id}}))
}

func TestPaymentMethods(t *testing.T) {
	ctx := context.Background()
	p, rec := testProvider(t)
	methods, err := p.PaymentMethods(ctx, "cus_1")
	if err != nil {
		t.Fatal(err)
	}
	if len(methods) == 0 {
		t.Fatal("no payment methods")
	}
	wantForm(t, rec.last(t, http.MethodGet, "/v1/customers/cus_1/payment_methods"), map[string]string{"type": "card", "limit": "100"})
	m := methods[0]
	if m.Provider != "stripe" || !strings.HasPrefix(m.ProviderID, "pm_") || m.Type != "card" || m.CardBrand == "" ||
		len(m.CardLast4) != 4 || m.ExpiryMonth < 1 || m.ExpiryMonth > 12 || m.ExpiryYear < 2000 || m.CreatedAt.IsZero() {
		t.Errorf("method = %+v", m)
	}
	if m.Default {
		t.Errorf("method %s is marked default; the customer has none", m.ProviderID)
	}

	setDefaultMethod(rec, "cus_2", m.ProviderID)
	methods, err = p.PaymentMethods(ctx, "cus_2")
	if err != nil {
		t.Fatal(err)
	}
	if !methods[0].Default {
		t.Errorf("method %s is not marked default; it is the customer's default", methods[0].ProviderID)
	}
}

func TestSetDefaultPaymentMethod(t *testing.T) {
	p, rec := testProvider(t)
	if err := p.SetDefaultPaymentMethod(context.Background(), "cus_1", "pm_1"); err != nil {
		t.Fatal(err)
	}
	wantForm(t, rec.last(t, http.MethodPost, "/v1/customers/cus_1"), map[string]string{"invoice_settings[default_payment_method]": "pm_1"})
}

func TestDetachPaymentMethod(t *testing.T) {
	p, rec := testProvider(t)
	if err := p.DetachPaymentMethod(context.Background(), "pm_1"); err != nil {
		t.Fatal(err)
	}
	rec.last(t, http.MethodPost, "/v1/payment_methods/pm_1/detach")
}
