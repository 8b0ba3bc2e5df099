package billd_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// This file tests what bounds the data a client can make billd store: metadata per object,
// objects per organization, and text a store cannot keep.

// metadataOf returns metadata whose JSON text is exactly n bytes long (n ≥ 10).
func metadataOf(n int) billd.Metadata {
	return billd.Metadata{"k": strings.Repeat("x", n-len(`{"k":""}`))}
}

func TestMetadataIsCappedPerObject(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		const max = 64
		f := newFixtureConfig(t, s, billd.Config{Limits: billd.Limits{MaxMetadataBytes: max}})
		o := f.newOrg(t)
		ctx := t.Context()
		for _, c := range []struct {
			name string
			call func(billd.Metadata) error
		}{
			{"organization", func(m billd.Metadata) error {
				_, err := f.svc.CreateOrganization(ctx, sys, billd.OrganizationInput{Name: f.name("org"), Metadata: m})
				return err
			}},
			{"organization update", func(m billd.Metadata) error {
				_, err := f.svc.UpdateOrganization(ctx, sys, o.ID, billd.OrganizationInput{Name: o.Name, Metadata: m})
				return err
			}},
			{"project", func(m billd.Metadata) error {
				_, err := f.svc.CreateProject(ctx, sys, billd.ProjectInput{Name: f.name("p"), OrgID: o.ID, Metadata: m})
				return err
			}},
			{"billing account", func(m billd.Metadata) error {
				_, err := f.svc.UpdateBillingAccount(ctx, sys, o.ID, o.AccountID, billd.BillingAccountInput{Metadata: m})
				return err
			}},
			{"grant", func(m billd.Metadata) error {
				_, err := f.svc.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: o.ID, BillingID: o.AccountID, ID: billd.NewUUID(), Amount: 1, Metadata: m})
				return err
			}},
			{"usage", func(m billd.Metadata) error {
				u := usage(1)
				u.Metadata = m
				return f.report(t, o, u)
			}},
		} {
			if err := c.call(metadataOf(max)); err != nil {
				t.Errorf("%s with %d bytes of metadata: %v", c.name, max, err)
			}
			err := c.call(metadataOf(max + 1))
			if billd.ErrorCode(err) != billd.EINVALID || !strings.Contains(billd.ErrorMessage(err), "metadata") {
				t.Errorf("%s with %d bytes of metadata: %v, want EINVALID naming the metadata", c.name, max+1, err)
			}
		}
	})
}

func TestOrganizationQuotas(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixtureConfig(t, s, billd.Config{Limits: billd.Limits{MaxProjectsPerOrg: 2, MaxAccountsPerOrg: 2, MaxClientsPerOrg: 2}})
		ctx := t.Context()
		o := f.newOrg(t) // one account

		var projects []string
		for range 2 {
			p, err := f.svc.CreateProject(ctx, sys, billd.ProjectInput{Name: f.name("p"), OrgID: o.ID})
			must(t, err)
			projects = append(projects, p.ID)
		}
		_, err := f.svc.CreateProject(ctx, sys, billd.ProjectInput{Name: f.name("p"), OrgID: o.ID})
		wantCode(t, err, billd.EQUOTA, "the organization already has the most projects it may have (2)")
		must(t, f.svc.DeleteProject(ctx, sys, projects[0]))
		_, err = f.svc.CreateProject(ctx, sys, billd.ProjectInput{Name: f.name("p"), OrgID: o.ID})
		must(t, err) // a closed project no longer counts

		must(t, f.svc.SetBillingAccountState(ctx, sys, o.ID, o.AccountID, billd.AccountDisabled))
		second, err := f.svc.CreateBillingAccount(ctx, sys, o.ID, billd.BillingAccountInput{Name: "second"})
		must(t, err)
		must(t, f.svc.SetBillingAccountState(ctx, sys, o.ID, second.ID, billd.AccountDisabled))
		_, err = f.svc.CreateBillingAccount(ctx, sys, o.ID, billd.BillingAccountInput{Name: "third"})
		wantCode(t, err, billd.EQUOTA, "the organization already has the most billing accounts it may have (2)")

		var clients []string
		for range 2 {
			c, err := f.svc.CreateClient(ctx, sys, billd.ClientInput{Role: billd.RoleMember, OrgID: o.ID})
			must(t, err)
			clients = append(clients, c.Client.ID)
		}
		_, err = f.svc.CreateClient(ctx, sys, billd.ClientInput{Role: billd.RoleMember, OrgID: o.ID})
		wantCode(t, err, billd.EQUOTA, "the organization already has the most clients it may have (2)")
		must(t, f.svc.RevokeClient(ctx, sys, clients[0]))
		_, err = f.svc.CreateClient(ctx, sys, billd.ClientInput{Role: billd.RoleMember, OrgID: o.ID})
		must(t, err) // a revoked client no longer counts
	})
}

