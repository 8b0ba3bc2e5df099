package billd

import (
	"context"
	"time"
)

// post applies one posting and returns its result: nil when its transfers are durable in the
// journal, the rule's *Error when it was rejected. With group commit it shares a transaction with
// the postings that arrive with it.
func (s *Service) post(ctx context.Context, p *Posting) error {
	if s.committer != nil {
		return s.committer.submit(p)
	}
	return s.postOne(ctx, p)
}

// postOne applies one posting in its own store transaction.
func (s *Service) postOne(ctx context.Context, p *Posting) error {
	results := make([]error, 1)
	err := s.update(ctx, func(tx Tx) error {
		return commitPostings(ctx, tx, []*Posting{p}, results, s.clock())
	})
	if err != nil {
		return err
	}
	return results[0]
}

// commitPostings applies a batch of postings in the transaction tx: it locks every customer account
// they touch, reads the guards and the journal entries they refer to, checks each posting against
// the running state (results[i] is posting i's verdict; a rejected posting does not affect the
// others), then appends the accepted transfers and writes each changed account's totals once. It
// returns an error only if the transaction itself failed, and then nothing may be acknowledged.
func commitPostings(ctx context.Context, tx Tx, batch []*Posting, results []error, now time.Time) error {
	var accountIDs, transferIDs, refIDs []string
	for _, p := range batch {
		for i := range p.Transfers {
			t := &p.Transfers[i]
			t.CreatedAt = now
			accountIDs = append(accountIDs, t.DebitAccountID, t.CreditAccountID)
			transferIDs = append(transferIDs, t.ID)
			if t.RefID != "" {
				refIDs = append(refIDs, t.RefID)
				transferIDs = append(transferIDs, t.RefID)
			}
		}
	}
	accounts, err := tx.LockLedgerAccounts(ctx, unique(accountIDs))
	if err != nil {
		return err
	}
	locked := make([]string, len(accounts))
	for i, a := range accounts {
		locked[i] = a.ID
	}
	guards, err := tx.AccountGuards(ctx, locked)
	if err != nil {
		return err
	}
	stored, err := tx.Transfers(ctx, unique(transferIDs))
	if err != nil {
		return err
	}
	var reverted map[string]int64
	if len(refIDs) > 0 {
		if reverted, err = tx.RevertedAmounts(ctx, unique(refIDs)); err != nil {
			return err
		}
	}
	st := newLedgerState(accounts, guards, stored, reverted)
	for i, p := range batch {
		results[i] = st.apply(p)
	}
	if len(st.accepted) == 0 {
		return nil
	}
	if err := tx.InsertTransfers(ctx, st.accepted); err != nil {
		return err
	}
	return tx.UpdateLedgerAccounts(ctx, st.changedAccounts())
}

// unique returns ids without repeats, in first-seen order.
func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
