package billd

import (
	"context"
	"errors"
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
	if err := s.commitBatch(ctx, []*Posting{p}, results); err != nil {
		return err
	}
	return results[0]
}

// commitBatch applies postings in one transaction, filling results. It first trusts the journal's
// primary key to refuse a replayed id, instead of looking every id up: a replay is rare, and with
// random (v4) ids each lookup is one more random index read per transfer. If the insert does meet
// an existing id, the transaction is redone once with every id looked up, which answers the
// replays precisely (ECONFLICT "already applied", or the id used by a different request). Only a
// concurrent transaction that stores one of the ids between the lookup and the insert (a usage id
// reused on another account at the same moment) makes the redo meet a stored id again: that is
// ECONFLICT for the whole batch, which the committer then retries posting by posting.
//
// When the batch crossed a watermark (watch.go), the workers that act on it are woken after the
// commit.
func (s *Service) commitBatch(ctx context.Context, postings []*Posting, results []error) error {
	var c crossed
	err := s.update(ctx, func(tx Tx) (err error) {
		c, err = commitPostings(ctx, tx, postings, results, s.clock(), false)
		return err
	})
	if errors.Is(err, ErrDuplicateID) || errors.Is(err, errRedoWithLookups) {
		clear(results)
		err = s.update(ctx, func(tx Tx) (err error) {
			c, err = commitPostings(ctx, tx, postings, results, s.clock(), true)
			return err
		})
		if errors.Is(err, ErrDuplicateID) {
			err = Errorf(ECONFLICT, "an id of the request was stored by a concurrent request")
		}
	}
	if err == nil {
		s.observeBatch(postings, results)
		s.noteRejections(ctx, postings, results)
		s.workers.wake(c)
	}
	return err
}

// commitPostings applies a batch of postings in the transaction tx: it locks every customer account
// they touch and reads, under the locks, the guards and the journal entries they refer to (the
// usages they revert, and with lookUpIDs their own ids) in one store call, which PostgreSQL sends
// in one round trip; it checks each posting against the running state (results[i] is posting i's
// verdict; a rejected posting does not affect the others); then it appends the accepted transfers
// and writes each changed account's totals once (one more store call). It returns an error only
// if the transaction itself failed, and then nothing may be acknowledged; ErrDuplicateID or
// errRedoWithLookups mean an id it did not look up was in the journal. It reports the watermarks
// the batch crossed, whose consequences it stored (recordCrossings).
func commitPostings(ctx context.Context, tx Tx, batch []*Posting, results []error, now time.Time, lookUpIDs bool) (crossed, error) {
	var accountIDs, transferIDs, refIDs []string
	for _, p := range batch {
		for i := range p.Transfers {
			t := &p.Transfers[i]
			t.CreatedAt = now
			accountIDs = append(accountIDs, t.DebitAccountID, t.CreditAccountID)
			if lookUpIDs {
				transferIDs = append(transferIDs, t.ID)
			}
			if t.RefID != "" {
				refIDs = append(refIDs, t.RefID)
				transferIDs = append(transferIDs, t.RefID)
			}
		}
	}
	loaded, err := tx.LoadPostingState(ctx, unique(accountIDs), unique(transferIDs), unique(refIDs))
	if err != nil {
		return crossed{}, err
	}
	st := newLedgerState(loaded.Accounts, loaded.Guards, loaded.Transfers, loaded.Reverted)
	for i, p := range batch {
		results[i] = st.apply(p)
	}
	if !lookUpIDs {
		// A replay answers "already applied" before any other rule: if a refused posting
		// names a stored id, redo the batch with every id looked up.
		if err := refusedReplays(ctx, tx, batch, results); err != nil {
			return crossed{}, err
		}
	}
	if len(st.accepted) == 0 {
		return crossed{}, nil
	}
	if err := tx.AppendTransfers(ctx, st.accepted, st.changedAccounts()); err != nil {
		return crossed{}, err
	}
	return recordCrossings(ctx, tx, st, now)
}

// errRedoWithLookups asks commitBatch to redo a batch with every id looked up.
var errRedoWithLookups = errors.New("a posting replays a stored id")

// refusedReplays returns errRedoWithLookups if a refused posting has a transfer id that is already
// in the journal.
func refusedReplays(ctx context.Context, tx Tx, batch []*Posting, results []error) error {
	var ids []string
	for i, p := range batch {
		if results[i] != nil {
			for _, t := range p.Transfers {
				ids = append(ids, t.ID)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	found, err := tx.Transfers(ctx, ids)
	if err == nil && len(found) > 0 {
		err = errRedoWithLookups
	}
	return err
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
