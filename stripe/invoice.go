package stripe

import (
	"context"
	"strconv"

	"github.com/billd/billd"
	stripego "github.com/stripe/stripe-go/v85"
)

// CreateInvoice makes an invoice of r's lines that is sent to the customer and due in
// r.DueInDays: a draft invoice (collection_method send_invoice, billd's id in metadata
// invoice_id) that takes none of the customer's pending items, one invoice item per line on it
// (the line's name, unit amount and quantity), then finalized; Stripe emails it. Each step has
// an idempotency key of billd's invoice id, so a retry after a failure part way makes one
// invoice with each line once.
func (p *Provider) CreateInvoice(ctx context.Context, r billd.InvoiceRequest) (*billd.ProviderInvoice, error) {
	const op = "create invoice"
	if len(r.Lines) == 0 {
		return nil, billd.Errorf(billd.EINVALID, "stripe: %s: an invoice needs lines", op)
	}
	params := &stripego.InvoiceCreateParams{
		Customer:                    stripego.String(r.CustomerID),
		Currency:                    optional(r.Currency),
		CollectionMethod:            stripego.String(string(stripego.InvoiceCollectionMethodSendInvoice)),
		DaysUntilDue:                stripego.Int64(max(r.DueInDays, 0)),
		AutoAdvance:                 stripego.Bool(true),
		PendingInvoiceItemsBehavior: stripego.String("exclude"),
		Metadata:                    map[string]string{"invoice_id": r.InvoiceID},
	}
	params.IdempotencyKey = idempotencyKey("invoice", r.InvoiceID)
	inv, err := p.api.V1Invoices.Create(ctx, params)
	if err != nil {
		return nil, apiError(op, err)
	}
	for i, l := range r.Lines {
		item := &stripego.InvoiceItemCreateParams{
			Customer:          stripego.String(r.CustomerID),
			Invoice:           stripego.String(inv.ID),
			Currency:          optional(r.Currency),
			Description:       optional(l.Name),
			Quantity:          stripego.Int64(max(l.Quantity, 1)),
			UnitAmountDecimal: stripego.Float64(float64(l.UnitAmount)),
			Metadata:          map[string]string{"invoice_id": r.InvoiceID},
		}
		if l.ProductID != "" {
			item.Metadata["product_id"] = l.ProductID
		}
		item.IdempotencyKey = idempotencyKey("invoice", r.InvoiceID, "line", strconv.Itoa(i))
		if _, err := p.api.V1InvoiceItems.Create(ctx, item); err != nil {
			return nil, apiError("create invoice item", err)
		}
	}
	fin, err := p.api.V1Invoices.FinalizeInvoice(ctx, inv.ID, &stripego.InvoiceFinalizeInvoiceParams{AutoAdvance: stripego.Bool(true)})
	if err != nil && wrongState(err) {
		// A retry of a call that finalized it: the invoice is what it is.
		if cur, rerr := p.api.V1Invoices.Retrieve(ctx, inv.ID, nil); rerr == nil && cur.Status != stripego.InvoiceStatusDraft {
			fin, err = cur, nil
		}
	}
	if err != nil {
		return nil, apiError("finalize invoice", err)
	}
	return invoice(fin), nil
}

// Invoice returns the invoice's state, link, amount due, due date and payment time.
func (p *Provider) Invoice(ctx context.Context, providerID string) (*billd.ProviderInvoice, error) {
	inv, err := p.api.V1Invoices.Retrieve(ctx, providerID, nil)
	if err != nil {
		return nil, apiError("retrieve invoice", err)
	}
	return invoice(inv), nil
}

// invoice is billd's view of a Stripe invoice.
func invoice(inv *stripego.Invoice) *billd.ProviderInvoice {
	out := &billd.ProviderInvoice{
		ID:        inv.ID,
		InvoiceID: inv.Metadata["invoice_id"],
		State:     string(inv.Status),
		URL:       inv.HostedInvoiceURL,
		Amount:    inv.AmountDue,
		Currency:  string(inv.Currency),
		DueAt:     unix(inv.DueDate),
	}
	if inv.StatusTransitions != nil {
		out.PaidAt = unix(inv.StatusTransitions.PaidAt)
	}
	return out
}
