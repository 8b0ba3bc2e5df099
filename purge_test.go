package billd_test

import (
	"context"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// storedAccount reads o's account from the store, closed or not.
func (f *fixture) storedAccount(t *testing.T, o org) *billd.BillingAccount {
	t.Helper()
	var a *billd.BillingAccount
	must(t, f.db.View(context.Background(), func(tx billd.Tx) (err error) { a, err = tx.BillingAccount(t.Context(), o.AccountID); return err }))
	return a
}

// A deleted account keeps its personal data for the retention period; then the purge job erases
// it, once, and the books still balance.
func TestPurgeErasesPersonalDataAfterRetention(t *testing.T) {
	t.Parallel()
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixtureConfig(t, s, billd.Config{PurgeAfter: 48 * time.Hour})
		o := f.newOrg(t)
		f.grant(t, o, 500)
		f.use(t, o, 200)
		must(t, f.svc.AddAccountUser(t.Context(), sys, o.AccountID, "ada@example.test", "viewer", ""))
		must(t, f.svc.DeleteBillingAccount(t.Context(), sys, o.ID, o.AccountID))
		a := f.storedAccount(t, o)
		if a.DeletedAt == nil || a.PurgeAt == nil || a.PurgeAt.Sub(*a.DeletedAt) != 48*time.Hour || a.PurgedAt != nil {
			t.Fatalf("deleted account: deleted %v, purge %v, purged %v", a.DeletedAt, a.PurgeAt, a.PurgedAt)
		}
		f.advance(47 * time.Hour)
		f.runJobs(t)
		if a := f.storedAccount(t, o); a.Name != o.Name || a.PurgedAt != nil {
			t.Fatalf("account purged before its time: %+v", a)
		}
		if n, err := f.db.CountRaw(t.Context(), `SELECT COUNT(*) FROM account_users`); err != nil || n != 1 {
			t.Fatalf("user grants before the purge: %d (%v), want 1", n, err)
		}
		f.advance(time.Hour)
		f.runJobs(t)
		a = f.storedAccount(t, o)
		if a.Name != "" || a.Email != "" || a.Phone != "" || a.Address != (billd.Address{}) || len(a.TaxData) != 0 ||
			len(a.Metadata) != 0 || a.PurgedAt == nil || a.State != billd.AccountClosed {
			t.Fatalf("purged account = %+v", a)
		}
		if n, err := f.db.CountRaw(t.Context(), `SELECT COUNT(*) FROM account_users`); err != nil || n != 0 {
			t.Fatalf("user grants (people's emails) after the purge: %d (%v), want none", n, err)
		}
		purged := *a.PurgedAt
		f.advance(time.Hour)
		f.runJobs(t)
		if a := f.storedAccount(t, o); !a.PurgedAt.Equal(purged) {
			t.Fatalf("purged again at %v, first at %v", a.PurgedAt, purged)
		}
		f.wantClean(t, 2)

		other := f.newOrg(t) // an organization's deletion closes its account for purging too
		must(t, f.svc.DeleteOrganization(t.Context(), sys, other.ID))
		f.advance(48 * time.Hour)
		f.runJobs(t)
		if a := f.storedAccount(t, other); a.Name != "" || a.PurgedAt == nil {
			t.Fatalf("account of a deleted organization after the retention = %+v", a)
		}
	})
}
