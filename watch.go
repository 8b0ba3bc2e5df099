package billd

import (
	"context"
	"strconv"
	"time"
)

// The committer watches each debit for two watermarks, in the running state of its batch and in
// the same transaction, so that an ordinary debit costs nothing more than the totals it writes:
//
//   - the low balance of an account whose recharge has a low (or is automatic): the first debit
//     that takes the balance below Recharge.Low is a crossing. It stores a balance.low notice and,
//     with Recharge.Auto, a pending recharge Charge whose id is derived from the account and the
//     crossing's number, so each crossing is charged once however many debits of the batch (or of
//     later batches) stay below. A credit that brings the balance back to Low or above re-arms it.
//   - the billing threshold of an invoiced account: usage adds up in Unbilled; when it reaches
//     BillingThreshold, that is a crossing, Unbilled starts again from 0, and the invoices worker
//     cuts one invoice for the crossing (its id derived from the account and the crossing number).

// Watch is what the committer keeps of an account's watermarks, with its totals.
type Watch struct {
	BelowLow           bool  // the balance went below the recharge low and has not recovered
	LowCrossings       int64 // times a debit took the balance below the low
	Unbilled           int64 // usage not yet counted toward the billing threshold
	ThresholdCrossings int64 // times Unbilled reached the billing threshold
}

// watchesLow reports whether g's account has a low balance to watch.
func (g AccountGuard) watchesLow() bool { return g.Recharge.Auto || g.Recharge.Low > 0 }

// watchesThreshold reports whether g's account is invoiced with a billing threshold.
func (g AccountGuard) watchesThreshold() bool { return g.BillingThreshold > 0 && g.CreditMin < 0 }

// debited returns the watch after a debit t left the balance at balance.
func (w Watch) debited(balance int64, g AccountGuard, t *Transfer) Watch {
	if !w.BelowLow && g.watchesLow() && balance < g.Recharge.Low {
		w.BelowLow, w.LowCrossings = true, w.LowCrossings+1
	}
	if t.Kind == KindUsage && g.watchesThreshold() {
		w.Unbilled = addSaturating(w.Unbilled, t.Amount)
		if w.Unbilled >= g.BillingThreshold {
			w.Unbilled, w.ThresholdCrossings = 0, w.ThresholdCrossings+1
		}
	}
	return w
}

// credited returns the watch after a credit t brought the balance to balance: the low is re-armed
// once the balance is back at it, or by a recharge's grant (so that a balance still below the low
// after its recharge, spent meanwhile, is recharged again at the next debit); a revert takes its
// amount back out of Unbilled.
func (w Watch) credited(balance int64, g AccountGuard, t *Transfer) Watch {
	if w.BelowLow && (balance >= g.Recharge.Low || t.Source == SourceRecharge) {
		w.BelowLow = false
	}
	if t.Kind == KindRevert {
		w.Unbilled = max(w.Unbilled-t.Amount, 0)
	}
	return w
}

// crossed says which watermarks a batch crossed.
type crossed struct {
	low, threshold bool
}

// recordCrossings stores, in the batch's transaction, what the crossings of st's accepted postings
// cause: a balance.low notice for each low crossing and, for an automatic recharge, its pending
// charge. A batch without crossings writes nothing.
func recordCrossings(ctx context.Context, tx Tx, st *ledgerState, now time.Time) (crossed, error) {
	var c crossed
	var charges []*Charge
	var notices []Notice
	for id, dirty := range st.dirty {
		a, before := st.accounts[id], st.watched[id]
		if !dirty || a.Watch == before {
			continue
		}
		g := st.guards[id]
		c.threshold = c.threshold || a.Watch.ThresholdCrossings > before.ThresholdCrossings
		for n := before.LowCrossings + 1; n <= a.Watch.LowCrossings; n++ {
			c.low = true
			balance := a.CreditsPosted - a.DebitsPosted
			cause := id + ":" + strconv.FormatInt(n, 10)
			notices = append(notices, newNotice(NoticeBalanceLow, cause, g.OrgID, id,
				map[string]any{"balance": balance, "low": g.Recharge.Low, "crossing": n, "auto_recharge": g.Recharge.Auto}, now))
			if g.Recharge.Auto {
				charges = append(charges, rechargeCharge(g, n, balance, now))
			}
		}
	}
	if len(charges) > 0 {
		if err := tx.InsertCharges(ctx, charges); err != nil {
			return c, err
		}
	}
	if len(notices) > 0 {
		if err := tx.AppendNotices(ctx, notices); err != nil {
			return c, err
		}
	}
	return c, nil
}

// rechargeCharge is the pending recharge of the n-th low crossing of g's account. Its amount is
// what the balance needs now to reach High; the worker sets it again from the balance at the charge.
func rechargeCharge(g AccountGuard, n, balance int64, now time.Time) *Charge {
	return &Charge{ID: rechargeChargeID(g.AccountID, n), OrgID: g.OrgID, AccountID: g.AccountID, Kind: ChargeRecharge,
		Amount: max(g.Recharge.High-balance, 0), Currency: g.Currency, Description: "automatic recharge",
		Status: ChargePending, CreatedAt: now, UpdatedAt: now}
}

// rechargeChargeID is the id of the recharge of an account's n-th low crossing.
func rechargeChargeID(accountID string, n int64) string {
	return DeriveUUID("recharge:" + accountID + ":" + strconv.FormatInt(n, 10))
}
