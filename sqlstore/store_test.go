package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/sqlstore/sqltest"
)

// This file is the store conformance suite: every test runs on SQLite and on PostgreSQL.

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)

func update(t *testing.T, db *sqlstore.DB, fn func(billd.Tx) error) error {
	t.Helper()
	return db.Update(context.Background(), fn)
}

func mustUpdate(t *testing.T, db *sqlstore.DB, fn func(billd.Tx) error) {
	t.Helper()
	if err := update(t, db, fn); err != nil {
		t.Fatal(err)
	}
}

func view(t *testing.T, db *sqlstore.DB, fn func(billd.Tx) error) {
	t.Helper()
	if err := db.View(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := billd.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func newOrg(t *testing.T, db *sqlstore.DB, name string, at time.Time) *billd.Organization {
	t.Helper()
	o := &billd.Organization{ID: billd.NewUUID(), Name: name, Title: "T " + name,
		Metadata: billd.Metadata{"k": "v"}, State: billd.OrgEnabled, CreatedAt: at, UpdatedAt: at}
	mustUpdate(t, db, func(tx billd.Tx) error { return tx.InsertOrganization(context.Background(), o) })
	return o
}

func newAccount(t *testing.T, db *sqlstore.DB, orgID string, state billd.AccountState, at time.Time) *billd.BillingAccount {
	t.Helper()
	a := &billd.BillingAccount{ID: billd.NewUUID(), OrgID: orgID, Name: "acme", Email: "a@example.com",
		Address: billd.Address{Line1: "1 Main St", Country: "DE"}, Currency: "usd", LedgerCurrency: billd.CreditCurrency,
		State: state, TaxData: []billd.TaxID{{Type: "vat", ID: "DE1"}}, Metadata: billd.Metadata{},
		DueInDays: 30, CreatedAt: at, UpdatedAt: at}
	mustUpdate(t, db, func(tx billd.Tx) error { return tx.InsertBillingAccount(context.Background(), a) })
	return a
}

func TestMigrationsAreIdempotent(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		again, err := sqlstore.Open(context.Background(), s.DSN, sqlstore.Options{})
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		again.Close()
	})
}

func TestOrganizations(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newOrg(t, s.DB, "alpha", t0)
		b := newOrg(t, s.DB, "beta", t0.Add(time.Second))
		view(t, s.DB, func(tx billd.Tx) error {
			got, err := tx.Organization(ctx, a.ID)
			if err != nil {
				return err
			}
			if got.Name != "alpha" || got.Title != "T alpha" || got.Metadata["k"] != "v" || !got.CreatedAt.Equal(t0) {
				t.Errorf("got %+v", got)
			}
			if got.CreatedAt.Location() != time.UTC {
				t.Errorf("created_at location %v, want UTC", got.CreatedAt.Location())
			}
			byName, err := tx.OrganizationByName(ctx, "beta")
			if err != nil || byName.ID != b.ID {
				t.Errorf("by name: %v %v", byName, err)
			}
			_, err = tx.Organization(ctx, billd.NewUUID())
			wantCode(t, err, billd.ENOTFOUND)
			return nil
		})
		later := t0.Add(2 * time.Second)
		dup := &billd.Organization{ID: billd.NewUUID(), Name: "alpha", Metadata: billd.Metadata{},
			State: billd.OrgEnabled, CreatedAt: later, UpdatedAt: later}
		wantCode(t, update(t, s.DB, func(tx billd.Tx) error { return tx.InsertOrganization(ctx, dup) }), billd.ECONFLICT)

		// A closed organization frees its name.
		a.State = billd.OrgClosed
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.UpdateOrganization(ctx, a) })
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.InsertOrganization(ctx, dup) })
		view(t, s.DB, func(tx billd.Tx) error {
			_, err := tx.OrganizationByName(ctx, "alpha")
			if err != nil {
				return err
			}
			list, err := tx.Organizations(ctx, billd.OrganizationQuery{Limit: 10})
			if len(list) != 2 || list[0].ID != b.ID || list[1].ID != dup.ID {
				t.Errorf("list skips closed, oldest first: %v", names(list))
			}
			page, err := tx.Organizations(ctx, billd.OrganizationQuery{Limit: 10,
				After: &billd.Cursor{At: b.CreatedAt, ID: b.ID}})
			if len(page) != 1 || page[0].ID != dup.ID {
				t.Errorf("keyset page after beta: %v", names(page))
			}
			return err
		})
	})
}

