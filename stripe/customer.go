package stripe

import (
	"context"

	"github.com/billd/billd"
	stripego "github.com/stripe/stripe-go/v85"
)

// maxPaymentMethods bounds how many saved methods PaymentMethods lists for one customer.
const maxPaymentMethods = 100

// CreateCustomer creates a Stripe customer with the account's name, email, phone and address,
// and billd's ids in its metadata (billing_account_id, org_id). A retry within Stripe's
// idempotency window (24 h) returns the same customer.
func (p *Provider) CreateCustomer(ctx context.Context, a *billd.BillingAccount) (string, error) {
	params := &stripego.CustomerCreateParams{
		Name:     optional(a.Name),
		Email:    optional(a.Email),
		Phone:    optional(a.Phone),
		Address:  addressParams(a.Address),
		Metadata: map[string]string{"billing_account_id": a.ID, "org_id": a.OrgID},
	}
	params.IdempotencyKey = idempotencyKey("customer", a.ID)
	c, err := p.api.V1Customers.Create(ctx, params)
	if err != nil {
		return "", apiError("create customer", err)
	}
	return c.ID, nil
}

// addressParams is a's address for Stripe, nil when it is empty.
func addressParams(a billd.Address) *stripego.AddressParams {
	if a == (billd.Address{}) {
		return nil
	}
	return &stripego.AddressParams{
		Line1:      optional(a.Line1),
		Line2:      optional(a.Line2),
		City:       optional(a.City),
		State:      optional(a.State),
		PostalCode: optional(a.PostalCode),
		Country:    optional(a.Country),
	}
}

// PortalURL opens a billing portal session of the customer that comes back to returnURL.
func (p *Provider) PortalURL(ctx context.Context, customerID, returnURL string) (string, error) {
	s, err := p.api.V1BillingPortalSessions.Create(ctx, &stripego.BillingPortalSessionCreateParams{
		Customer:  stripego.String(customerID),
		ReturnURL: optional(returnURL),
	})
	if err != nil {
		return "", apiError("create billing portal session", err)
	}
	return s.URL, nil
}

// PaymentMethods lists the customer's saved cards (at most 100), the one in its
// invoice_settings.default_payment_method marked Default. The methods carry Stripe's ids in
// ProviderID; billd's ids and account are left for the caller.
func (p *Provider) PaymentMethods(ctx context.Context, customerID string) ([]billd.PaymentMethod, error) {
	defaultID, err := p.defaultMethod(ctx, customerID)
	if err != nil {
		return nil, apiError("list payment methods", err)
	}
	params := &stripego.CustomerListPaymentMethodsParams{Customer: stripego.String(customerID), Type: stripego.String("card")}
	params.Limit = stripego.Int64(maxPaymentMethods)
	var out []billd.PaymentMethod
	for pm, err := range p.api.V1Customers.ListPaymentMethods(ctx, params).All(ctx) {
		if err != nil {
			return nil, apiError("list payment methods", err)
		}
		m := paymentMethod(pm)
		m.Default = pm.ID == defaultID
		out = append(out, *m)
		if len(out) == maxPaymentMethods {
			break
		}
	}
	return out, nil
}

// defaultMethod returns the id of the customer's default payment method, "" if it has none.
func (p *Provider) defaultMethod(ctx context.Context, customerID string) (string, error) {
	c, err := p.api.V1Customers.Retrieve(ctx, customerID, nil)
	if err != nil {
		return "", err
	}
	if c.InvoiceSettings == nil || c.InvoiceSettings.DefaultPaymentMethod == nil {
		return "", nil
	}
	return c.InvoiceSettings.DefaultPaymentMethod.ID, nil
}

// SetDefaultPaymentMethod makes methodID the customer's invoice_settings.default_payment_method,
// the method that subscriptions, invoices and off-session charges use.
func (p *Provider) SetDefaultPaymentMethod(ctx context.Context, customerID, methodID string) error {
	_, err := p.api.V1Customers.Update(ctx, customerID, &stripego.CustomerUpdateParams{
		InvoiceSettings: &stripego.CustomerUpdateInvoiceSettingsParams{DefaultPaymentMethod: stripego.String(methodID)},
	})
	return apiError("set default payment method", err)
}

// DetachPaymentMethod detaches a saved method from its customer.
func (p *Provider) DetachPaymentMethod(ctx context.Context, methodID string) error {
	_, err := p.api.V1PaymentMethods.Detach(ctx, methodID, nil)
	return apiError("detach payment method", err)
}

// paymentMethod is billd's view of a Stripe payment method; nil for nil.
func paymentMethod(pm *stripego.PaymentMethod) *billd.PaymentMethod {
	if pm == nil || pm.ID == "" {
		return nil
	}
	m := &billd.PaymentMethod{Provider: "stripe", ProviderID: pm.ID, Type: string(pm.Type), CreatedAt: unix(pm.Created)}
	if pm.Card != nil {
		m.CardBrand = string(pm.Card.Brand)
		m.CardLast4 = pm.Card.Last4
		m.ExpiryMonth = pm.Card.ExpMonth
		m.ExpiryYear = pm.Card.ExpYear
	}
	return m
}
