package sqlstore_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/sqlstore/sqltest"
)

// Invoices, postpaid accounts and organization seats in the conformance suite.

// newInvoice returns a paid overdraft invoice of account a with every field set but ReconciledAt.
func newInvoice(a *billd.BillingAccount, at time.Time) *billd.Invoice {
	return &billd.Invoice{ID: billd.NewUUID(), OrgID: a.OrgID, AccountID: a.ID, Kind: billd.InvoiceOverdraft,
		Provider: "sandbox", ProviderID: "in_" + billd.NewUUID(), State: billd.InvoicePaid, Currency: "usd",
		Amount: 1200, Credits: 600, URL: "https://pay.example/in", SubscriptionID: billd.NewUUID(),
		PeriodStart: at.Add(-30 * 24 * time.Hour), PeriodEnd: at, DueAt: ptr(at.Add(30 * 24 * time.Hour)),
		PaidAt: ptr(at.Add(time.Hour)), Metadata: billd.Metadata{"k": "v"}, CreatedAt: at,
		UpdatedAt: at.Add(time.Second)}
}

func insertInvoices(t *testing.T, db *sqlstore.DB, invs ...*billd.Invoice) {
	t.Helper()
	mustUpdate(t, db, func(tx billd.Tx) error {
		for _, inv := range invs {
			if err := tx.InsertInvoice(context.Background(), inv); err != nil {
				return err
			}
		}
		return nil
	})
}

// wantInvoices checks that the stored invoices are want, field by field.
func wantInvoices(t *testing.T, db *sqlstore.DB, when string, want ...*billd.Invoice) {
	t.Helper()
	view(t, db, func(tx billd.Tx) error {
		for _, w := range want {
			got, err := tx.Invoice(context.Background(), w.ID)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("%s:\n got %+v\nwant %+v", when, got, w)
			}
		}
		return nil
	})
}

func TestInvoiceRoundTrip(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newAccount(t, s.DB, newOrg(t, s.DB, "acme", t0).ID, billd.AccountActive, t0)
		full := newInvoice(a, t0)
		full.ReconciledAt = ptr(t0.Add(2 * time.Hour))
		// No provider id yet, no subscription, no period, no times, no metadata.
		bare := &billd.Invoice{ID: billd.NewUUID(), OrgID: a.OrgID, AccountID: a.ID, Kind: billd.InvoiceSubscription,
			Provider: "sandbox", State: billd.InvoiceDraft, Currency: "eur", Metadata: billd.Metadata{},
			CreatedAt: t0, UpdatedAt: t0}
		insertInvoices(t, s.DB, full, bare)
		wantInvoices(t, s.DB, "round trip", full, bare)
		view(t, s.DB, func(tx billd.Tx) error {
			_, err := tx.Invoice(ctx, billd.NewUUID())
			wantNotFound(t, err, "invoice not found")
			return nil
		})

		err := update(t, s.DB, func(tx billd.Tx) error { return tx.InsertInvoice(ctx, bare) })
		if !errors.Is(err, billd.ErrDuplicateID) {
			t.Errorf("inserting a stored invoice again: %v, want ErrDuplicateID", err)
		}
		// A provider's invoice is one billd invoice; invoices without a provider id yet are many.
		again := newInvoice(a, t0)
		again.ProviderID = full.ProviderID
		err = update(t, s.DB, func(tx billd.Tx) error { return tx.InsertInvoice(ctx, again) })
		wantCode(t, err, billd.ECONFLICT)
		if errors.Is(err, billd.ErrDuplicateID) {
			t.Errorf("a provider id stored already is a duplicate id: %v", err)
		}
		again.Provider = "stripe" // the same id at another provider is another invoice
		bare2 := *bare
		bare2.ID = billd.NewUUID()
		insertInvoices(t, s.DB, again, &bare2)

		// They swap every field but ID and CreatedAt: nil times become set and set ones nil.
		full2, bare3 := *bare, *full
		full2.ID, bare3.ID, full2.CreatedAt, bare3.CreatedAt = full.ID, bare.ID, full.CreatedAt, bare.CreatedAt
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			got, err := tx.LockInvoice(ctx, full.ID)
			if err == nil && !reflect.DeepEqual(got, full) {
				t.Errorf("locked:\n got %+v\nwant %+v", got, full)
			}
			_, err = tx.LockInvoice(ctx, billd.NewUUID())
			wantNotFound(t, err, "invoice not found")
			if err := tx.UpdateInvoice(ctx, &full2); err != nil {
				return err
			}
			return tx.UpdateInvoice(ctx, &bare3)
		})
		wantInvoices(t, s.DB, "after update", &full2, &bare3)

		stolen := bare2
		stolen.ProviderID = full.ProviderID // bare3 has it now
		err = update(t, s.DB, func(tx billd.Tx) error { return tx.UpdateInvoice(ctx, &stolen) })
		wantCode(t, err, billd.ECONFLICT)
	})
}

