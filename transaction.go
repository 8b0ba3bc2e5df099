package billd

import (
	"context"
	"time"
)

// Transaction is a transfer seen from one account: a debit if money left the account, a credit if
// it entered.
type Transaction struct {
	Transfer
	AccountID string
}

// Direction returns "debit" or "credit" from the account's side.
func (t *Transaction) Direction() string {
	if t.DebitAccountID == t.AccountID {
		return "debit"
	}
	return "credit"
}

// TransactionQuery selects the journal entries of an account: of BillingID, or of the
// organization's active account when BillingID is empty. Start and End bound created_at,
// inclusively.
type TransactionQuery struct {
	OrgID     string
	BillingID string
	Start     time.Time
	End       time.Time
	Kind      TransferKind // only transfers of this kind; empty: every kind
	Source    string       // only transfers from this source; empty: every source
	Page      PageRequest
	// StartingAfter, instead of a page token, starts the page after the account's transfer with
	// this id (Stripe's paging, which the CUDO dialect uses). EINVALID if it is not one of the
	// account's transfers.
	StartingAfter string
}

// ListTransactions lists an account's journal entries, newest first, and returns the account (nil
// when the organization has no active account and none was named: the list is then empty). Needs
// get permission.
func (s *Service) ListTransactions(ctx context.Context, p Principal, q TransactionQuery) (Page[Transaction], *BillingAccount, error) {
	if err := Preauthorize(p, PermRead, q.OrgID); err != nil {
		return Page[Transaction]{}, nil, err
	}
	if !q.Start.IsZero() && !q.End.IsZero() && q.End.Before(q.Start) {
		return Page[Transaction]{}, nil, Errorf(EINVALID, "the end of the time range must not be before its start")
	}
	if err := q.validateFilters(); err != nil {
		return Page[Transaction]{}, nil, err
	}
	limit, after, err := pageQuery(q.Page, IsUUID)
	if err != nil {
		return Page[Transaction]{}, nil, err
	}
	var account *BillingAccount
	var transfers []Transfer
	err = s.view(ctx, func(tx Tx) error {
		o, err := openOrganization(ctx, tx, p, PermRead, q.OrgID, false)
		if err != nil {
			return err
		}
		if q.BillingID != "" {
			account, err = accountOf(ctx, tx, o.ID, q.BillingID)
		} else if account, err = tx.ActiveBillingAccount(ctx, o.ID); ErrorCode(err) == ENOTFOUND {
			account, err = nil, nil
		}
		if err != nil || account == nil {
			return err
		}
		if q.StartingAfter != "" {
			if after, err = transferCursor(ctx, tx, account.ID, q.StartingAfter); err != nil {
				return err
			}
		}
		transfers, err = tx.AccountTransfers(ctx, TransferQuery{AccountID: account.ID,
			Start: q.Start, End: q.End, Kind: q.Kind, Source: q.Source, After: after, Limit: limit + 1})
		return err
	})
	if err != nil {
		return Page[Transaction]{}, nil, err
	}
	items := make([]Transaction, len(transfers))
	for i, t := range transfers {
		items[i] = Transaction{Transfer: t, AccountID: account.ID}
	}
	page := makePage(items, limit, func(t Transaction) Cursor { return Cursor{At: t.CreatedAt, ID: t.ID} })
	return page, account, nil
}

// maxSourceFilterLen bounds the source a journal query filters on.
const maxSourceFilterLen = 256

// validateFilters refuses an unknown kind or an overlong source.
func (q TransactionQuery) validateFilters() error {
	switch q.Kind {
	case "", KindUsage, KindRevert, KindGrant:
	default:
		return Errorf(EINVALID, "kind must be %q, %q or %q, got %q", KindUsage, KindRevert, KindGrant, Truncate(string(q.Kind), 32))
	}
	if len(q.Source) > maxSourceFilterLen {
		return Errorf(EINVALID, "source must be at most %d bytes long", maxSourceFilterLen)
	}
	return nil
}

// transferCursor is the list position just after the transfer id of the account accountID.
func transferCursor(ctx context.Context, tx Tx, accountID, id string) (*Cursor, error) {
	var found []Transfer
	if IsUUID(id) {
		var err error
		if found, err = tx.Transfers(ctx, []string{id}); err != nil {
			return nil, err
		}
	}
	if len(found) == 0 || (found[0].DebitAccountID != accountID && found[0].CreditAccountID != accountID) {
		return nil, Errorf(EINVALID, "startingAfter %q is not a transaction of the account", Truncate(id, 64))
	}
	return &Cursor{At: found[0].CreatedAt, ID: found[0].ID}, nil
}

// Spend is what an account has spent: the sum of its usage debits minus the sum of their reverts,
// in the ledger's currency, as of its last transfer.
type Spend struct {
	Amount    int64
	Currency  string
	UpdatedAt time.Time
}

// DebitedTotal returns what an account has spent: account id of the organization, or its active
// account when id is empty. Needs get permission, or the platform meter role.
func (s *Service) DebitedTotal(ctx context.Context, p Principal, orgID, id string) (Spend, error) {
	var b Spend
	err := s.view(ctx, func(tx Tx) error {
		o, err := openOrganization(ctx, tx, p, PermReadBalance, orgID, false)
		if err != nil {
			return err
		}
		a, err := accountOrActive(ctx, tx, o.ID, id)
		if err != nil {
			return err
		}
		total, err := tx.DebitedTotal(ctx, a.ID)
		if err != nil {
			return err
		}
		l, err := tx.LedgerAccount(ctx, a.ID)
		if err != nil {
			return err
		}
		b = Spend{Amount: total, Currency: l.Currency, UpdatedAt: l.UpdatedAt}
		return nil
	})
	return b, err
}

// CheckCredit reports whether the organization's active account could be debited amount now, by
// the rule a debit is checked with (debitAllowed). It reserves nothing. Needs get permission, or
// the platform meter role.
func (s *Service) CheckCredit(ctx context.Context, p Principal, orgID string, amount int64) (bool, error) {
	if err := Preauthorize(p, PermReadBalance, orgID); err != nil {
		return false, err
	}
	if amount <= 0 {
		return false, Errorf(EINVALID, "amount must be greater than 0")
	}
	var ok bool
	err := s.view(ctx, func(tx Tx) error {
		o, err := openOrganization(ctx, tx, p, PermReadBalance, orgID, false)
		if err != nil {
			return err
		}
		a, err := tx.ActiveBillingAccount(ctx, o.ID)
		if ErrorCode(err) == ENOTFOUND {
			return nil
		}
		if err != nil {
			return err
		}
		l, err := tx.LedgerAccount(ctx, a.ID)
		if err != nil {
			return err
		}
		g := AccountGuard{AccountID: a.ID, State: a.State, CreditMin: a.CreditMin, OrgState: o.State,
			HourlyLimit: a.HourlySpendLimit, MonthlyLimit: a.MonthlySpendLimit, SuspendedFor: a.SuspendedFor}
		ok = debitAllowed(l, g, amount) == nil && withinSpendLimits(l.Spend.At(s.clock()), g, amount) == nil
		return nil
	})
	return ok, err
}
