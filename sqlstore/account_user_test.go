package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

func TestAccountUsers(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newAccount(t, s.DB, newOrg(t, s.DB, "acme", t0).ID, billd.AccountActive, t0)
		ada := billd.AccountUser{AccountID: a.ID, UserID: billd.AccountUserID("ada@acme.test"), Email: "ada@acme.test",
			Role: "editor", CreatedAt: t0}
		viewer := ada
		viewer.Role, viewer.ProjectID, viewer.CreatedAt = "viewer", billd.NewUUID(), t0.Add(time.Second)
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			for _, u := range []billd.AccountUser{ada, viewer, ada} { // the second ada is no new row
				if err := tx.InsertAccountUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		})
		list := func() []billd.AccountUser {
			t.Helper()
			var users []billd.AccountUser
			view(t, s.DB, func(tx billd.Tx) (err error) {
				users, err = tx.AccountUsers(ctx, a.ID)
				return err
			})
			return users
		}
		if got := list(); len(got) != 2 || got[0] != ada || got[1] != viewer {
			t.Fatalf("users %+v, want %+v and %+v", got, ada, viewer)
		}
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.DeleteAccountUser(ctx, ada) })
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.DeleteAccountUser(ctx, ada) })
		if got := list(); len(got) != 1 || got[0] != viewer {
			t.Errorf("after the removal: %+v", got)
		}
		if err := s.DB.ExecRaw(ctx, `INSERT INTO account_users (account_id, user_id, email, role, project_id, created_at)
			VALUES ($1, $2, 'x@y', 'superuser', '', $3)`, a.ID, billd.NewUUID(), t0); err == nil {
			t.Error("the database took an unknown role")
		}
	})
}

func TestUsageSpend(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newAccount(t, s.DB, newOrg(t, s.DB, "acme", t0).ID, billd.AccountActive, t0)
		usage := func(source, description string, amount int64, at time.Time) billd.Transfer {
			tr := transfer(billd.KindUsage, a.ID, amount, at)
			tr.Source, tr.Description = source, description
			return tr
		}
		gpu := usage("p1", "gpu", 300, t0.Add(time.Minute))
		early := usage("p1", "gpu", 1000, t0.Add(-time.Minute)) // before the range
		disk := usage("p2", "disk", 50, t0.Add(2*time.Minute))
		late := usage("p2", "disk", 7, t0.Add(time.Hour)) // at the range's end: excluded
		revert := transfer(billd.KindGrant, a.ID, 100, t0.Add(3*time.Minute))
		revert.Kind, revert.RefID = billd.KindRevert, gpu.ID
		grant := transfer(billd.KindGrant, a.ID, 5000, t0.Add(time.Minute))
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			return tx.AppendTransfers(ctx, []billd.Transfer{gpu, early, disk, late, revert, grant}, nil)
		})
		view(t, s.DB, func(tx billd.Tx) error {
			rows, err := tx.UsageSpend(ctx, a.ID, t0, t0.Add(time.Hour), 10)
			want := []billd.SpendRow{{Source: "p1", Description: "gpu", Amount: 200}, {Source: "p2", Description: "disk", Amount: 50}}
			if err != nil || len(rows) != 2 || rows[0] != want[0] || rows[1] != want[1] {
				t.Errorf("UsageSpend = %+v, %v; want %+v", rows, err, want)
			}
			if rows, err := tx.UsageSpend(ctx, a.ID, t0, t0.Add(time.Hour), 1); err != nil || len(rows) != 1 {
				t.Errorf("UsageSpend with limit 1 = %+v, %v", rows, err)
			}
			return nil
		})
	})
}

func TestDeletePaymentMethod(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newAccount(t, s.DB, newOrg(t, s.DB, "acme", t0).ID, billd.AccountActive, t0)
		m := &billd.PaymentMethod{ID: billd.NewUUID(), AccountID: a.ID, Provider: "sandbox", ProviderID: "pm_1", Type: "card",
			Metadata: billd.Metadata{}, CreatedAt: t0}
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.PutPaymentMethod(ctx, m) })
		for range 2 { // an unknown id is no error
			mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.DeletePaymentMethod(ctx, m.ID) })
		}
		view(t, s.DB, func(tx billd.Tx) error {
			if ms, err := tx.PaymentMethods(ctx, a.ID); err != nil || len(ms) != 0 {
				t.Errorf("methods after the delete: %v, %v", ms, err)
			}
			return nil
		})
	})
}
