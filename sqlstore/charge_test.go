package sqlstore_test

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/sqlstore/sqltest"
)

// Off-session charges in the conformance suite.

// newCharge returns a charge of account a in status with every field set.
func newCharge(a *billd.BillingAccount, status string, next *time.Time, at time.Time) *billd.Charge {
	return &billd.Charge{ID: billd.NewUUID(), OrgID: a.OrgID, AccountID: a.ID, Kind: billd.ChargeRecharge, Amount: 1500,
		Currency: "usd", Description: "automatic recharge", MethodID: "pm-1", Status: status, ProviderChargeID: "ch_1",
		FailureCode: "card_declined", DeclineCode: "generic_decline", FailureMessage: "declined", Attempts: 2,
		NextAttemptAt: next, CreatedAt: at, UpdatedAt: at.Add(time.Second)}
}

func insertCharges(t *testing.T, db *sqlstore.DB, cs ...*billd.Charge) {
	t.Helper()
	mustUpdate(t, db, func(tx billd.Tx) error { return tx.InsertCharges(context.Background(), cs) })
}

func chargeIDs(cs []*billd.Charge) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	slices.Sort(out)
	return out
}

// A charge reads back as stored; inserting its id again keeps the first; an update stores every
// field it may change; the due charges are the pending ones without a next attempt or with one
// due, and the failed ones whose retry is due.
func TestChargesStoreAndDue(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newAccount(t, s.DB, newOrg(t, s.DB, "acme", t0).ID, billd.AccountActive, t0)
		now := t0.Add(time.Hour)
		pending := newCharge(a, billd.ChargePending, nil, t0)
		waiting := newCharge(a, billd.ChargePending, ptr(now.Add(time.Minute)), t0)
		retry := newCharge(a, billd.ChargeFailed, ptr(now.Add(-time.Minute)), t0)
		final := newCharge(a, billd.ChargeFailed, nil, t0)
		done := newCharge(a, billd.ChargeSucceeded, nil, t0)
		insertCharges(t, s.DB, pending, waiting, retry, final, done)
		again := *pending
		again.Amount = 1
		insertCharges(t, s.DB, &again)
		view(t, s.DB, func(tx billd.Tx) error {
			got, err := tx.Charge(ctx, pending.ID)
			if err == nil && !reflect.DeepEqual(got, pending) {
				t.Errorf("charge = %+v, want %+v", got, pending)
			}
			return err
		})
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			c, err := tx.LockCharge(ctx, waiting.ID)
			if err != nil {
				return err
			}
			c.Status, c.Amount, c.Attempts, c.NextAttemptAt, c.ProviderChargeID = billd.ChargeSucceeded, 99, 3, nil, "ch_2"
			c.FailureCode, c.DeclineCode, c.FailureMessage, c.UpdatedAt = "", "", "", now
			*waiting = *c
			return tx.UpdateCharge(ctx, c)
		})
		view(t, s.DB, func(tx billd.Tx) error {
			got, err := tx.Charge(ctx, waiting.ID)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, waiting) {
				t.Errorf("updated charge = %+v, want %+v", got, waiting)
			}
			due, err := tx.DueCharges(ctx, now, 10)
			if err != nil {
				return err
			}
			if want := chargeIDs([]*billd.Charge{pending, retry}); !reflect.DeepEqual(chargeIDs(due), want) {
				t.Errorf("due = %v, want %v", chargeIDs(due), want)
			}
			succeeded, err := tx.Charges(ctx, billd.ChargeQuery{AccountID: a.ID, Kind: billd.ChargeRecharge, Status: billd.ChargeSucceeded})
			if want := chargeIDs([]*billd.Charge{waiting, done}); !reflect.DeepEqual(chargeIDs(succeeded), want) {
				t.Errorf("succeeded = %v, want %v", chargeIDs(succeeded), want)
			}
			return err
		})
		view(t, s.DB, func(tx billd.Tx) error {
			_, err := tx.Charge(ctx, billd.NewUUID())
			wantCode(t, err, billd.ENOTFOUND)
			return nil
		})
	})
}

func TestChargesPageNewestFirst(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		pending := func(a *billd.BillingAccount, at time.Time) *billd.Charge {
			return newCharge(a, billd.ChargePending, nil, at)
		}
		a, _, mine := pagedItems(t, s.DB, t0.Add(time.Second), pending, insertCharges)
		pageNewestFirst(t, s.DB, len(mine), a.ID, func(c *billd.Charge) keyed { return keyed{c.ID, c.AccountID, c.CreatedAt} },
			func(tx billd.Tx, after *billd.Cursor, limit int) ([]*billd.Charge, error) {
				return tx.Charges(ctx, billd.ChargeQuery{AccountID: a.ID, After: after, Limit: limit})
			})
	})
}