// TestQuotaHoldsUnderConcurrentCreates creates projects at once: the count runs under the
// organization's lock, so the quota is never passed.
func TestQuotaHoldsUnderConcurrentCreates(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixtureConfig(t, s, billd.Config{Limits: billd.Limits{MaxProjectsPerOrg: 3}})
		o := f.newOrg(t)
		errs := race(8, func(i int) error {
			_, err := f.svc.CreateProject(t.Context(), sys, billd.ProjectInput{Name: f.name("p"), OrgID: o.ID})
			return err
		})
		got := outcomes(errs)
		if got["ok"] != 3 || got[billd.EQUOTA+": the organization already has the most projects it may have (3)"] != 5 {
			t.Fatalf("outcomes = %v, want 3 ok and 5 over the quota", got)
		}
	})
}

// TestNULIsRefusedOnEveryStore sends a NUL character in every text field a client sets: PostgreSQL
// cannot store one (a 500, and a usage batch that failed on every retry), SQLite would. Both
// refuse it as EINVALID naming the field, and nothing is stored.
func TestNULIsRefusedOnEveryStore(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()
		o := f.newOrg(t)
		f.grant(t, o, 100)
		u := f.use(t, o, 10)
		before := f.state(t, o)
		const nul = "a\x00b"
		withUsage := func(change func(*billd.Usage)) func() error {
			return func() error {
				u := usage(1)
				change(&u)
				return f.report(t, o, u)
			}
		}
		for _, c := range []struct {
			field string
			call  func() error
		}{
			{"description", withUsage(func(u *billd.Usage) { u.Description = nul })},
			{"user id", withUsage(func(u *billd.Usage) { u.UserID = nul })},
			{"source", withUsage(func(u *billd.Usage) { u.Source = nul })},
			{"description", func() error {
				_, err := f.svc.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: o.ID, BillingID: o.AccountID, ID: billd.NewUUID(), Amount: 1, Description: nul})
				return err
			}},
			{"title", func() error {
				_, err := f.svc.UpdateOrganization(ctx, sys, o.ID, billd.OrganizationInput{Name: o.Name, Title: nul})
				return err
			}},
			{"avatar", func() error {
				_, err := f.svc.CreateOrganization(ctx, sys, billd.OrganizationInput{Name: f.name("org"), Avatar: nul})
				return err
			}},
			{"name", func() error {
				_, err := f.svc.UpdateBillingAccount(ctx, sys, o.ID, o.AccountID, billd.BillingAccountInput{Name: nul})
				return err
			}},
			{"email", func() error {
				_, err := f.svc.UpdateBillingAccount(ctx, sys, o.ID, o.AccountID, billd.BillingAccountInput{Email: "a\x00@b.c"})
				return err
			}},
			{"title", func() error {
				_, err := f.svc.CreateProject(ctx, sys, billd.ProjectInput{Name: f.name("p"), OrgID: o.ID, Title: nul})
				return err
			}},
			{"name", func() error {
				_, err := f.svc.CreateClient(ctx, sys, billd.ClientInput{Name: nul, Role: billd.RoleMeter})
				return err
			}},
		} {
			err := c.call()
			if billd.ErrorCode(err) != billd.EINVALID || !strings.Contains(billd.ErrorMessage(err), c.field) {
				t.Errorf("NUL in %s: %v (code %q), want EINVALID naming %q", c.field, err, billd.ErrorCode(err), c.field)
			}
		}
		f.wantUnchanged(t, o, before)
		if err := f.revert(t, o, u, 1); err != nil {
			t.Fatalf("the ledger no longer works after the refused requests: %v", err)
		}
	})
}

// TestForgedPageTokensAreInvalid sends well-formed page tokens whose id is not an id of the list:
// on PostgreSQL such an id once reached the uuid column as a 500.
func TestForgedPageTokensAreInvalid(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()
		o := f.newOrg(t)
		for _, id := range []string{"not-a-uuid", "a\x00b", "'; DROP TABLE transfers; --", strings.Repeat("9", 300)} {
			b, _ := json.Marshal(map[string]any{"t": time.Now().UTC(), "i": id})
			page := billd.PageRequest{PageToken: base64.RawURLEncoding.EncodeToString(b)}
			calls := map[string]func() error{
				"organizations": func() error { _, err := f.svc.ListOrganizations(ctx, sys, "", page); return err },
				"projects":      func() error { _, err := f.svc.ListProjects(ctx, sys, o.ID, "", page); return err },
				"accounts":      func() error { _, err := f.svc.ListBillingAccounts(ctx, sys, o.ID, page); return err },
				"all accounts":  func() error { _, err := f.svc.ListAllBillingAccounts(ctx, sys, "", page); return err },
				"clients":       func() error { _, err := f.svc.ListClients(ctx, sys, "", page); return err },
				"transactions": func() error {
					_, _, err := f.svc.ListTransactions(ctx, sys, billd.TransactionQuery{OrgID: o.ID, Page: page})
					return err
				},
			}
			if id == "not-a-uuid" {
				delete(calls, "clients") // a client id may be any short name
			}
			for name, call := range calls {
				err := call()
				if billd.ErrorCode(err) != billd.EINVALID || billd.ErrorMessage(err) != "the page token is not a token this server issued" {
					t.Errorf("%s with a token of id %q: %v (code %q), want EINVALID", name, id, err, billd.ErrorCode(err))
				}
			}
		}
	})
}

