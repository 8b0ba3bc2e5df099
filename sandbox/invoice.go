package sandbox

import (
	"context"

	"github.com/billd/billd"
)

// maxDueInDays bounds how far an invoice may be due.
const maxDueInDays = 3650

// CreateInvoice records an invoice "in_sbx_…" of r's lines, open, due r.DueInDays days from now.
// The sandbox has no invoice page and never collects an invoice by itself. It returns EINVALID
// for a request without customer or lines, with invalid lines, a total that overflows or due
// days outside 0…3650.
func (p *Provider) CreateInvoice(ctx context.Context, r billd.InvoiceRequest) (*billd.ProviderInvoice, error) {
	if r.CustomerID == "" {
		return nil, billd.Errorf(billd.EINVALID, "sandbox: an invoice needs a customer")
	}
	if len(r.Lines) == 0 {
		return nil, billd.Errorf(billd.EINVALID, "sandbox: an invoice needs lines")
	}
	if r.DueInDays < 0 || r.DueInDays > maxDueInDays {
		return nil, billd.Errorf(billd.EINVALID, "sandbox: due days must be between 0 and %d", maxDueInDays)
	}
	if err := validateLines(r.Currency, r.Lines); err != nil {
		return nil, err
	}
	total, _ := linesTotal(r.Lines)
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock()
	in := &invoice{customerID: r.CustomerID, view: billd.ProviderInvoice{ID: p.id("in"), InvoiceID: r.InvoiceID,
		State: "open", Amount: total, Currency: r.Currency, DueAt: now.AddDate(0, 0, int(r.DueInDays))}}
	p.mem.addInvoice(in)
	v := in.view
	return &v, nil
}

// Invoice returns an invoice as the sandbox recorded it. It returns ENOTFOUND for an invoice the
// sandbox does not have (or forgot).
func (p *Provider) Invoice(ctx context.Context, providerID string) (*billd.ProviderInvoice, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := p.mem.invoices[providerID]
	if in == nil {
		return nil, billd.Errorf(billd.ENOTFOUND, "sandbox: no invoice %q", providerID)
	}
	v := in.view
	return &v, nil
}
