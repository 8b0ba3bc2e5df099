package sandbox

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/billd/billd"
)

const (
	customerPrefix = "cus_sbx_"
	methodPrefix   = "pm_sbx_"
)

// CreateCustomer registers a billing account and returns its customer id, "cus_sbx_…". It
// returns EINVALID for a nil account.
func (p *Provider) CreateCustomer(ctx context.Context, a *billd.BillingAccount) (string, error) {
	if a == nil {
		return "", billd.Errorf(billd.EINVALID, "sandbox: a customer needs a billing account")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := &customer{id: p.id("cus"), accountID: a.ID}
	p.mem.addCustomer(c)
	return c.id, nil
}

// PortalURL returns the customer's portal page, BaseURL/checkout/portal/{customerID}, which lists
// the saved cards and links back to returnURL. It returns ENOTFOUND for a customer id that is not
// the sandbox's.
func (p *Provider) PortalURL(ctx context.Context, customerID, returnURL string) (string, error) {
	if !strings.HasPrefix(customerID, customerPrefix) {
		return "", billd.Errorf(billd.ENOTFOUND, "sandbox: no customer %q", customerID)
	}
	u := p.baseURL + "/checkout/portal/" + url.PathEscape(customerID)
	if returnURL != "" {
		u += "?return_url=" + url.QueryEscape(returnURL)
	}
	return u, nil
}

// PaymentMethods lists a customer's saved cards, oldest first, the default marked. A customer
// the sandbox forgot (billd restarted) has none. It returns ENOTFOUND for a customer id that is
// not the sandbox's.
func (p *Provider) PaymentMethods(ctx context.Context, customerID string) ([]billd.PaymentMethod, error) {
	if !strings.HasPrefix(customerID, customerPrefix) {
		return nil, billd.Errorf(billd.ENOTFOUND, "sandbox: no customer %q", customerID)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.savedMethods(customerID), nil
}

// savedMethods returns a customer's live cards, oldest first, and drops the ids of the others.
func (p *Provider) savedMethods(customerID string) []billd.PaymentMethod {
	c := p.mem.customers[customerID]
	if c == nil {
		return []billd.PaymentMethod{}
	}
	out := []billd.PaymentMethod{}
	c.methods = slices.DeleteFunc(c.methods, func(id string) bool {
		m := p.mem.methods[id]
		return m == nil || m.detached
	})
	for _, id := range c.methods {
		out = append(out, p.mem.methods[id].paymentMethod(id == c.defaultMethod))
	}
	return out
}

// paymentMethod returns the card in billd's terms.
func (m *method) paymentMethod(isDefault bool) billd.PaymentMethod {
	return billd.PaymentMethod{AccountID: m.accountID, Provider: Name, ProviderID: m.id, Type: "card",
		CardBrand: m.card.brand, CardLast4: m.card.last4, ExpiryMonth: m.card.expMonth,
		ExpiryYear: m.card.expYear, Default: isDefault, CreatedAt: m.created}
}

// SetDefaultPaymentMethod makes a saved card the one Charge takes when it is given none. It
// returns ENOTFOUND if the customer or the card is unknown or the card is not the customer's.
func (p *Provider) SetDefaultPaymentMethod(ctx context.Context, customerID, methodID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.mem.customers[customerID]
	if c == nil {
		return billd.Errorf(billd.ENOTFOUND, "sandbox: no customer %q", customerID)
	}
	m := p.mem.methods[methodID]
	if m == nil || m.detached || m.customerID != customerID {
		return billd.Errorf(billd.ENOTFOUND, "sandbox: customer %q has no payment method %q", customerID, methodID)
	}
	c.defaultMethod = methodID
	return nil
}

// DetachPaymentMethod removes a saved card from its customer; charging it is declined from
// then on. Detaching a detached or forgotten sandbox card does nothing. It returns ENOTFOUND
// for an id that is not a sandbox card's.
func (p *Provider) DetachPaymentMethod(ctx context.Context, methodID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.mem.methods[methodID]
	if m == nil {
		if _, ok := cardOfMethodID(methodID); ok {
			return nil
		}
		return billd.Errorf(billd.ENOTFOUND, "sandbox: no payment method %q", methodID)
	}
	m.detached = true
	if c := p.mem.customers[m.customerID]; c != nil && c.defaultMethod == methodID {
		c.defaultMethod = ""
	}
	return nil
}

// newMethod returns a card saved at now for a customer (who may be "").
func (p *Provider) newMethod(c card, customerID, accountID string, now time.Time) *method {
	id := fmt.Sprintf("%s%s%02d%02d_%s", methodPrefix, c.last4, c.expMonth, c.expYear%100, p.newID())
	return &method{id: id, customerID: customerID, accountID: accountID, card: c, created: now}
}

// cardOfMethodID returns what a card's id tells of it ("pm_sbx_<last4><MM><YY>_…"), so that a
// card the sandbox forgot can still be charged.
func cardOfMethodID(id string) (card, bool) {
	rest, ok := strings.CutPrefix(id, methodPrefix)
	if !ok || len(rest) < 9 || rest[8] != '_' || !allDigits(rest[:8]) {
		return card{}, false
	}
	month, _ := strconv.ParseInt(rest[4:6], 10, 64)
	year, _ := strconv.ParseInt(rest[6:8], 10, 64)
	if month < 1 || month > 12 {
		return card{}, false
	}
	return card{brand: "visa", last4: rest[:4], expMonth: month, expYear: 2000 + year}, true
}