// TestDisabledOrganization checks what a disabled organization refuses (renames, new clients) and
// what it still takes on purpose (grants and reverts: money owed to it).
func TestDisabledOrganization(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := t.Context()
		o := f.newOrg(t)
		f.grant(t, o, 100)
		u := f.use(t, o, 30)
		must(t, f.svc.SetOrganizationState(ctx, sys, o.ID, billd.OrgDisabled))

		_, err := f.svc.UpdateOrganization(ctx, sys, o.ID, billd.OrganizationInput{Name: f.name("renamed")})
		wantCode(t, err, billd.EPRECONDITION, "organization is disabled")
		_, err = f.svc.CreateClient(ctx, sys, billd.ClientInput{Role: billd.RoleOwner, OrgID: o.ID})
		wantCode(t, err, billd.EPRECONDITION, "organization is disabled")
		wantCode(t, f.report(t, o, usage(1)), billd.EPRECONDITION, "organization is disabled")

		f.grant(t, o, 5)
		must(t, f.revert(t, o, u, 10))
		f.wantBalance(t, o, 85)
	})
}

func TestCustomerIDIgnoresCase(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		o := f.newOrg(t)
		f.grant(t, o, 100)
		u := usage(10)
		u.CustomerID = strings.ToUpper(o.AccountID)
		must(t, f.report(t, o, u))
		f.wantBalance(t, o, 90)
	})
}

// TestAuthorizationComesBeforeValidation sends invalid input as a member of another organization:
// it learns that it is not authorized, never why its input is invalid.
func TestAuthorizationComesBeforeValidation(t *testing.T) {
	f := newFixture(t, sqltest.Open(t, "sqlite"))
	ctx := t.Context()
	o, other := f.newOrg(t), f.newOrg(t)
	stranger := billd.Principal{ClientID: "stranger", Role: billd.RoleOwner, OrgID: other.ID}
	tooLong := strings.Repeat("x", 5000)
	bad := billd.PageRequest{PageToken: "garbage"}
	for name, call := range map[string]func() error{
		"UpdateOrganization": func() error {
			_, err := f.svc.UpdateOrganization(ctx, stranger, o.ID, billd.OrganizationInput{Name: "!"})
			return err
		},
		"CreateProject": func() error {
			_, err := f.svc.CreateProject(ctx, stranger, billd.ProjectInput{Name: "!", OrgID: o.ID})
			return err
		},
		"CreateBillingAccount": func() error {
			_, err := f.svc.CreateBillingAccount(ctx, stranger, o.ID, billd.BillingAccountInput{Currency: "dollars"})
			return err
		},
		"UpdateBillingAccount": func() error {
			_, err := f.svc.UpdateBillingAccount(ctx, stranger, o.ID, o.AccountID, billd.BillingAccountInput{Name: tooLong})
			return err
		},
		"UpdateAccountDetails": func() error {
			days := int64(-1)
			return f.svc.UpdateAccountDetails(ctx, stranger, o.ID, o.AccountID, billd.AccountDetailsUpdate{DueInDays: &days})
		},
		"CreateClient": func() error {
			_, err := f.svc.CreateClient(ctx, stranger, billd.ClientInput{Role: "boss", OrgID: o.ID})
			return err
		},
		"ListProjects": func() error { _, err := f.svc.ListProjects(ctx, stranger, o.ID, "weird", bad); return err },
		"ListBillingAccounts": func() error {
			_, err := f.svc.ListBillingAccounts(ctx, stranger, o.ID, bad)
			return err
		},
		"ListClients": func() error { _, err := f.svc.ListClients(ctx, stranger, o.ID, bad); return err },
		"ListTransactions": func() error {
			_, _, err := f.svc.ListTransactions(ctx, stranger, billd.TransactionQuery{OrgID: o.ID, Page: bad,
				Start: t0, End: t0.Add(-time.Hour)})
			return err
		},
		"CheckCredit": func() error { _, err := f.svc.CheckCredit(ctx, stranger, o.ID, -1); return err },
	} {
		if err := call(); billd.ErrorCode(err) != billd.EFORBIDDEN {
			t.Errorf("%s by a stranger with invalid input: %v (code %q), want %q", name, err, billd.ErrorCode(err), billd.EFORBIDDEN)
		}
	}
	// A project's organization is known only once the project is read: its update is refused to
	// anyone who may not update that organization, whatever the input.
	p, err := f.svc.CreateProject(ctx, sys, billd.ProjectInput{Name: f.name("p"), OrgID: o.ID})
	must(t, err)
	_, err = f.svc.UpdateProject(ctx, stranger, p.ID, billd.ProjectInput{Name: "!"})
	if code := billd.ErrorCode(err); code != billd.ENOTFOUND && code != billd.EFORBIDDEN {
		t.Errorf("UpdateProject by a stranger with invalid input: %v, want not found or forbidden", err)
	}
}