func TestInvoiceValuesTheDatabaseRefuses(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a := newAccount(t, s.DB, newOrg(t, s.DB, "acme", t0).ID, billd.AccountActive, t0)
		for name, spoil := range map[string]func(inv *billd.Invoice){
			"state":        func(inv *billd.Invoice) { inv.State = "sent" },
			"kind":         func(inv *billd.Invoice) { inv.Kind = "usage" },
			"amount":       func(inv *billd.Invoice) { inv.Amount = -1 },
			"credits":      func(inv *billd.Invoice) { inv.Credits = -1 },
			"account":      func(inv *billd.Invoice) { inv.AccountID = billd.NewUUID() },
			"organization": func(inv *billd.Invoice) { inv.OrgID = billd.NewUUID() },
		} {
			inv := newInvoice(a, t0)
			spoil(inv)
			if err := update(t, s.DB, func(tx billd.Tx) error { return tx.InsertInvoice(ctx, inv) }); err == nil {
				t.Errorf("an invoice with a bad %s was stored", name)
			}
		}
	})
}

func invoiceIDs(invs []*billd.Invoice) []string {
	out := []string{}
	for _, inv := range invs {
		out = append(out, inv.ID)
	}
	return out
}

func TestInvoiceQueryFilters(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		acme := newOrg(t, s.DB, "acme", t0)
		a := newAccount(t, s.DB, acme.ID, billd.AccountActive, t0)
		old := newAccount(t, s.DB, acme.ID, billd.AccountClosed, t0) // the organization's earlier account
		b := newAccount(t, s.DB, newOrg(t, s.DB, "other", t0).ID, billd.AccountActive, t0)
		at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }
		unreconciled := newInvoice(a, at(0))
		reconciled := newInvoice(a, at(1))
		reconciled.ReconciledAt = ptr(at(2))
		open := newInvoice(a, at(2))
		open.State, open.PaidAt = billd.InvoiceOpen, nil
		zero := newInvoice(a, at(3))
		zero.Kind, zero.Amount, zero.Credits = billd.InvoiceSubscription, 0, 0
		subscription := newInvoice(old, at(4)) // paid, not reconciled, but not an overdraft invoice
		subscription.Kind = billd.InvoiceSubscription
		others := newInvoice(b, at(5))
		insertInvoices(t, s.DB, unreconciled, reconciled, open, zero, subscription, others)
		for _, c := range []struct {
			name string
			q    billd.InvoiceQuery
			want []*billd.Invoice
		}{
			{"all, newest first", billd.InvoiceQuery{}, []*billd.Invoice{others, subscription, zero, open, reconciled, unreconciled}},
			{"account", billd.InvoiceQuery{AccountID: a.ID}, []*billd.Invoice{zero, open, reconciled, unreconciled}},
			{"organization", billd.InvoiceQuery{OrgID: acme.ID}, []*billd.Invoice{subscription, zero, open, reconciled, unreconciled}},
			{"organization, other account", billd.InvoiceQuery{OrgID: acme.ID, AccountID: b.ID}, nil},
			{"state", billd.InvoiceQuery{State: billd.InvoiceOpen}, []*billd.Invoice{open}},
			{"non-zero of the account", billd.InvoiceQuery{AccountID: a.ID, NonZeroOnly: true}, []*billd.Invoice{open, reconciled, unreconciled}},
			{"unreconciled", billd.InvoiceQuery{Unreconciled: true}, []*billd.Invoice{others, unreconciled}},
			{"unreconciled of the organization", billd.InvoiceQuery{OrgID: acme.ID, Unreconciled: true}, []*billd.Invoice{unreconciled}},
			{"unreconciled and open", billd.InvoiceQuery{Unreconciled: true, State: billd.InvoiceOpen}, nil},
			{"limit", billd.InvoiceQuery{Limit: 2}, []*billd.Invoice{others, subscription}},
			{"after", billd.InvoiceQuery{OrgID: acme.ID, Limit: 2,
				After: &billd.Cursor{At: zero.CreatedAt, ID: zero.ID}}, []*billd.Invoice{open, reconciled}},
			{"other organization", billd.InvoiceQuery{OrgID: billd.NewUUID()}, nil},
		} {
			view(t, s.DB, func(tx billd.Tx) error {
				got, err := tx.Invoices(ctx, c.q)
				if !reflect.DeepEqual(invoiceIDs(got), invoiceIDs(c.want)) {
					t.Errorf("%s: got %v, want %v", c.name, invoiceIDs(got), invoiceIDs(c.want))
				}
				return err
			})
		}
	})
}

