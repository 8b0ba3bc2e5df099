package billd

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Overdraft invoicing. A postpaid account (credit_min < 0) may use credits beyond its balance.
// On the invoice day of each month (UTC), or when a platform admin asks (GenerateInvoices), billd
// bills what such an account owes: the credits below zero not yet on an unpaid invoice, priced at
// the overdraft product's price per credit_amount credits. The amount is computed exactly, as a
// fraction, and rounded up to the currency's smallest unit once, for the whole invoice (Frontier
// truncates the unit price, which turns a price below one minor unit per credit into a free
// overdraft). An invoice's id is derived from the account and the month, so generating twice makes
// one invoice. When the invoice is paid (the provider's event, or an admin marking an offline
// payment), the account is credited back its credits exactly once: one grant (source
// system.overdraft) whose id is derived from the invoice.

// InvoicingConfig sets overdraft invoicing.
type InvoicingConfig struct {
	// Day is the day of the month (1 to 28, UTC) overdraft invoices are made; 0 makes them only
	// on demand (GenerateInvoices).
	Day int
	// Product is the credits product (id or name) whose active one-time price, per its
	// credit_amount, prices an overdraft. Empty: no overdraft invoices.
	Product string
	// Seller is who issues the invoices, printed on each (InvoiceDocument).
	Seller Seller
}

// SourceOverdraft is the source of the grant that gives a paid overdraft invoice's credits back.
const SourceOverdraft = "system.overdraft"

// ListInvoices lists an account's invoices, newest first (nonZeroOnly: only those with an amount).
// Needs update permission, as in Frontier. An organization without an account has none.
func (s *Service) ListInvoices(ctx context.Context, p Principal, orgID, billingID string, nonZeroOnly bool, page PageRequest) (Page[*Invoice], error) {
	return s.listInvoices(ctx, page, func(tx Tx) (InvoiceQuery, bool, error) {
		a, err := billedAccount(ctx, tx, p, PermUpdate, orgID, billingID)
		if err != nil || a == nil {
			return InvoiceQuery{}, false, err
		}
		return InvoiceQuery{AccountID: a.ID, NonZeroOnly: nonZeroOnly}, true, nil
	})
}

// ListAllInvoices lists the invoices of every account (of one organization when orgID is set),
// newest first. Platform admins only.
func (s *Service) ListAllInvoices(ctx context.Context, p Principal, orgID string, page PageRequest) (Page[*Invoice], error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return Page[*Invoice]{}, err
	}
	if orgID != "" {
		var err error
		if orgID, err = ParseUUID("org id", orgID); err != nil {
			return Page[*Invoice]{}, err
		}
	}
	return s.listInvoices(ctx, page, func(Tx) (InvoiceQuery, bool, error) { return InvoiceQuery{OrgID: orgID}, true, nil })
}

// listInvoices lists a page of the invoices query names; ok false is an empty list.
func (s *Service) listInvoices(ctx context.Context, page PageRequest, query func(Tx) (q InvoiceQuery, ok bool, err error)) (Page[*Invoice], error) {
	limit, after, err := pageQuery(page, IsUUID)
	if err != nil {
		return Page[*Invoice]{}, err
	}
	var items []*Invoice
	err = s.view(ctx, func(tx Tx) error {
		q, ok, err := query(tx)
		if err != nil || !ok {
			return err
		}
		q.After, q.Limit = after, limit+1
		items, err = tx.Invoices(ctx, q)
		return err
	})
	if err != nil {
		return Page[*Invoice]{}, err
	}
	return makePage(items, limit, func(inv *Invoice) Cursor { return Cursor{At: inv.CreatedAt, ID: inv.ID} }), nil
}

// UpcomingInvoice returns what an account's next subscription renewal will bill (a draft invoice:
// the plan it will be on, at the organization's seats, for the next period), or nil when no live
// subscription renews. Needs update permission.
func (s *Service) UpcomingInvoice(ctx context.Context, p Principal, orgID, billingID string) (*Invoice, error) {
	var next *Invoice
	err := s.view(ctx, func(tx Tx) error {
		a, err := billedAccount(ctx, tx, p, PermUpdate, orgID, billingID)
		if err != nil || a == nil {
			return err
		}
		subs, err := tx.Subscriptions(ctx, SubscriptionQuery{AccountID: a.ID, Limit: MaxPageSize})
		if err != nil {
			return err
		}
		cat, err := tx.Catalog(ctx)
		if err != nil {
			return err
		}
		org, err := tx.Organization(ctx, a.OrgID)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if !sub.State.Live() || sub.CancelAtPeriodEnd || (next != nil && !sub.CurrentPeriod.End.Before(next.PeriodStart)) {
				continue
			}
			if inv := renewalInvoice(cat, a, sub, max(org.Seats, 1)); inv != nil {
				next = inv
			}
		}
		return nil
	})
	return next, err
}

