package billd

import (
	"context"
	"strconv"
	"time"
)

// Off-session charges. billd charges a saved payment method for an automatic recharge
// (recharge.go) or a credit payment (CreditAccount). Each charge is a stored record first; each
// attempt is recorded (Attempts, the amount) before the provider is called, under the idempotency
// key "<charge id>:<attempt>", so that a crash between the call and its outcome replays the same
// request, and the provider takes the money once. Its credits arrive only when the provider says
// it paid: one grant whose id is derived from the charge's, posted through the committer, so they
// arrive exactly once; only then is the charge marked succeeded.

// ChargeTx persists off-session charges.
type ChargeTx interface {
	// InsertCharges stores new charges; a charge whose id is stored already is skipped.
	InsertCharges(ctx context.Context, charges []*Charge) error
	// Charge returns the charge with the id.
	Charge(ctx context.Context, id string) (*Charge, error)
	// LockCharge returns the charge with the id under its write lock.
	LockCharge(ctx context.Context, id string) (*Charge, error)
	// UpdateCharge stores every field of c but its id, organization, account, kind and creation.
	UpdateCharge(ctx context.Context, c *Charge) error
	// Charges lists charges, newest first.
	Charges(ctx context.Context, q ChargeQuery) ([]*Charge, error)
	// DueCharges lists, oldest first, at most limit charges to try at now: pending ones whose next
	// attempt is not set or due, and failed ones whose retry is due.
	DueCharges(ctx context.Context, now time.Time, limit int) ([]*Charge, error)
}

// ChargeQuery selects the charges of one account. Zero fields do not filter.
type ChargeQuery struct {
	AccountID string
	Kind      ChargeKind
	Status    string
	After     *Cursor // keyset position (created_at, id), newest first
	Limit     int
}

// Sources of the grants that charges pay for.
const (
	SourceRecharge = "system.recharge"
	SourceCredit   = "system.credit"
)

// CreditRequest buys credits with a saved payment method.
type CreditRequest struct {
	Amount int64 // credits, which are minor units of the account's currency
	// MethodID is billd's id of one of the account's payment methods; empty charges the default.
	MethodID string
	// IdempotencyKey makes a retried request answer with the charge of the first: the charge's id
	// is derived from the account and the key. Empty: every request is a new charge.
	IdempotencyKey string
}

// maxCreditAmount bounds one credit payment.
const maxCreditAmount = 1_000_000_000_000

// CreditAccount buys amount credits for an account by charging a saved payment method
// (methodID; empty is the default) off-session, and grants them when the charge succeeds. Needs
// update permission. It is CreditAccountRequest without an idempotency key: each call is a new
// charge.
func (s *Service) CreditAccount(ctx context.Context, p Principal, orgID, id string, amount int64, methodID string) (*Charge, error) {
	return s.CreditAccountRequest(ctx, p, orgID, id, CreditRequest{Amount: amount, MethodID: methodID})
}

