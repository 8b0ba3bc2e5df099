package billd

import (
	"cmp"
	"context"
	"fmt"
	"time"
)

// Seller is who issues billd's invoices, printed on each: the operator's name, postal address,
// email and tax id (InvoicingConfig.Seller, the --seller-* flags of billd serve).
type Seller struct {
	Name    string
	Address string // free text; lines separated by newlines or commas
	Email   string
	TaxID   string
}

// InvoiceDocument is what a printed invoice shows.
type InvoiceDocument struct {
	Number      string // the invoice's id: billd keeps no other number
	Kind        InvoiceKind
	State       InvoiceState
	IssuedAt    time.Time
	DueAt       *time.Time
	PaidAt      *time.Time
	PeriodStart time.Time // zero when the invoice bills no period
	PeriodEnd   time.Time
	Seller      Seller
	Buyer       InvoiceBuyer
	Lines       []InvoiceLine
	Subtotal    int64 // in Currency's minor units, as are every amount of the document
	Tax         int64 // 0: no tax is stored for billd's invoices
	Total       int64
	Currency    string
}

// InvoiceBuyer is the billing account an invoice is addressed to, as the account stores it.
type InvoiceBuyer struct {
	Name    string
	Email   string
	Address Address
	TaxIDs  []TaxID
}

// InvoiceLine is one line of an invoice: Quantity × UnitAmount = Amount.
type InvoiceLine struct {
	Description string
	Quantity    int64
	UnitAmount  int64
	Amount      int64
}

// InvoiceDocument gathers what the invoice id of the account billingID of the organization needs
// to be printed: its dates and state, the seller, the buyer, its lines and totals. Needs update
// permission, as listing invoices does. ENOTFOUND for an invoice of another account.
func (s *Service) InvoiceDocument(ctx context.Context, p Principal, orgID, billingID, invoiceID string) (*InvoiceDocument, error) {
	id, err := ParseUUID("invoice id", invoiceID)
	if err != nil {
		return nil, err
	}
	if err := Preauthorize(p, PermUpdate, orgID); err != nil {
		return nil, err
	}
	var doc *InvoiceDocument
	err = s.view(ctx, func(tx Tx) error {
		a, err := readableAccount(ctx, tx, p, PermUpdate, orgID, billingID)
		if err != nil {
			return err
		}
		inv, err := tx.Invoice(ctx, id)
		if ErrorCode(err) == ENOTFOUND || err == nil && inv.AccountID != a.ID {
			return Errorf(ENOTFOUND, "invoice not found")
		} else if err != nil {
			return err
		}
		lines, err := invoiceLines(ctx, tx, inv)
		if err != nil {
			return err
		}
		doc = &InvoiceDocument{Number: inv.ID, Kind: inv.Kind, State: inv.State, IssuedAt: inv.CreatedAt,
			DueAt: inv.DueAt, PaidAt: inv.PaidAt, PeriodStart: inv.PeriodStart, PeriodEnd: inv.PeriodEnd,
			Seller: s.invoicing.Seller, Lines: lines, Subtotal: inv.Amount, Total: inv.Amount, Currency: inv.Currency,
			Buyer: InvoiceBuyer{Name: a.Name, Email: a.Email, Address: a.Address, TaxIDs: a.TaxData}}
		return nil
	})
	return doc, err
}

// invoiceLines derives the lines of inv from what billd stores: an overdraft bills its credits,
// a subscription its plan and period; any other invoice is one line of its amount.
func invoiceLines(ctx context.Context, tx Tx, inv *Invoice) ([]InvoiceLine, error) {
	whole := func(description string) []InvoiceLine {
		return []InvoiceLine{{Description: description, Quantity: 1, UnitAmount: inv.Amount, Amount: inv.Amount}}
	}
	switch inv.Kind {
	case InvoiceOverdraft:
		return whole(fmt.Sprintf("Credits used beyond the balance: %s credits", FormatCredits(inv.Credits))), nil
	case InvoiceSubscription:
		return subscriptionLines(ctx, tx, inv, whole)
	}
	return whole(fmt.Sprintf("Invoice (%s)", inv.Kind)), nil
}

// subscriptionLines is the line of a subscription's invoice: its plan (the one the invoice names
// in its plan_id metadata, which a renewal records, else the subscription's), seats and period.
func subscriptionLines(ctx context.Context, tx Tx, inv *Invoice, whole func(string) []InvoiceLine) ([]InvoiceLine, error) {
	plan := "Subscription"
	quantity := int64(1)
	planID, _ := inv.Metadata["plan_id"].(string)
	if inv.SubscriptionID != "" {
		sub, err := tx.Subscription(ctx, inv.SubscriptionID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
		if sub != nil {
			quantity, planID = max(sub.Quantity, 1), cmp.Or(planID, sub.PlanID)
		}
	}
	if planID != "" {
		cat, err := tx.Catalog(ctx)
		if err != nil {
			return nil, err
		}
		if pl := cat.Plan(planID); pl != nil {
			plan = "Plan " + cmp.Or(pl.Title, pl.Name)
		}
	}
	if !inv.PeriodStart.IsZero() {
		plan += fmt.Sprintf(", %s to %s", inv.PeriodStart.UTC().Format(time.DateOnly), inv.PeriodEnd.UTC().Format(time.DateOnly))
	}
	if quantity > 1 && inv.Amount%quantity == 0 {
		return []InvoiceLine{{Description: plan, Quantity: quantity, UnitAmount: inv.Amount / quantity, Amount: inv.Amount}}, nil
	}
	return whole(plan), nil
}
