package billd

import (
	"context"
	"slices"
)

// InvoiceFilter selects an account's invoices for AccountInvoices, in Stripe's paging: a page of
// at most Limit invoices (0 is DefaultPageSize, more than MaxPageSize is MaxPageSize) after the
// invoice StartingAfter names.
type InvoiceFilter struct {
	State         InvoiceState // "" for every state
	StartingAfter string
	Limit         int
}

// invoiceStates are the states an InvoiceFilter may name.
var invoiceStates = []InvoiceState{InvoiceDraft, InvoiceOpen, InvoicePaid, InvoiceVoid, InvoiceUncollectible}

// AccountInvoices lists an account's invoices, newest first, and reports whether more follow.
// Needs update permission, as ListInvoices. EINVALID for an unknown state or a StartingAfter that
// is not an invoice of the account.
func (s *Service) AccountInvoices(ctx context.Context, p Principal, billingID string, f InvoiceFilter) ([]*Invoice, bool, error) {
	if f.State != "" && !slices.Contains(invoiceStates, f.State) {
		return nil, false, Errorf(EINVALID, "invoice status must be one of draft, open, paid, void, uncollectible")
	}
	limit, _, err := pageQuery(PageRequest{PageSize: f.Limit}, IsUUID)
	if err != nil {
		return nil, false, err
	}
	var items []*Invoice
	err = s.view(ctx, func(tx Tx) error {
		a, err := readableAccount(ctx, tx, p, PermUpdate, "", billingID)
		if err != nil {
			return err
		}
		q := InvoiceQuery{AccountID: a.ID, State: f.State, Limit: limit + 1}
		if f.StartingAfter != "" {
			if q.After, err = invoiceCursor(ctx, tx, a.ID, f.StartingAfter); err != nil {
				return err
			}
		}
		items, err = tx.Invoices(ctx, q)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	if len(items) > limit {
		return items[:limit], true, nil
	}
	return items, false, nil
}

// invoiceCursor is the list position just after the invoice id of the account accountID.
func invoiceCursor(ctx context.Context, tx Tx, accountID, id string) (*Cursor, error) {
	if !IsUUID(id) {
		return nil, Errorf(EINVALID, "startingAfter %q is not an invoice id", Truncate(id, 64))
	}
	inv, err := tx.Invoice(ctx, id)
	if ErrorCode(err) == ENOTFOUND || (err == nil && inv.AccountID != accountID) {
		return nil, Errorf(EINVALID, "startingAfter %q is not an invoice of the account", Truncate(id, 64))
	}
	if err != nil {
		return nil, err
	}
	return &Cursor{At: inv.CreatedAt, ID: inv.ID}, nil
}

// OutstandingInvoices lists the open invoices of an organization's accounts (orgID; empty is the
// caller's own organization, or, for a platform admin, every organization), newest first, at
// most MaxPageSize. Needs update permission.
func (s *Service) OutstandingInvoices(ctx context.Context, p Principal, orgID string) ([]*Invoice, error) {
	if orgID == "" {
		orgID = p.OrgID
	}
	var items []*Invoice
	err := s.view(ctx, func(tx Tx) error {
		q := InvoiceQuery{State: InvoiceOpen, Limit: MaxPageSize}
		if orgID == "" {
			if err := authorize(p, PermSuper, ""); err != nil {
				return err
			}
		} else {
			o, err := openOrganization(ctx, tx, p, PermUpdate, orgID, false)
			if err != nil {
				return err
			}
			q.OrgID = o.ID
		}
		var err error
		items, err = tx.Invoices(ctx, q)
		return err
	})
	return items, err
}