// renewalInvoice is the draft invoice of a subscription's next period; nil if it cannot be priced.
func renewalInvoice(cat *Catalog, a *BillingAccount, sub *Subscription, seats int64) *Invoice {
	plan, amount, period, err := nextPeriod(cat, sub, a.Currency, seats)
	if err != nil {
		return nil
	}
	return &Invoice{OrgID: a.OrgID, AccountID: a.ID, Kind: InvoiceSubscription, Provider: sub.Provider, State: InvoiceDraft,
		Currency: a.Currency, Amount: amount, SubscriptionID: sub.ID, PeriodStart: period.Start, PeriodEnd: period.End,
		DueAt: &period.Start, Metadata: Metadata{"plan_id": plan.ID}}
}

// GenerateInvoices makes the overdraft invoices of every postpaid account now, as the invoice day
// does. Platform admins only. It returns how many invoices it made.
func (s *Service) GenerateInvoices(ctx context.Context, p Principal) (int, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return 0, err
	}
	return s.generateInvoices(ctx, MaxPageSize)
}

// generateInvoices bills every postpaid account that owes credits, batch accounts per read.
func (s *Service) generateInvoices(ctx context.Context, batch int) (int, error) {
	if s.invoicing.Product == "" {
		return 0, Errorf(EPRECONDITION, "overdraft invoicing is off: no overdraft product is configured")
	}
	made, after := 0, ""
	for {
		var accounts []*BillingAccount
		err := s.view(ctx, func(tx Tx) (err error) { accounts, err = tx.PostpaidAccounts(ctx, after, batch); return err })
		if err != nil {
			return made, err
		}
		for _, a := range accounts {
			ok, err := s.billOverdraft(ctx, a)
			if err != nil {
				s.log.Warn("invoices: could not bill an overdraft", "account", a.ID, "err", err)
				continue
			}
			if ok {
				made++
			}
		}
		if len(accounts) < batch {
			return made, nil
		}
		after = accounts[len(accounts)-1].ID
	}
}

// billOverdraft makes an account's overdraft invoice of this month if it owes credits; it reports
// whether it made one.
func (s *Service) billOverdraft(ctx context.Context, a *BillingAccount) (bool, error) {
	now := s.clock()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return s.billOverdraftAs(ctx, a, DeriveUUID("overdraft:"+a.ID+":"+month.Format("2006-01")), Metadata{})
}

// billOverdraftAs makes the overdraft invoice id of an account, with what it owes now, unless the
// invoice exists or nothing is owed; it reports whether it made one. The invoice.created notice is
// stored with it.
func (s *Service) billOverdraftAs(ctx context.Context, a *BillingAccount, id string, meta Metadata) (bool, error) {
	now := s.clock()
	inv := &Invoice{ID: id, OrgID: a.OrgID, AccountID: a.ID,
		Kind: InvoiceOverdraft, State: InvoiceDraft, Metadata: meta, PeriodEnd: now, CreatedAt: now, UpdatedAt: now}
	err := s.update(ctx, func(tx Tx) error {
		if _, err := tx.Invoice(ctx, inv.ID); ErrorCode(err) != ENOTFOUND {
			if err == nil {
				err = errBilled
			}
			return err
		}
		owed, since, err := overdraftOwed(ctx, tx, a)
		if err != nil || owed <= 0 {
			if err == nil {
				err = errBilled
			}
			return err
		}
		cat, err := tx.Catalog(ctx)
		if err != nil {
			return err
		}
		if inv.Amount, inv.Currency, err = s.overdraftAmount(cat, owed, a.Currency); err != nil {
			return err
		}
		inv.Credits, inv.PeriodStart = owed, since
		due := now.AddDate(0, 0, int(a.DueInDays))
		inv.DueAt = &due
		if err := tx.AppendNotices(ctx, []Notice{invoiceNotice(NoticeInvoiceCreated, inv, now)}); err != nil {
			return err
		}
		return tx.InsertInvoice(ctx, inv)
	})
	if errors.Is(err, errBilled) || errors.Is(err, ErrDuplicateID) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, s.sendInvoice(ctx, a, inv)
}

// errBilled ends billOverdraft's transaction when there is nothing (more) to bill.
var errBilled = errors.New("nothing to bill")

// overdraftOwed returns the credits an account owes beyond those on its unpaid overdraft invoices,
// and since when (the end of its last overdraft invoice, else the account's creation).
func overdraftOwed(ctx context.Context, tx Tx, a *BillingAccount) (int64, time.Time, error) {
	ledger, err := tx.LedgerAccount(ctx, a.ID)
	if err != nil {
		return 0, time.Time{}, err
	}
	owed := -ledger.Balance().Amount
	since := a.CreatedAt
	invoices, err := tx.Invoices(ctx, InvoiceQuery{AccountID: a.ID, Limit: MaxPageSize})
	if err != nil {
		return 0, time.Time{}, err
	}
	for _, inv := range invoices {
		if inv.Kind != InvoiceOverdraft {
			continue
		}
		if inv.PeriodEnd.After(since) {
			since = inv.PeriodEnd
		}
		if inv.State == InvoiceDraft || inv.State == InvoiceOpen || (inv.State == InvoicePaid && inv.ReconciledAt == nil) {
			owed -= inv.Credits
		}
	}
	return owed, since, nil
}