func names(orgs []*billd.Organization) []string {
	var out []string
	for _, o := range orgs {
		out = append(out, o.Name)
	}
	return out
}

func TestProjects(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		o := newOrg(t, s.DB, "acme", t0)
		other := newOrg(t, s.DB, "other", t0)
		p := &billd.Project{ID: billd.NewUUID(), OrgID: o.ID, Name: "web", Metadata: billd.Metadata{},
			State: billd.ProjectEnabled, CreatedAt: t0, UpdatedAt: t0}
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.InsertProject(ctx, p) })
		same := *p
		same.ID = billd.NewUUID()
		wantCode(t, update(t, s.DB, func(tx billd.Tx) error { return tx.InsertProject(ctx, &same) }), billd.ECONFLICT)
		same.OrgID = other.ID // names are unique per organization only
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.InsertProject(ctx, &same) })
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.CloseProjects(ctx, o.ID, t0) })
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			got, err := tx.LockProject(ctx, p.ID)
			if err != nil || got.State != billd.ProjectClosed {
				t.Errorf("project after CloseProjects: %+v %v", got, err)
			}
			list, err := tx.Projects(ctx, billd.ProjectQuery{OrgID: other.ID, Limit: 10})
			if len(list) != 1 || list[0].ID != same.ID {
				t.Errorf("projects of other org: %v", list)
			}
			return err
		})
	})
}

func TestOneActiveAccountPerOrganizationIsEnforcedByTheDatabase(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		o := newOrg(t, s.DB, "acme", t0)
		first := newAccount(t, s.DB, o.ID, billd.AccountActive, t0)
		second := &billd.BillingAccount{ID: billd.NewUUID(), OrgID: o.ID, Currency: "usd",
			LedgerCurrency: billd.CreditCurrency, State: billd.AccountActive, Metadata: billd.Metadata{},
			CreatedAt: t0, UpdatedAt: t0}
		err := update(t, s.DB, func(tx billd.Tx) error { return tx.InsertBillingAccount(ctx, second) })
		wantCode(t, err, billd.EPRECONDITION)

		second.State = billd.AccountDisabled
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.InsertBillingAccount(ctx, second) })
		second.State = billd.AccountActive
		err = update(t, s.DB, func(tx billd.Tx) error { return tx.UpdateBillingAccount(ctx, second) })
		wantCode(t, err, billd.EPRECONDITION)

		first.State = billd.AccountClosed
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			if err := tx.UpdateBillingAccount(ctx, first); err != nil {
				return err
			}
			return tx.UpdateBillingAccount(ctx, second)
		})
		view(t, s.DB, func(tx billd.Tx) error {
			active, err := tx.ActiveBillingAccount(ctx, o.ID)
			if err != nil || active.ID != second.ID {
				t.Errorf("active = %v, %v; want %s", active, err, second.ID)
			}
			list, err := tx.BillingAccounts(ctx, billd.BillingAccountQuery{OrgID: o.ID, Limit: 10})
			if len(list) != 1 || list[0].ID != second.ID {
				t.Errorf("list skips closed accounts: %d", len(list))
			}
			return err
		})
	})
}

func TestBillingAccountRoundTrip(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		o := newOrg(t, s.DB, "acme", t0)
		a := newAccount(t, s.DB, o.ID, billd.AccountActive, t0)
		view(t, s.DB, func(tx billd.Tx) error {
			got, err := tx.BillingAccount(ctx, a.ID)
			if err != nil {
				return err
			}
			if got.Address != a.Address || len(got.TaxData) != 1 || got.TaxData[0] != a.TaxData[0] ||
				got.LedgerCurrency != "VC" || got.Currency != "usd" || got.DueInDays != 30 || got.Email != a.Email {
				t.Errorf("round trip: %+v", got)
			}
			l, err := tx.LedgerAccount(ctx, a.ID)
			if err != nil || l.Platform || l.Currency != "VC" || l.CreditsPosted != 0 {
				t.Errorf("ledger account: %+v %v", l, err)
			}
			p, err := tx.LedgerAccount(ctx, billd.PlatformAccountID("VC"))
			if err != nil || !p.Platform {
				t.Errorf("platform account: %+v %v", p, err)
			}
			return nil
		})
	})
}

