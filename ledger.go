package billd

import (
	"errors"
	"math"
	"time"
)

// LedgerAccount is an account of the double-entry ledger with its stored totals. Each billing
// account has one (same id). Each currency has a platform account, the counterparty of every
// transfer; its totals are not stored (they would make one row that every transfer writes): its
// balance is the negated sum of the customer balances, which `billd verify` checks.
type LedgerAccount struct {
	ID            string
	Currency      string
	Platform      bool
	DebitsPosted  int64
	CreditsPosted int64
	Spend         SpendWindows
	Watch         Watch
	UpdatedAt     time.Time
}

// SpendWindows are a customer account's usage in the current UTC hour and calendar month, kept
// with its totals (and written with them) so that spend limits are checked, and spend read, in
// O(1). A window that began before the present hour (month) counts as empty.
type SpendWindows struct {
	HourStart  time.Time
	Hour       int64
	MonthStart time.Time
	Month      int64
}

// At returns the windows as they stand at t: the hour and month of t, with what was spent in them.
func (w SpendWindows) At(t time.Time) SpendWindows {
	t = t.UTC()
	hour := t.Truncate(time.Hour)
	month := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	if !w.HourStart.Equal(hour) {
		w.HourStart, w.Hour = hour, 0
	}
	if !w.MonthStart.Equal(month) {
		w.MonthStart, w.Month = month, 0
	}
	return w
}

// add counts a usage of amount at t; the sums saturate rather than overflow.
func (w SpendWindows) add(t time.Time, amount int64) SpendWindows {
	w = w.At(t)
	w.Hour, w.Month = addSaturating(w.Hour, amount), addSaturating(w.Month, amount)
	return w
}

// giveBack takes a reverted amount of a usage made at usedAt out of the windows it was counted in,
// when they are still the current ones.
func (w SpendWindows) giveBack(usedAt time.Time, amount int64) SpendWindows {
	usedAt = usedAt.UTC()
	if w.HourStart.Equal(usedAt.Truncate(time.Hour)) {
		w.Hour = max(w.Hour-amount, 0)
	}
	if w.MonthStart.Equal(time.Date(usedAt.Year(), usedAt.Month(), 1, 0, 0, 0, 0, time.UTC)) {
		w.Month = max(w.Month-amount, 0)
	}
	return w
}