// overdraftAmount prices credits at the overdraft product's price: credits × price ÷
// credit_amount, rounded up to a whole minor unit, exactly.
func (s *Service) overdraftAmount(cat *Catalog, credits int64, currency string) (int64, string, error) {
	pr := cat.Product(s.invoicing.Product)
	if pr == nil || pr.Behavior != BehaviorCredits || pr.CreditAmount <= 0 {
		return 0, "", Errorf(EPRECONDITION, "the overdraft product %q is not a credits product of the catalog", s.invoicing.Product)
	}
	price := activePrice(pr, "", currency)
	if price == nil {
		return 0, "", Errorf(EPRECONDITION, "the overdraft product %s has no active one-time price", pr.Name)
	}
	n := new(big.Int).Mul(big.NewInt(credits), big.NewInt(price.Amount))
	d := big.NewInt(pr.CreditAmount)
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, "", Errorf(EINVALID, "the overdraft's amount overflows")
	}
	return q.Int64(), price.Currency, nil
}

// sendInvoice creates a new overdraft invoice at the account's provider and stores its id, link and
// state. Without a provider (an offline account) the invoice stays billd's own, open, to be marked
// paid by an admin.
func (s *Service) sendInvoice(ctx context.Context, a *BillingAccount, inv *Invoice) error {
	pr := s.providers[a.Provider]
	var sent *ProviderInvoice
	if pr != nil && a.ProviderID != "" {
		var err error
		sent, err = pr.CreateInvoice(ctx, InvoiceRequest{InvoiceID: inv.ID, CustomerID: a.ProviderID, Currency: inv.Currency,
			DueInDays: a.DueInDays, Lines: []CheckoutLine{{Name: fmt.Sprintf("%d credits of overdraft", inv.Credits),
				UnitAmount: inv.Amount, Quantity: 1}}})
		if err != nil {
			return err
		}
	}
	return s.update(ctx, func(tx Tx) error {
		cur, err := tx.LockInvoice(ctx, inv.ID)
		if err != nil || cur.State != InvoiceDraft {
			return err
		}
		cur.State, cur.UpdatedAt = InvoiceOpen, s.clock()
		if sent != nil {
			cur.Provider, cur.ProviderID, cur.URL = pr.Name(), sent.ID, sent.URL
		}
		return tx.UpdateInvoice(ctx, cur)
	})
}

// MarkInvoicePaid records that an invoice was paid outside the provider (a bank transfer) and, for
// an overdraft invoice, credits the account back. Platform admins only. Marking a paid invoice
// again changes nothing; EPRECONDITION for a void one.
func (s *Service) MarkInvoicePaid(ctx context.Context, p Principal, orgID, billingID, id string) (*Invoice, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return nil, err
	}
	id, err := ParseUUID("invoice id", id)
	if err != nil {
		return nil, err
	}
	err = s.view(ctx, func(tx Tx) error {
		inv, err := tx.Invoice(ctx, id)
		if ErrorCode(err) == ENOTFOUND || (err == nil && ((orgID != "" && inv.OrgID != orgID) || (billingID != "" && inv.AccountID != billingID))) {
			return Errorf(ENOTFOUND, "invoice not found")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.invoicePaid(ctx, id, s.clock())
}

// invoicePaid marks an invoice paid and reconciles it.
func (s *Service) invoicePaid(ctx context.Context, id string, at time.Time) (*Invoice, error) {
	var inv *Invoice
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if inv, err = tx.LockInvoice(ctx, id); err != nil || inv.State == InvoicePaid {
			return err
		}
		if inv.State == InvoiceVoid {
			return Errorf(EPRECONDITION, "invoice is void")
		}
		inv.State, inv.PaidAt, inv.UpdatedAt = InvoicePaid, &at, s.clock()
		if err := tx.AppendNotices(ctx, []Notice{invoiceNotice(NoticeInvoicePaid, inv, inv.UpdatedAt)}); err != nil {
			return err
		}
		return tx.UpdateInvoice(ctx, inv)
	})
	if err != nil {
		return nil, err
	}
	if err := s.reconcile(ctx, inv); err != nil {
		return inv, err
	}
	return inv, s.setPaymentSuspension(ctx, inv.OrgID, inv.AccountID, false)
}