// transfer builds a usage or grant between account and the VC platform account.
func transfer(kind billd.TransferKind, account string, amount int64, at time.Time) billd.Transfer {
	tr := billd.Transfer{ID: billd.NewUUID(), Amount: amount, Kind: kind, Source: "test",
		Metadata: billd.Metadata{"n": fmt.Sprint(amount)}, CreatedAt: at}
	platform := billd.PlatformAccountID("VC")
	if kind == billd.KindUsage {
		tr.DebitAccountID, tr.CreditAccountID = account, platform
	} else {
		tr.DebitAccountID, tr.CreditAccountID = platform, account
	}
	return tr
}

func TestJournal(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		o := newOrg(t, s.DB, "acme", t0)
		a := newAccount(t, s.DB, o.ID, billd.AccountActive, t0)
		grant := transfer(billd.KindGrant, a.ID, 1000, t0)
		usage := transfer(billd.KindUsage, a.ID, 300, t0.Add(time.Second))
		revert := transfer(billd.KindGrant, a.ID, 100, t0.Add(2*time.Second))
		revert.Kind, revert.RefID = billd.KindRevert, usage.ID
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			return tx.AppendTransfers(ctx, []billd.Transfer{grant, usage, revert}, nil)
		})
		err := update(t, s.DB, func(tx billd.Tx) error { return tx.AppendTransfers(ctx, []billd.Transfer{usage}, nil) })
		if !errors.Is(err, billd.ErrDuplicateID) {
			t.Errorf("appending a stored transfer again: %v, want ErrDuplicateID", err)
		}

		view(t, s.DB, func(tx billd.Tx) error {
			got, err := tx.Transfers(ctx, []string{usage.ID, revert.ID, billd.NewUUID()})
			if err != nil || len(got) != 2 {
				t.Fatalf("Transfers: %d, %v", len(got), err)
			}
			for _, g := range got {
				if g.ID == revert.ID && (g.RefID != usage.ID || g.Kind != billd.KindRevert || g.Metadata["n"] != "100") {
					t.Errorf("revert round trip: %+v", g)
				}
				if g.ID == usage.ID && (g.RefID != "" || !g.CreatedAt.Equal(usage.CreatedAt)) {
					t.Errorf("usage round trip: %+v", g)
				}
			}
			return nil
		})
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			st, err := tx.LoadPostingState(ctx, []string{a.ID, billd.PlatformAccountID("VC")},
				[]string{usage.ID, billd.NewUUID()}, []string{usage.ID, grant.ID})
			if err != nil {
				return err
			}
			if st.Reverted[usage.ID] != 100 || st.Reverted[grant.ID] != 0 {
				t.Errorf("reverted: %v", st.Reverted)
			}
			if len(st.Accounts) != 1 || st.Accounts[0].ID != a.ID || len(st.Transfers) != 1 || st.Transfers[0].ID != usage.ID {
				t.Errorf("posting state: accounts %v transfers %v", st.Accounts, st.Transfers)
			}
			total, err := tx.DebitedTotal(ctx, a.ID)
			if err != nil || total != 200 {
				t.Errorf("debited total = %d %v, want 200", total, err)
			}
			return nil
		})
	})
}

func TestJournalIsImmutable(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		o := newOrg(t, s.DB, "acme", t0)
		a := newAccount(t, s.DB, o.ID, billd.AccountActive, t0)
		g := transfer(billd.KindGrant, a.ID, 10, t0)
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.AppendTransfers(ctx, []billd.Transfer{g}, nil) })
		for _, stmt := range []string{
			`UPDATE transfers SET amount = 1 WHERE id = $1`,
			`DELETE FROM transfers WHERE id = $1`,
		} {
			if err := s.DB.ExecRaw(ctx, stmt, g.ID); err == nil {
				t.Errorf("%s: the database allowed it", stmt)
			}
		}
		bad := transfer(billd.KindGrant, a.ID, 0, t0)
		if err := update(t, s.DB, func(tx billd.Tx) error { return tx.AppendTransfers(ctx, []billd.Transfer{bad}, nil) }); err == nil {
			t.Error("a zero-amount transfer was stored")
		}
		orphan := transfer(billd.KindGrant, a.ID, 5, t0)
		orphan.Kind = billd.KindRevert // a revert without the usage it gives back
		if err := update(t, s.DB, func(tx billd.Tx) error { return tx.AppendTransfers(ctx, []billd.Transfer{orphan}, nil) }); err == nil {
			t.Error("a revert without ref_id was stored")
		}
	})
}

