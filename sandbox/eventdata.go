package sandbox

import (
	"time"

	"github.com/billd/billd"
)

// checkoutJSON is the data of a checkout.* event.
type checkoutJSON struct {
	ID             string      `json:"id"`
	CheckoutID     string      `json:"checkout_id"`
	Customer       string      `json:"customer,omitempty"`
	URL            string      `json:"url,omitempty"`
	State          string      `json:"state"`
	PaymentStatus  string      `json:"payment_status"`
	PaymentError   string      `json:"payment_error,omitempty"`
	SubscriptionID string      `json:"subscription_id,omitempty"`
	PaymentMethod  *methodJSON `json:"payment_method,omitempty"`
	CurrentPeriod  *periodJSON `json:"current_period,omitempty"`
	TrialEndsAt    int64       `json:"trial_ends_at,omitempty"`
}

// methodJSON is a saved card.
type methodJSON struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int64  `json:"exp_month"`
	ExpYear  int64  `json:"exp_year"`
	Default  bool   `json:"default"`
	Created  int64  `json:"created,omitempty"`
}

// periodJSON is a subscription period.
type periodJSON struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

// subscriptionJSON is the data of a subscription.updated event.
type subscriptionJSON struct {
	ID                string      `json:"id"`
	SubscriptionID    string      `json:"subscription_id"`
	Customer          string      `json:"customer,omitempty"`
	State             string      `json:"state"`
	CurrentPeriod     *periodJSON `json:"current_period,omitempty"`
	TrialEndsAt       int64       `json:"trial_ends_at,omitempty"`
	CancelAtPeriodEnd bool        `json:"cancel_at_period_end"`
	CanceledAt        int64       `json:"canceled_at,omitempty"`
	EndedAt           int64       `json:"ended_at,omitempty"`
}

// invoiceJSON is the data of an invoice.paid event.
type invoiceJSON struct {
	ID        string `json:"id"`
	InvoiceID string `json:"invoice_id"`
	Customer  string `json:"customer,omitempty"`
	State     string `json:"state"`
	URL       string `json:"url,omitempty"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	DueAt     int64  `json:"due_at,omitempty"`
	PaidAt    int64  `json:"paid_at,omitempty"`
}

func encodeCheckout(c *billd.ProviderCheckout, customerID string) checkoutJSON {
	return checkoutJSON{ID: c.ID, CheckoutID: c.CheckoutID, Customer: customerID, URL: c.URL,
		State: string(c.State), PaymentStatus: string(c.PaymentStatus), PaymentError: c.PaymentError,
		SubscriptionID: c.SubscriptionID, PaymentMethod: encodeMethod(c.PaymentMethod),
		CurrentPeriod: encodePeriod(c.CurrentPeriod), TrialEndsAt: unix(c.TrialEndsAt)}
}

func decodeCheckout(data []byte) (*billd.ProviderCheckout, string, error) {
	var c checkoutJSON
	if err := decodeData(data, &c); err != nil {
		return nil, "", err
	}
	if c.ID == "" || c.CheckoutID == "" {
		return nil, "", errNotEvent("checkout without id or checkout_id")
	}
	return &billd.ProviderCheckout{ID: c.ID, CheckoutID: c.CheckoutID, URL: c.URL,
		State: billd.CheckoutState(c.State), PaymentStatus: billd.PaymentStatus(c.PaymentStatus),
		PaymentError: c.PaymentError, SubscriptionID: c.SubscriptionID,
		PaymentMethod: decodeMethod(c.PaymentMethod), CurrentPeriod: decodePeriod(c.CurrentPeriod),
		TrialEndsAt: fromUnix(c.TrialEndsAt)}, c.Customer, nil
}

func encodeMethod(m *billd.PaymentMethod) *methodJSON {
	if m == nil {
		return nil
	}
	return &methodJSON{ID: m.ProviderID, Type: m.Type, Brand: m.CardBrand, Last4: m.CardLast4,
		ExpMonth: m.ExpiryMonth, ExpYear: m.ExpiryYear, Default: m.Default, Created: unix(m.CreatedAt)}
}

func decodeMethod(m *methodJSON) *billd.PaymentMethod {
	if m == nil {
		return nil
	}
	return &billd.PaymentMethod{Provider: Name, ProviderID: m.ID, Type: m.Type, CardBrand: m.Brand,
		CardLast4: m.Last4, ExpiryMonth: m.ExpMonth, ExpiryYear: m.ExpYear, Default: m.Default,
		CreatedAt: fromUnix(m.Created)}
}

func encodeSubscription(s *billd.ProviderSubscription, customerID string) subscriptionJSON {
	return subscriptionJSON{ID: s.ID, SubscriptionID: s.SubscriptionID, Customer: customerID,
		State: string(s.State), CurrentPeriod: encodePeriod(s.CurrentPeriod), TrialEndsAt: unix(s.TrialEndsAt),
		CancelAtPeriodEnd: s.CancelAtPeriodEnd, CanceledAt: unix(s.CanceledAt), EndedAt: unix(s.EndedAt)}
}

func decodeSubscription(data []byte) (*billd.ProviderSubscription, string, error) {
	var s subscriptionJSON
	if err := decodeData(data, &s); err != nil {
		return nil, "", err
	}
	if s.ID == "" {
		return nil, "", errNotEvent("subscription without id")
	}
	return &billd.ProviderSubscription{ID: s.ID, SubscriptionID: s.SubscriptionID,
		State: billd.SubscriptionState(s.State), CurrentPeriod: decodePeriod(s.CurrentPeriod),
		TrialEndsAt: fromUnix(s.TrialEndsAt), CancelAtPeriodEnd: s.CancelAtPeriodEnd,
		CanceledAt: fromUnix(s.CanceledAt), EndedAt: fromUnix(s.EndedAt)}, s.Customer, nil
}

func encodeInvoice(in *billd.ProviderInvoice, customerID string) invoiceJSON {
	return invoiceJSON{ID: in.ID, InvoiceID: in.InvoiceID, Customer: customerID, State: in.State,
		URL: in.URL, Amount: in.Amount, Currency: in.Currency, DueAt: unix(in.DueAt), PaidAt: unix(in.PaidAt)}
}

func decodeInvoice(data []byte) (*billd.ProviderInvoice, string, error) {
	var in invoiceJSON
	if err := decodeData(data, &in); err != nil {
		return nil, "", err
	}
	if in.ID == "" {
		return nil, "", errNotEvent("invoice without id")
	}
	return &billd.ProviderInvoice{ID: in.ID, InvoiceID: in.InvoiceID, State: in.State, URL: in.URL,
		Amount: in.Amount, Currency: in.Currency, DueAt: fromUnix(in.DueAt), PaidAt: fromUnix(in.PaidAt)}, in.Customer, nil
}

func encodePeriod(p billd.Period) *periodJSON {
	if p.Start.IsZero() && p.End.IsZero() {
		return nil
	}
	return &periodJSON{Start: unix(p.Start), End: unix(p.End)}
}

func decodePeriod(p *periodJSON) billd.Period {
	if p == nil {
		return billd.Period{}
	}
	return billd.Period{Start: fromUnix(p.Start), End: fromUnix(p.End)}
}

// unix returns t in Unix seconds, 0 for the zero time.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// fromUnix returns the UTC time of Unix seconds, the zero time for 0.
func fromUnix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}