// CreditAccountRequest charges the payment method r names (the account's default if none) for
// r.Amount and grants as many credits when it pays, answering when the provider has answered. The
// charge is returned in both cases: Status succeeded, or failed with FailureCode, DeclineCode and
// FailureMessage (a decline is not retried; the caller may try another method). A request with
// the IdempotencyKey of an earlier one returns that one's charge (carried to its end if a crash
// interrupted it); with another amount or method it is ECONFLICT. EINVALID for an amount below 1
// or above 10^12, ENOTFOUND for a method that is not the account's, EPRECONDITION for an account
// that is not active or has no provider customer. If the provider cannot be asked, the error is
// returned and the charge stays pending: the charges job carries it to its end, and a retry with
// the same key answers with it. Needs update permission.
func (s *Service) CreditAccountRequest(ctx context.Context, p Principal, orgID, id string, r CreditRequest) (*Charge, error) {
	if r.Amount < 1 || r.Amount > maxCreditAmount {
		return nil, Errorf(EINVALID, "amount must be between 1 and %d", int64(maxCreditAmount))
	}
	if len(r.IdempotencyKey) > 255 {
		return nil, Errorf(EINVALID, "the idempotency key is longer than 255 bytes")
	}
	var ch *Charge
	err := s.update(ctx, func(tx Tx) error {
		a, err := creditedAccount(ctx, tx, p, orgID, id)
		if err != nil {
			return err
		}
		if r.MethodID != "" {
			if err := accountMethod(ctx, tx, a.ID, r.MethodID); err != nil {
				return err
			}
		}
		ch, err = s.storeCreditCharge(ctx, tx, a, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	if ch.Status == ChargePending {
		if err := s.attemptCharge(ctx, ch.ID); err != nil {
			return nil, err
		}
	}
	err = s.view(ctx, func(tx Tx) (err error) { ch, err = tx.Charge(ctx, ch.ID); return err })
	return ch, err
}

// creditedAccount returns the active account a credit payment is for, checking update permission.
func creditedAccount(ctx context.Context, tx Tx, p Principal, orgID, id string) (*BillingAccount, error) {
	orgID, err := accountOrganization(ctx, tx, orgID, id)
	if err != nil {
		return nil, err
	}
	o, err := enabledOrganization(ctx, tx, p, PermUpdate, orgID)
	if err != nil {
		return nil, err
	}
	a, err := accountOf(ctx, tx, o.ID, id)
	switch {
	case err != nil:
		return nil, err
	case a.State != AccountActive:
		return nil, Errorf(EPRECONDITION, "billing account is not active")
	case a.Provider == "" || a.ProviderID == "":
		return nil, Errorf(EPRECONDITION, "billing account has no payment provider customer: add a payment method first")
	}
	return a, nil
}

// accountMethod checks that methodID is one of the account's payment methods.
func accountMethod(ctx context.Context, tx Tx, accountID, methodID string) error {
	methods, err := tx.PaymentMethods(ctx, accountID)
	if err != nil {
		return err
	}
	for _, m := range methods {
		if m.ID == methodID {
			return nil
		}
	}
	return Errorf(ENOTFOUND, "payment method %s not found", methodID)
}

// storeCreditCharge stores the pending charge of a credit payment, or returns the charge an
// earlier request with the same idempotency key stored.
func (s *Service) storeCreditCharge(ctx context.Context, tx Tx, a *BillingAccount, r CreditRequest) (*Charge, error) {
	now := s.clock()
	id := s.newID()
	if r.IdempotencyKey != "" {
		id = DeriveUUID("credit:" + a.ID + ":" + r.IdempotencyKey)
		prior, err := tx.Charge(ctx, id)
		if err == nil {
			if prior.AccountID != a.ID || prior.Amount != r.Amount || prior.MethodID != r.MethodID {
				return nil, Errorf(ECONFLICT, "idempotency key %q was used for another credit payment", r.IdempotencyKey)
			}
			return prior, nil
		}
		if ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	ch := &Charge{ID: id, OrgID: a.OrgID, AccountID: a.ID, Kind: ChargeCredit, Amount: r.Amount, Currency: a.Currency,
		Description: strconv.FormatInt(r.Amount, 10) + " credits", MethodID: r.MethodID, Status: ChargePending,
		CreatedAt: now, UpdatedAt: now}
	return ch, tx.InsertCharges(ctx, []*Charge{ch})
}

// Charges lists an account's off-session charges (recharges and credit payments), newest first.
// Needs get permission.
func (s *Service) Charges(ctx context.Context, p Principal, orgID, id string, page PageRequest) (Page[*Charge], error) {
	return s.ChargesAfter(ctx, p, orgID, id, page, "")
}

// ChargesAfter is Charges starting after the account's charge startingAfter (Stripe-style paging,
// as the CUDO dialect asks) when it is not empty, instead of at page's token. EINVALID if that is
// not one of the account's charges.
func (s *Service) ChargesAfter(ctx context.Context, p Principal, orgID, id string, page PageRequest, startingAfter string) (Page[*Charge], error) {
	limit, after, err := pageQuery(page, IsUUID)
	if err != nil {
		return Page[*Charge]{}, err
	}
	var items []*Charge
	err = s.view(ctx, func(tx Tx) error {
		a, err := permittedAccount(ctx, tx, p, PermRead, orgID, id)
		if err != nil {
			return err
		}
		if startingAfter != "" {
			if after, err = chargeCursor(ctx, tx, a.ID, startingAfter); err != nil {
				return err
			}
		}
		items, err = tx.Charges(ctx, ChargeQuery{AccountID: a.ID, After: after, Limit: limit + 1})
		return err
	})
	if err != nil {
		return Page[*Charge]{}, err
	}
	return makePage(items, limit, func(c *Charge) Cursor { return Cursor{At: c.CreatedAt, ID: c.ID} }), nil
}

// chargeCursor is the page position just after the account's charge id.
func chargeCursor(ctx context.Context, tx Tx, accountID, id string) (*Cursor, error) {
	var c *Charge
	if IsUUID(id) {
		var err error
		if c, err = tx.Charge(ctx, id); err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	if c == nil || c.AccountID != accountID {
		return nil, Errorf(EINVALID, "startingAfter %q is not a transaction of the account", Truncate(id, 64))
	}
	return &Cursor{At: c.CreatedAt, ID: c.ID}, nil
}

// attempt is one try of a charge: the charge as it was recorded before the call, and the account's
// provider, customer and method.
type attempt struct {
	charge   *Charge
	provider Provider
	customer string
	method   string // the provider's id; empty: the default
}

// attemptCharge makes the next attempt of a charge, if one is due, and records its outcome. An
// error means the provider could not be asked or the outcome not stored; the attempt stays pending
// and is made again, with the same key, by the next round.
func (s *Service) attemptCharge(ctx context.Context, id string) error {
	at, err := s.startAttempt(ctx, id)
	if err != nil || at == nil {
		return err
	}
	ch := at.charge
	res, err := at.provider.Charge(ctx, ChargeRequest{IdempotencyKey: ch.ID + ":" + strconv.Itoa(ch.Attempts),
		CustomerID: at.customer, MethodID: at.method, Amount: ch.Amount, Currency: ch.Currency, Description: ch.Description})
	if code := ErrorCode(err); code == EPRECONDITION || code == EINVALID {
		res, err = &ChargeResult{FailureCode: "charge_refused", Reason: ErrorMessage(err)}, nil
	}
	if err != nil {
		return err
	}
	if res.Paid {
		source := SourceCredit
		if ch.Kind == ChargeRecharge {
			source = SourceRecharge
		}
		t := Transfer{ID: DeriveUUID("charge:" + ch.ID), DebitAccountID: PlatformAccountID(CreditCurrency),
			CreditAccountID: ch.AccountID, Amount: ch.Amount, Kind: KindGrant, Source: source,
			Description: ch.Description, Metadata: Metadata{"charge_id": ch.ID}}
		if err := s.postOnce(ctx, t); err != nil {
			return err
		}
	}
	return s.finishAttempt(ctx, ch, res)
}

// startAttempt records the next attempt of a charge and returns it; nil when none is to be made
// now (the charge is settled, or waits, or was just canceled).
func (s *Service) startAttempt(ctx context.Context, id string) (*attempt, error) {
	var at *attempt
	err := s.update(ctx, func(tx Tx) error {
		ch, err := tx.Charge(ctx, id)
		if err != nil {
			return err
		}
		ledgers, err := tx.LockLedgerAccounts(ctx, []string{ch.AccountID}) // the account's write lock
		if err != nil || len(ledgers) == 0 {
			return err
		}
		if ch, err = tx.LockCharge(ctx, id); err != nil {
			return err
		}
		a, err := tx.BillingAccount(ctx, ch.AccountID)
		if err != nil {
			return err
		}
		now := s.clock()
		inFlight := ch.Status == ChargePending && ch.Attempts > 0
		if !inFlight {
			ok, err := s.nextAttempt(ctx, tx, ch, a, ledgers[0].Balance().Amount, now)
			if err != nil || !ok {
				return err
			}
		}
		at, err = s.attemptOf(ctx, tx, ch, a)
		return err
	})
	return at, err
}

// nextAttempt decides whether a charge that is not in flight is tried now; if so it records the
// attempt (its number and amount) on ch. A charge that waits or is canceled is stored as such.
func (s *Service) nextAttempt(ctx context.Context, tx Tx, ch *Charge, a *BillingAccount, balance int64, now time.Time) (bool, error) {
	switch {
	case ch.Status != ChargePending && ch.Status != ChargeFailed:
		return false, nil
	case ch.NextAttemptAt != nil && ch.NextAttemptAt.After(now):
		return false, nil
	}
	if ch.Kind == ChargeRecharge {
		wait, reason, err := s.rechargeVerdict(ctx, tx, ch, a, balance, now)
		switch {
		case err != nil:
			return false, err
		case reason != "":
			return false, s.settleCharge(ctx, tx, ch, ChargeCanceled, &ChargeResult{FailureCode: reason, Reason: rechargeReasons[reason]}, now)
		case wait != nil:
			ch.NextAttemptAt, ch.UpdatedAt = wait, now
			return false, tx.UpdateCharge(ctx, ch)
		}
		ch.Amount = a.Recharge.High - balance
	} else if ch.Status == ChargeFailed {
		return false, nil // a declined credit payment is the caller's to try again
	}
	ch.Status, ch.Attempts, ch.NextAttemptAt, ch.UpdatedAt = ChargePending, ch.Attempts+1, nil, now
	return true, tx.UpdateCharge(ctx, ch)
}

// attemptOf returns the attempt of ch: the account's provider and customer, and the provider's id
// of the method the charge names.
func (s *Service) attemptOf(ctx context.Context, tx Tx, ch *Charge, a *BillingAccount) (*attempt, error) {
	pr := s.providers[a.Provider]
	if pr == nil || a.ProviderID == "" {
		return nil, s.settleCharge(ctx, tx, ch, ChargeCanceled, &ChargeResult{FailureCode: "no_provider",
			Reason: "the account has no payment provider customer"}, s.clock())
	}
	at := &attempt{charge: ch, provider: pr, customer: a.ProviderID}
	if ch.MethodID != "" {
		methods, err := tx.PaymentMethods(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range methods {
			if m.ID == ch.MethodID {
				at.method = m.ProviderID
			}
		}
	}
	return at, nil
}

// finishAttempt records the outcome of the attempt ch was recorded with, unless another worker
// recorded it first.
func (s *Service) finishAttempt(ctx context.Context, ch *Charge, res *ChargeResult) error {
	return s.update(ctx, func(tx Tx) error {
		cur, err := tx.LockCharge(ctx, ch.ID)
		if err != nil || cur.Status != ChargePending || cur.Attempts != ch.Attempts {
			return err
		}
		now := s.clock()
		if res.Paid {
			cur.ProviderChargeID = res.ID
			return s.settleCharge(ctx, tx, cur, ChargeSucceeded, res, now)
		}
		status := ChargeFailed
		if cur.Kind == ChargeRecharge && cur.Attempts < s.recharge.Attempts {
			next := now.Add(s.recharge.Backoff << min(cur.Attempts-1, 16))
			cur.NextAttemptAt = &next
		} else if cur.Kind == ChargeRecharge {
			status = ChargeCanceled // given up
		}
		cur.ProviderChargeID = res.ID
		return s.settleCharge(ctx, tx, cur, status, res, now)
	})
}

// settleCharge stores ch with status and the outcome res, and a recharge's notice: succeeded, or
// failed (a decline, or a cancellation other than a recovered balance).
func (s *Service) settleCharge(ctx context.Context, tx Tx, ch *Charge, status string, res *ChargeResult, now time.Time) error {
	ch.Status, ch.UpdatedAt = status, now
	ch.FailureCode, ch.DeclineCode, ch.FailureMessage = res.FailureCode, res.DeclineCode, res.Reason
	if status == ChargeSucceeded {
		ch.NextAttemptAt = nil
	}
	if err := tx.UpdateCharge(ctx, ch); err != nil {
		return err
	}
	if ch.Kind != ChargeRecharge || res.FailureCode == rechargeRecovered {
		return nil
	}
	typ := NoticeRechargeFailed
	if status == ChargeSucceeded {
		typ = NoticeRechargeSucceeded
	}
	data := map[string]any{"charge_id": ch.ID, "amount": ch.Amount, "currency": ch.Currency, "status": status,
		"attempts": ch.Attempts, "failure_code": res.FailureCode, "decline_code": res.DeclineCode}
	cause := ch.ID + ":" + strconv.Itoa(ch.Attempts) + ":" + status
	return tx.AppendNotices(ctx, []Notice{newNotice(typ, cause, ch.OrgID, ch.AccountID, data, now)})
}