func TestAccountTransfersPagesNewestFirstAcrossBothSides(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		o := newOrg(t, s.DB, "acme", t0)
		a := newAccount(t, s.DB, o.ID, billd.AccountActive, t0)
		b := newAccount(t, s.DB, newOrg(t, s.DB, "other", t0).ID, billd.AccountActive, t0)
		var all []billd.Transfer
		for i := 0; i < 25; i++ {
			kind := billd.KindGrant
			if i%3 == 1 {
				kind = billd.KindUsage
			}
			// Pairs of transfers share a timestamp, as the transfers of one group commit do.
			all = append(all, transfer(kind, a.ID, int64(i+1), t0.Add(time.Duration(i/2)*time.Second)))
			all = append(all, transfer(billd.KindGrant, b.ID, 7, t0))
		}
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.AppendTransfers(ctx, all, nil) })
		var got []billd.Transfer
		q := billd.TransferQuery{AccountID: a.ID, Limit: 4}
		view(t, s.DB, func(tx billd.Tx) error {
			for {
				page, err := tx.AccountTransfers(ctx, q)
				if err != nil {
					return err
				}
				got = append(got, page...)
				if len(page) < q.Limit {
					return nil
				}
				last := page[len(page)-1]
				q.After = &billd.Cursor{At: last.CreatedAt, ID: last.ID}
			}
		})
		if len(got) != 25 {
			t.Fatalf("got %d transfers, want 25", len(got))
		}
		seen := map[int64]bool{}
		for i, tr := range got {
			if seen[tr.Amount] || tr.DebitAccountID != a.ID && tr.CreditAccountID != a.ID {
				t.Fatalf("position %d: transfer %+v repeated or not the account's", i, tr)
			}
			seen[tr.Amount] = true
			if i > 0 {
				prev := got[i-1]
				if tr.CreatedAt.After(prev.CreatedAt) || tr.CreatedAt.Equal(prev.CreatedAt) && tr.ID > prev.ID {
					t.Fatalf("position %d is not after position %d in (created_at, id) descending order", i, i-1)
				}
			}
		}
		view(t, s.DB, func(tx billd.Tx) error {
			page, err := tx.AccountTransfers(ctx, billd.TransferQuery{AccountID: a.ID, Limit: 100,
				Start: t0.Add(2 * time.Second), End: t0.Add(3 * time.Second)})
			amounts := map[int64]bool{}
			for _, tr := range page {
				amounts[tr.Amount] = true
			}
			if len(page) != 4 || !amounts[5] || !amounts[6] || !amounts[7] || !amounts[8] {
				t.Errorf("range [2s, 3s]: %d transfers %v", len(page), page)
			}
			return err
		})
		view(t, s.DB, func(tx billd.Tx) error { // the console's journal filters
			usages, err := tx.AccountTransfers(ctx, billd.TransferQuery{AccountID: a.ID, Kind: billd.KindUsage, Limit: 100})
			if err != nil {
				return err
			}
			tests, err := tx.AccountTransfers(ctx, billd.TransferQuery{AccountID: a.ID, Kind: billd.KindGrant, Source: "test", Limit: 100})
			if err != nil {
				return err
			}
			none, err := tx.AccountTransfers(ctx, billd.TransferQuery{AccountID: a.ID, Source: "other", Limit: 100})
			if len(usages) != 8 || len(tests) != 17 || len(none) != 0 {
				t.Errorf("kind usage: %d transfers, want 8; grants from source test: %d, want 17; source other: %d, want 0",
					len(usages), len(tests), len(none))
			}
			return err
		})
	})
}