func TestInvoicesPageNewestFirst(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		a, _, mine := pagedItems(t, s.DB, t0.Add(time.Second), newInvoice, insertInvoices)
		pageNewestFirst(t, s.DB, len(mine), a.ID, func(inv *billd.Invoice) keyed { return keyed{inv.ID, inv.AccountID, inv.CreatedAt} },
			func(tx billd.Tx, after *billd.Cursor, limit int) ([]*billd.Invoice, error) {
				return tx.Invoices(ctx, billd.InvoiceQuery{AccountID: a.ID, After: after, Limit: limit})
			})
	})
}

// setCreditMin gives account a the credit line min (negative: postpaid) and the state.
func setCreditMin(t *testing.T, db *sqlstore.DB, a *billd.BillingAccount, min int64, state billd.AccountState) {
	t.Helper()
	a.CreditMin, a.State = min, state
	mustUpdate(t, db, func(tx billd.Tx) error { return tx.UpdateBillingAccount(context.Background(), a) })
}

func accountIDs(as []*billd.BillingAccount) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.ID)
	}
	return out
}

func TestPostpaidAccounts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		account := func(name string, min int64, state billd.AccountState) *billd.BillingAccount {
			a := newAccount(t, s.DB, newOrg(t, s.DB, name, t0).ID, billd.AccountActive, t0)
			setCreditMin(t, s.DB, a, min, state)
			return a
		}
		var postpaid []string
		for _, name := range []string{"p1", "p2", "p3", "p4", "p5"} {
			postpaid = append(postpaid, account(name, -1000, billd.AccountActive).ID)
		}
		account("prepaid", 0, billd.AccountActive)
		account("credit", 500, billd.AccountActive)
		account("disabled", -1000, billd.AccountDisabled)
		account("closed", -1000, billd.AccountClosed)
		want := append([]string(nil), postpaid...)
		slices.Sort(want) // byte order, the order of ids in both databases

		var got []string
		after := ""
		view(t, s.DB, func(tx billd.Tx) error {
			for range 10 {
				page, err := tx.PostpaidAccounts(ctx, after, 2)
				if err != nil {
					return err
				}
				for _, a := range page {
					if a.CreditMin != -1000 || a.State != billd.AccountActive || a.LedgerCurrency != billd.CreditCurrency {
						t.Errorf("postpaid account read as %+v", a)
					}
				}
				got = append(got, accountIDs(page)...)
				if len(page) < 2 {
					return nil
				}
				after = page[len(page)-1].ID
			}
			t.Fatal("paging does not end")
			return nil
		})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("postpaid accounts by id, two a page:\n got %v\nwant %v", got, want)
		}
		view(t, s.DB, func(tx billd.Tx) error {
			all, err := tx.PostpaidAccounts(ctx, "", 0)
			if !reflect.DeepEqual(accountIDs(all), want) {
				t.Errorf("no limit: got %v, want %v", accountIDs(all), want)
			}
			rest, err2 := tx.PostpaidAccounts(ctx, want[2], 10)
			if !reflect.DeepEqual(accountIDs(rest), want[3:]) {
				t.Errorf("after the third: got %v, want %v", accountIDs(rest), want[3:])
			}
			return errors.Join(err, err2)
		})
	})
}

func TestOrganizationSeats(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		o := &billd.Organization{ID: billd.NewUUID(), Name: "acme", Title: "Acme", Metadata: billd.Metadata{},
			Seats: 12, State: billd.OrgEnabled, CreatedAt: t0, UpdatedAt: t0}
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.InsertOrganization(ctx, o) })
		plain := newOrg(t, s.DB, "plain", t0.Add(time.Second))
		read := func(id string) *billd.Organization {
			t.Helper()
			var got *billd.Organization
			view(t, s.DB, func(tx billd.Tx) (err error) {
				got, err = tx.Organization(ctx, id)
				return err
			})
			return got
		}
		if got := read(o.ID); !reflect.DeepEqual(got, o) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, o)
		}
		if got := read(plain.ID); got.Seats != 0 {
			t.Errorf("an organization inserted without seats has %d", got.Seats)
		}
		o.Seats, plain.Seats = 0, 3
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			if err := tx.UpdateOrganization(ctx, o); err != nil {
				return err
			}
			return tx.UpdateOrganization(ctx, plain)
		})
		view(t, s.DB, func(tx billd.Tx) error {
			list, err := tx.Organizations(ctx, billd.OrganizationQuery{Limit: 10})
			if len(list) != 2 || list[0].Seats != 0 || list[1].Seats != 3 {
				t.Errorf("after update, seats %v", list)
			}
			return err
		})
		o.Seats = -1
		if err := update(t, s.DB, func(tx billd.Tx) error { return tx.UpdateOrganization(ctx, o) }); err == nil {
			t.Error("the database stored negative seats")
		}
	})
}