// satAdd adds two non-negative int64s, saturating at math.MaxInt64.
func addSaturating(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// Balance returns credits posted minus debits posted. Both are non-negative int64, so the
// difference cannot overflow.
func (l *LedgerAccount) Balance() Balance {
	return Balance{Amount: l.CreditsPosted - l.DebitsPosted, Currency: l.Currency, UpdatedAt: l.UpdatedAt}
}

// AccountGuard is what guards a debit of a billing account.
type AccountGuard struct {
	AccountID    string
	State        AccountState
	CreditMin    int64
	OrgState     OrgState
	HourlyLimit  int64 // usage in one UTC hour at most; 0 is no limit
	MonthlyLimit int64 // usage in one calendar month (UTC) at most; 0 is no limit
	SuspendedFor string
	// What the committer watches a debit for (watch.go): the organization and currency of the
	// account, its recharge, and (invoiced accounts) its billing threshold.
	OrgID            string
	Currency         string
	Recharge         Recharge
	BillingThreshold int64
}

// TransferKind says why money moved.
type TransferKind string

// Transfer kinds.
const (
	KindUsage  TransferKind = "usage"  // reported usage: customer → platform
	KindRevert TransferKind = "revert" // part of a usage given back: platform → customer
	KindGrant  TransferKind = "grant"  // credits granted by a platform admin: platform → customer
)

// Transfer is one immutable journal entry: Amount moves from the debit account to the credit
// account. The id is the idempotency key of the write that made it.
type Transfer struct {
	ID              string
	DebitAccountID  string
	CreditAccountID string
	Amount          int64
	Kind            TransferKind
	Source          string
	Description     string
	UserID          string
	Metadata        Metadata
	RefID           string // the usage a revert gives back
	CreatedAt       time.Time
}

// sameRequest reports whether t and o were made by the same request: all fields but the time.
func (t *Transfer) sameRequest(o *Transfer) bool {
	return t.ID == o.ID && t.DebitAccountID == o.DebitAccountID && t.CreditAccountID == o.CreditAccountID &&
		t.Amount == o.Amount && t.Kind == o.Kind && t.Source == o.Source && t.Description == o.Description &&
		t.UserID == o.UserID && t.RefID == o.RefID && t.Metadata.Equal(o.Metadata)
}

// Posting is one all-or-nothing request to the ledger: its transfers are applied together or not
// at all.
type Posting struct {
	Transfers []Transfer
}

// ledgerState is the running state of a set of locked accounts within one store transaction.
// Postings are applied to it one after another; each is checked against the state its
// predecessors left, and a rejected posting leaves the state as it was.
type ledgerState struct {
	accounts map[string]*LedgerAccount // customer accounts, locked
	guards   map[string]AccountGuard
	journal  map[string]*Transfer // transfers known by id: stored before, or accepted in this batch
	reverted map[string]int64     // usage id → sum of its reverts
	dirty    map[string]bool      // accounts whose totals changed
	accepted []Transfer
	watched  map[string]Watch // each account's watch as loaded, to tell the crossings of the batch
}

// newLedgerState returns a state over locked accounts, their guards, the stored transfers whose ids
// the postings use (as ids or refs) and the reverted sums of the referenced usages.
func newLedgerState(accounts []LedgerAccount, guards []AccountGuard, stored []Transfer, reverted map[string]int64) *ledgerState {
	st := &ledgerState{
		accounts: make(map[string]*LedgerAccount, len(accounts)),
		guards:   make(map[string]AccountGuard, len(guards)),
		journal:  make(map[string]*Transfer, len(stored)),
		reverted: reverted,
		dirty:    make(map[string]bool),
		watched:  make(map[string]Watch, len(accounts)),
	}
	if st.reverted == nil {
		st.reverted = map[string]int64{}
	}
	for i := range accounts {
		st.accounts[accounts[i].ID] = &accounts[i]
		st.watched[accounts[i].ID] = accounts[i].Watch
	}
	for _, g := range guards {
		st.guards[g.AccountID] = g
	}
	for i := range stored {
		st.journal[stored[i].ID] = &stored[i]
	}
	return st
}

// apply checks every transfer of p against the running state and, if all pass, makes them part of
// it. It returns the *Error of the first transfer that fails, and then changes nothing.
func (st *ledgerState) apply(p *Posting) error {
	type saved struct {
		acct     LedgerAccount
		wasDirty bool
	}
	undo := map[string]saved{}
	revertedBefore := map[string]int64{}
	n := len(st.accepted)
	rollback := func() {
		for id, s := range undo {
			*st.accounts[id] = s.acct
			st.dirty[id] = s.wasDirty
		}
		for ref, v := range revertedBefore {
			st.reverted[ref] = v
		}
		for _, t := range st.accepted[n:] {
			delete(st.journal, t.ID)
		}
		st.accepted = st.accepted[:n]
	}
	for i := range p.Transfers {
		t := &p.Transfers[i]
		for _, id := range []string{t.DebitAccountID, t.CreditAccountID} {
			if a, ok := st.accounts[id]; ok {
				if _, seen := undo[id]; !seen {
					undo[id] = saved{*a, st.dirty[id]}
				}
			}
		}
		if t.Kind == KindRevert {
			if _, seen := revertedBefore[t.RefID]; !seen {
				revertedBefore[t.RefID] = st.reverted[t.RefID]
			}
		}
		if err := st.post(t); err != nil {
			rollback()
			return err
		}
	}
	return nil
}

// post checks one transfer and applies it to the running state.
func (st *ledgerState) post(t *Transfer) error {
	if t.Amount <= 0 {
		return Errorf(EINVALID, "amount must be greater than 0")
	}
	if prior, ok := st.journal[t.ID]; ok {
		return replayError(prior, t)
	}
	debit, credit := st.accounts[t.DebitAccountID], st.accounts[t.CreditAccountID]
	if debit == nil && credit == nil {
		return Errorf(EINTERNAL, "transfer %s touches no customer account", t.ID)
	}
	if t.Kind == KindRevert {
		if err := st.checkRevert(t); err != nil {
			return err
		}
	}
	var g AccountGuard // the debited account's
	if debit != nil {
		var ok bool
		if g, ok = st.guards[debit.ID]; !ok {
			return Errorf(EINTERNAL, "no guard for account %s", debit.ID)
		}
		if err := debitAllowed(debit, g, t.Amount); err != nil {
			return err
		}
		if t.Kind == KindUsage {
			if err := withinSpendLimits(debit.Spend.At(t.CreatedAt), g, t.Amount); err != nil {
				return err
			}
		}
	}
	if credit != nil {
		if err := st.checkCredit(credit, t.Amount); err != nil {
			return err
		}
	}
	if debit != nil {
		debit.DebitsPosted += t.Amount
		debit.UpdatedAt = t.CreatedAt
		if t.Kind == KindUsage {
			debit.Spend = debit.Spend.add(t.CreatedAt, t.Amount)
		}
		debit.Watch = debit.Watch.debited(debit.CreditsPosted-debit.DebitsPosted, g, t)
		st.dirty[debit.ID] = true
	}
	if credit != nil {
		credit.CreditsPosted += t.Amount
		credit.UpdatedAt = t.CreatedAt
		if t.Kind == KindRevert {
			credit.Spend = credit.Spend.giveBack(st.journal[t.RefID].CreatedAt, t.Amount)
		}
		credit.Watch = credit.Watch.credited(credit.CreditsPosted-credit.DebitsPosted, st.guards[credit.ID], t)
		st.dirty[credit.ID] = true
	}
	if t.Kind == KindRevert {
		st.reverted[t.RefID] += t.Amount
	}
	st.accepted = append(st.accepted, *t)
	st.journal[t.ID] = t // the posting's own transfer, which no longer changes
	return nil
}

// replayError is the answer to a transfer whose id is already in the journal: the write was
// applied before (or the id belongs to another write). Either way no money moves.
func replayError(prior, t *Transfer) error {
	if !prior.sameRequest(t) {
		return Errorf(ECONFLICT, "id %s was already used by a different request", t.ID)
	}
	if t.Kind == KindRevert {
		return &Error{Code: ECONFLICT, Message: "revert already applied", Err: errAlreadyApplied}
	}
	return &Error{Code: ECONFLICT, Message: "credits already applied", Err: errAlreadyApplied}
}

// errAlreadyApplied is the cause of the answer to a replay: the transfer is in the journal as the
// request asked. A use case that posts a derived id again on purpose (fulfilment) tests for it.
var errAlreadyApplied = errors.New("already applied")

// debitAllowed is the debit rule: the account and its organization are active, the balance after
// the debit stays at or above credit_min, and the account's debit total does not overflow.
func debitAllowed(a *LedgerAccount, g AccountGuard, amount int64) error {
	switch {
	case g.State == AccountClosed:
		return Errorf(EPRECONDITION, "billing account is closed")
	case g.State != AccountActive && g.SuspendedFor != "":
		return suspended(g.SuspendedFor)
	case g.State != AccountActive:
		return Errorf(EPRECONDITION, "billing account is disabled")
	case g.OrgState != OrgEnabled:
		return Errorf(EPRECONDITION, "organization is disabled")
	}
	if !coversDebit(a.CreditsPosted-a.DebitsPosted, g.CreditMin, amount) {
		return Errorf(EINVALID, "insufficient credits")
	}
	if a.DebitsPosted > math.MaxInt64-amount { // only reachable on a vast overdraft line
		return Errorf(EINVALID, "amount overflows the account's debit total")
	}
	return nil
}

// suspended is the refusal of a debit of an account suspended for reason.
func suspended(reason string) error {
	if reason == SuspendedForPayment {
		return Errorf(EPRECONDITION, "billing account is suspended for an unpaid invoice")
	}
	return Errorf(EPRECONDITION, "billing account is suspended for %s", reason)
}

// withinSpendLimits is the spend-limit rule: a usage may not take the account's spend in the
// current UTC hour, or calendar month, over its limit.
func withinSpendLimits(w SpendWindows, g AccountGuard, amount int64) error {
	if g.HourlyLimit > 0 && amount > g.HourlyLimit-w.Hour {
		return Errorf(EPRECONDITION, "hourly spend limit of %d reached: %d spent this hour", g.HourlyLimit, w.Hour)
	}
	if g.MonthlyLimit > 0 && amount > g.MonthlyLimit-w.Month {
		return Errorf(EPRECONDITION, "monthly spend limit of %d reached: %d spent this month", g.MonthlyLimit, w.Month)
	}
	return nil
}

// coversDebit reports whether balance - amount >= creditMin, computed without overflow as
// balance - creditMin >= amount. If balance - creditMin overflows, its sign is that of -creditMin.
func coversDebit(balance, creditMin, amount int64) bool {
	headroom, ok := subInt64(balance, creditMin)
	if !ok {
		return creditMin < 0
	}
	return headroom >= amount
}

// checkCredit enforces the credit rule: the account is open and its credit total does not overflow.
func (st *ledgerState) checkCredit(a *LedgerAccount, amount int64) error {
	if g, ok := st.guards[a.ID]; ok && g.State == AccountClosed {
		return Errorf(EPRECONDITION, "billing account is closed")
	}
	if a.CreditsPosted > math.MaxInt64-amount {
		return Errorf(EINVALID, "amount overflows the account's credit total")
	}
	return nil
}

// checkRevert enforces the revert rules: the reference is a usage, the revert credits the account
// the usage debited, and the reverts of the usage never sum to more than the usage.
func (st *ledgerState) checkRevert(t *Transfer) error {
	usage, ok := st.journal[t.RefID]
	switch {
	case !ok:
		return Errorf(ENOTFOUND, "usage %s not found", t.RefID)
	case usage.Kind == KindRevert:
		return Errorf(ECONFLICT, "a revert cannot be reverted")
	case usage.Kind != KindUsage:
		return Errorf(EINVALID, "only usage can be reverted; %s is a %s", usage.ID, usage.Kind)
	case usage.DebitAccountID != t.CreditAccountID:
		return Errorf(EINTERNAL, "revert %s does not credit the account of usage %s", t.ID, usage.ID)
	}
	left := usage.Amount - st.reverted[usage.ID]
	if t.Amount > left {
		return Errorf(EINVALID, "revert amount is greater than the usage amount: %d of %d is left to revert", left, usage.Amount)
	}
	return nil
}

// changedAccounts returns the accounts whose totals the accepted postings changed.
func (st *ledgerState) changedAccounts() []LedgerAccount {
	out := make([]LedgerAccount, 0, len(st.dirty))
	for id, dirty := range st.dirty {
		if dirty {
			out = append(out, *st.accounts[id])
		}
	}
	return out
}

// subInt64 returns a - b and whether it did not overflow.
func subInt64(a, b int64) (int64, bool) {
	d := a - b
	if (b < 0 && d < a) || (b > 0 && d > a) {
		return 0, false
	}
	return d, true
}