func TestLockLedgerAccountsSkipsPlatformAndUnknown(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		o := newOrg(t, s.DB, "acme", t0)
		a := newAccount(t, s.DB, o.ID, billd.AccountActive, t0)
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			got, err := tx.LockLedgerAccounts(ctx, []string{billd.PlatformAccountID("VC"), a.ID, billd.NewUUID()})
			if err != nil {
				return err
			}
			if len(got) != 1 || got[0].ID != a.ID {
				t.Errorf("locked %v", got)
			}
			got[0].CreditsPosted, got[0].DebitsPosted, got[0].UpdatedAt = 50, 20, t0
			if err := tx.AppendTransfers(ctx, nil, got); err != nil {
				return err
			}
			st, err := tx.LoadPostingState(ctx, []string{a.ID, billd.PlatformAccountID("VC")}, nil, nil)
			if err != nil || len(st.Guards) != 1 || st.Guards[0].State != billd.AccountActive || st.Guards[0].OrgState != billd.OrgEnabled {
				t.Errorf("guards %v %v", st, err)
			}
			return nil
		})
		view(t, s.DB, func(tx billd.Tx) error {
			l, err := tx.LedgerAccount(ctx, a.ID)
			if err != nil || l.Balance().Amount != 30 || !l.UpdatedAt.Equal(t0) {
				t.Errorf("after update: %+v %v", l, err)
			}
			dues, err := tx.OrganizationHasDues(ctx, o.ID)
			if dues {
				t.Error("positive balance counted as dues")
			}
			return err
		})
	})
}

func TestLedgerTotalsFindDrift(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		o := newOrg(t, s.DB, "acme", t0)
		a := newAccount(t, s.DB, o.ID, billd.AccountActive, t0)
		b := newAccount(t, s.DB, newOrg(t, s.DB, "other", t0).ID, billd.AccountActive, t0)
		// The platform's side of these grants sums past int64; each customer's does not.
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			return tx.AppendTransfers(ctx, []billd.Transfer{transfer(billd.KindGrant, a.ID, 40, t0),
				transfer(billd.KindGrant, b.ID, math.MaxInt64-1, t0), transfer(billd.KindGrant, a.ID, math.MaxInt64/2, t0)}, nil)
		})
		view(t, s.DB, func(tx billd.Tx) error {
			totals, n, err := tx.LedgerTotals(ctx)
			if err != nil || n != 3 || len(totals) != 2 {
				t.Fatalf("totals %v n %d err %v", totals, n, err)
			}
			for _, tt := range totals {
				want := map[string]int64{a.ID: 40 + math.MaxInt64/2, b.ID: math.MaxInt64 - 1}[tt.AccountID]
				if tt.StoredCredits != 0 || tt.JournalCredits != want {
					t.Errorf("totals: %+v, want journal credits %d", tt, want)
				}
			}
			return nil
		})
	})
}

func TestClients(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		o := newOrg(t, s.DB, "acme", t0)
		admin := &billd.APIClient{ID: "root", Name: "r", Role: billd.RoleAdmin, SecretHash: "s1", APIKeyHash: "k1", CreatedAt: t0}
		member := &billd.APIClient{ID: billd.NewUUID(), Role: billd.RoleMember, OrgID: o.ID, SecretHash: "s2", APIKeyHash: "k2", CreatedAt: t0}
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			if err := tx.InsertClient(ctx, admin); err != nil {
				return err
			}
			return tx.InsertClient(ctx, member)
		})
		if err := update(t, s.DB, func(tx billd.Tx) error { return tx.InsertClient(ctx, admin) }); !errors.Is(err, billd.ErrDuplicateID) {
			t.Errorf("inserting a stored client again: %v, want ErrDuplicateID", err)
		}
		bad := &billd.APIClient{ID: "x", Role: billd.RoleMember, SecretHash: "s", APIKeyHash: "k3", CreatedAt: t0}
		if err := update(t, s.DB, func(tx billd.Tx) error { return tx.InsertClient(ctx, bad) }); err == nil {
			t.Error("an organization role without an organization was stored")
		}
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.RevokeOrganizationClients(ctx, o.ID, t0) })
		view(t, s.DB, func(tx billd.Tx) error {
			c, err := tx.ClientByAPIKey(ctx, "k2")
			if err != nil || c.ID != member.ID || c.RevokedAt.IsZero() || c.OrgID != o.ID {
				t.Errorf("member after revoke: %+v %v", c, err)
			}
			n, err := tx.CountPlatformAdmins(ctx)
			if n != 1 {
				t.Errorf("platform admins = %d", n)
			}
			list, err := tx.Clients(ctx, billd.ClientQuery{Limit: 10})
			if len(list) != 1 || list[0].ID != "root" || !list[0].RevokedAt.IsZero() {
				t.Errorf("unrevoked clients: %v", list)
			}
			return err
		})
	})
}