// suspendOverdue suspends for payment the accounts that have an open invoice past its due date
// (an invoice is due DueInDays after it is made).
func (s *Service) suspendOverdue(ctx context.Context, batch int) error {
	var overdue []*Invoice
	err := s.view(ctx, func(tx Tx) (err error) {
		overdue, err = tx.Invoices(ctx, InvoiceQuery{State: InvoiceOpen, DueBefore: s.clock(), Limit: batch})
		return err
	})
	for _, inv := range overdue {
		if err := s.setPaymentSuspension(ctx, inv.OrgID, inv.AccountID, true); err != nil {
			s.log.Warn("invoices: could not suspend an account for an overdue invoice", "account", inv.AccountID, "err", err)
		}
	}
	return err
}

// setPaymentSuspension suspends an active account for payment, or reactivates an account
// suspended for payment once it has no open invoice past its due date. Other states are left.
func (s *Service) setPaymentSuspension(ctx context.Context, orgID, accountID string, suspend bool) error {
	changed := false
	err := s.update(ctx, func(tx Tx) error {
		a, err := lockAccountOf(ctx, tx, orgID, accountID)
		if err != nil {
			return err
		}
		was := a.SuspendedFor
		switch {
		case suspend && a.State == AccountActive:
			a.State, a.SuspendedFor = AccountDisabled, SuspendedForPayment
		case !suspend && a.State == AccountDisabled && a.SuspendedFor == SuspendedForPayment:
			overdue, err := tx.Invoices(ctx, InvoiceQuery{AccountID: a.ID, State: InvoiceOpen, DueBefore: s.clock(), Limit: 1})
			if err != nil || len(overdue) > 0 {
				return err
			}
			a.State, a.SuspendedFor = AccountActive, ""
		default:
			return nil
		}
		changed, a.UpdatedAt = true, s.clock()
		if err := tx.AppendNotices(ctx, accountStateNotices(was, a, a.UpdatedAt)); err != nil {
			return err
		}
		return tx.UpdateBillingAccount(ctx, a)
	})
	if changed {
		s.accountsChanged()
	}
	return err
}

// reconcile credits a paid overdraft invoice's credits back to its account, once.
func (s *Service) reconcile(ctx context.Context, inv *Invoice) error {
	if inv.Kind != InvoiceOverdraft || inv.State != InvoicePaid || inv.ReconciledAt != nil || inv.Credits <= 0 {
		return nil
	}
	t := Transfer{ID: DeriveUUID("invoice:" + inv.ID), DebitAccountID: PlatformAccountID(CreditCurrency),
		CreditAccountID: inv.AccountID, Amount: inv.Credits, Kind: KindGrant, Source: SourceOverdraft,
		Description: "overdraft invoice " + inv.ID + " paid", Metadata: Metadata{"invoice_id": inv.ID}}
	if err := s.postOnce(ctx, t); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		cur, err := tx.LockInvoice(ctx, inv.ID)
		if err != nil || cur.ReconciledAt != nil {
			return err
		}
		now := s.clock()
		cur.ReconciledAt, cur.UpdatedAt = &now, now
		inv.ReconciledAt = &now
		return tx.UpdateInvoice(ctx, cur)
	})
}

// applyInvoice applies a provider's invoice event: a paid invoice billd made is marked paid and
// reconciled.
func (s *Service) applyInvoice(ctx context.Context, pi *ProviderInvoice) error {
	if pi.State != string(InvoicePaid) || !IsUUID(pi.InvoiceID) {
		return nil
	}
	at := pi.PaidAt
	if at.IsZero() {
		at = s.clock()
	}
	_, err := s.invoicePaid(ctx, pi.InvoiceID, at)
	if ErrorCode(err) == ENOTFOUND {
		return nil // not one of billd's
	}
	return err
}

// invoiceRound is one round of the invoices job: reconcile paid overdraft invoices whose credits
// were not given back (a crash between payment and grant), and on the invoice day bill overdrafts.
func (s *Service) invoiceRound(ctx context.Context, batch int) error {
	var unreconciled []*Invoice
	err := s.view(ctx, func(tx Tx) (err error) {
		unreconciled, err = tx.Invoices(ctx, InvoiceQuery{Unreconciled: true, Limit: batch})
		return err
	})
	if err != nil {
		return err
	}
	for _, inv := range unreconciled {
		if err := s.reconcile(ctx, inv); err != nil {
			s.log.Warn("invoices: could not reconcile", "invoice", inv.ID, "err", err)
		}
	}
	if err := s.suspendOverdue(ctx, batch); err != nil {
		return err
	}
	if err := s.thresholdRound(ctx, batch); err != nil {
		return err
	}
	if s.invoicing.Day == 0 || s.invoicing.Product == "" || s.clock().Day() != s.invoicing.Day {
		return nil
	}
	_, err = s.generateInvoices(ctx, batch)
	return err
}
