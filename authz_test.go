package billd_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// This file tests who may do what (DESIGN.md §4) with principals of real, authenticated clients.
// Authorization does not depend on the database, so SQLite is enough.

// The principals of the authorization table, by name.
const (
	platformAdmin = "platform admin"
	platformMeter = "platform meter"
	ownerA        = "owner of A"
	adminA        = "admin of A"
	memberA       = "member of A"
	ownerB        = "owner of B"
)

var principalNames = []string{platformAdmin, platformMeter, ownerA, adminA, memberA, ownerB}

// client creates an API client as a platform admin and returns it with its secret and key.
func (f *fixture) client(t *testing.T, in billd.ClientInput) *billd.NewAPIClient {
	t.Helper()
	nc, err := f.svc.CreateClient(t.Context(), sys, in)
	if err != nil {
		t.Fatalf("create client %+v: %v", in, err)
	}
	return nc
}

// login authenticates nc both with its id and secret and with its API key, checks that both give
// the principal the client was made for, and returns it.
func (f *fixture) login(t *testing.T, nc *billd.NewAPIClient) billd.Principal {
	t.Helper()
	want := billd.Principal{ClientID: nc.Client.ID, Role: nc.Client.Role, OrgID: nc.Client.OrgID}
	for _, cred := range []billd.Credentials{
		{ClientID: nc.Client.ID, Secret: nc.Secret},
		{APIKey: nc.APIKey},
	} {
		p, err := f.svc.Authenticate(t.Context(), cred)
		if err != nil {
			t.Fatalf("authenticate %s with %s: %v", nc.Client.ID, credKind(cred), err)
		}
		if p != want {
			t.Fatalf("authenticate with %s = %+v, want %+v", credKind(cred), p, want)
		}
	}
	return want
}

func credKind(c billd.Credentials) string {
	if c.APIKey != "" {
		return "API key"
	}
	return "client id and secret"
}

// wantRejected fails the test unless cred is refused with EUNAUTHORIZED "invalid credentials".
func (f *fixture) wantRejected(t *testing.T, cred billd.Credentials) {
	t.Helper()
	p, err := f.svc.Authenticate(t.Context(), cred)
	if err == nil {
		t.Fatalf("authenticate %+v = %+v, want EUNAUTHORIZED", cred, p)
	}
	wantCode(t, err, billd.EUNAUTHORIZED, "invalid credentials")
}

// spareAccount makes a disabled billing account of o, next to its active one, for a call to
// change or delete.
func (f *fixture) spareAccount(t *testing.T, o org) string {
	t.Helper()
	ctx := t.Context()
	must(t, f.svc.SetBillingAccountState(ctx, sys, o.ID, o.AccountID, billd.AccountDisabled))
	a, err := f.svc.CreateBillingAccount(ctx, sys, o.ID, billd.BillingAccountInput{Name: f.name("spare")})
	must(t, err)
	must(t, f.svc.SetBillingAccountState(ctx, sys, o.ID, a.ID, billd.AccountDisabled))
	must(t, f.svc.SetBillingAccountState(ctx, sys, o.ID, o.AccountID, billd.AccountActive))
	return a.ID
}

func TestAuthorization(t *testing.T) {
	f := newFixture(t, sqltest.Open(t, "sqlite"))
	ctx := t.Context()
	a, b := f.newOrg(t), f.newOrg(t)
	f.grant(t, a, 1_000_000)
	f.grant(t, b, 1_000)
	bigUsage := f.use(t, a, 10_000) // reverted 1 credit at a time below
	inputs := map[string]billd.ClientInput{
		platformAdmin: {Role: billd.RoleAdmin},
		platformMeter: {Role: billd.RoleMeter},
		ownerA:        {Role: billd.RoleOwner, OrgID: a.ID},
		adminA:        {Role: billd.RoleAdmin, OrgID: a.ID},
		memberA:       {Role: billd.RoleMember, OrgID: a.ID},
		ownerB:        {Role: billd.RoleOwner, OrgID: b.ID},
	}
	clients := map[string]*billd.NewAPIClient{}
	principals := map[string]billd.Principal{}
	for _, name := range principalNames {
		clients[name] = f.client(t, inputs[name])
		principals[name] = f.login(t, clients[name])
	}

	orgRoles := []string{platformAdmin, ownerA, adminA, memberA}
	readers := append([]string{platformMeter}, orgRoles...)
	updaters := []string{platformAdmin, ownerA, adminA}
	owners := []string{platformAdmin, ownerA}
	admins := []string{platformAdmin}
	metering := []string{platformAdmin, platformMeter}

	type call func(t *testing.T, p billd.Principal) error
	ops := []struct {
		name    string
		allowed []string          // these succeed; the others get EFORBIDDEN...
		denied  map[string]string // ...or the code given here
		call    call
	}{
		// Usage and reverts: the metering service, or a platform admin.
		{"ReportUsage", metering, nil, func(t *testing.T, p billd.Principal) error {
			return f.svc.ReportUsage(ctx, p, billd.UsageReport{OrgID: a.ID, Usages: []billd.Usage{usage(1)}})
		}},
		{"RevertUsage", metering, nil, func(t *testing.T, p billd.Principal) error {
			return f.svc.RevertUsage(ctx, p, billd.RevertRequest{OrgID: a.ID, UsageID: bigUsage, Amount: 1})
		}},

		// Reads of balances: every role of the organization and the meter.
		{"Balance", readers, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.Balance(ctx, p, a.ID, a.AccountID)
			return err
		}},
		{"DebitedTotal", readers, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.DebitedTotal(ctx, p, a.ID, a.AccountID)
			return err
		}},
		{"CheckCredit", readers, nil, func(t *testing.T, p billd.Principal) error {
			ok, err := f.svc.CheckCredit(ctx, p, a.ID, 1)
			if err == nil && !ok {
				return fmt.Errorf("CheckCredit = false for a funded account")
			}
			return err
		}},

		// Reads of the organization: its roles and platform admins, not the meter.
		{"Organization", orgRoles, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.Organization(ctx, p, a.ID)
			return err
		}},
		{"BillingAccount", orgRoles, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.BillingAccount(ctx, p, a.ID, a.AccountID)
			return err
		}},
		{"ListBillingAccounts", orgRoles, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.ListBillingAccounts(ctx, p, a.ID, billd.PageRequest{})
			return err
		}},
		{"ListTransactions", orgRoles, nil, func(t *testing.T, p billd.Principal) error {
			_, _, err := f.svc.ListTransactions(ctx, p, billd.TransactionQuery{OrgID: a.ID})
			return err
		}},
		{"BalanceSeries", orgRoles, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.BalanceSeries(ctx, p, a.ID, a.AccountID, t0, t0)
			return err
		}},
		{"UsageByDay", orgRoles, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.UsageByDay(ctx, p, a.ID, a.AccountID, t0, t0)
			return err
		}},
		{"ListOrganizations", []string{platformAdmin, ownerA, adminA, memberA, ownerB}, nil,
			func(t *testing.T, p billd.Principal) error {
				page, err := f.svc.ListOrganizations(ctx, p, "", billd.PageRequest{})
				if err != nil {
					return err
				}
				for _, o := range page.Items {
					if p.OrgID != "" && o.ID != p.OrgID {
						return fmt.Errorf("ListOrganizations shows %s to a principal of %s", o.Name, p.OrgID)
					}
				}
				return nil
			}},

		// Changes to the organization: its owner and admins.
		{"UpdateOrganization", updaters, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.UpdateOrganization(ctx, p, a.ID, billd.OrganizationInput{Name: a.Name, Title: f.name("title")})
			return err
		}},
		{"CreateProject", updaters, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.CreateProject(ctx, p, billd.ProjectInput{OrgID: a.ID, Name: f.name("proj")})
			return err
		}},

		// Billing accounts, the organization's state and its clients: its owner.
		{"CreateBillingAccount", owners, nil, func(t *testing.T, p billd.Principal) error {
			must(t, f.svc.SetBillingAccountState(ctx, sys, a.ID, a.AccountID, billd.AccountDisabled))
			created, err := f.svc.CreateBillingAccount(ctx, p, a.ID, billd.BillingAccountInput{Name: f.name("new")})
			if err == nil {
				must(t, f.svc.DeleteBillingAccount(ctx, sys, a.ID, created.ID))
			}
			must(t, f.svc.SetBillingAccountState(ctx, sys, a.ID, a.AccountID, billd.AccountActive))
			return err
		}},
		{"UpdateBillingAccount", owners, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.UpdateBillingAccount(ctx, p, a.ID, a.AccountID, billd.BillingAccountInput{Name: f.name("renamed")})
			return err
		}},
		{"SetBillingAccountState", owners, nil, func(t *testing.T, p billd.Principal) error {
			return f.svc.SetBillingAccountState(ctx, p, a.ID, f.spareAccount(t, a), billd.AccountDisabled)
		}},
		{"DeleteBillingAccount", owners, nil, func(t *testing.T, p billd.Principal) error {
			id := f.spareAccount(t, a)
			err := f.svc.DeleteBillingAccount(ctx, p, a.ID, id)
			if _, getErr := f.svc.BillingAccount(ctx, sys, a.ID, id); err != nil && getErr != nil {
				return fmt.Errorf("a refused delete closed the account: %v", getErr)
			}
			return err
		}},
		{"SetOrganizationState", owners, nil, func(t *testing.T, p billd.Principal) error {
			return f.svc.SetOrganizationState(ctx, p, a.ID, billd.OrgEnabled)
		}},
		{"CreateClient of A", owners, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.CreateClient(ctx, p, billd.ClientInput{Role: billd.RoleMember, OrgID: a.ID})
			return err
		}},
		{"CreateClient of B", []string{platformAdmin, ownerB}, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.CreateClient(ctx, p, billd.ClientInput{Role: billd.RoleOwner, OrgID: b.ID})
			return err
		}},
		{"ListClients of A", owners, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.ListClients(ctx, p, a.ID, billd.PageRequest{})
			return err
		}},
		{"RevokeClient of A", owners, map[string]string{ownerB: billd.ENOTFOUND}, func(t *testing.T, p billd.Principal) error {
			victim := f.client(t, billd.ClientInput{Role: billd.RoleMember, OrgID: a.ID})
			return f.svc.RevokeClient(ctx, p, victim.Client.ID)
		}},
		{"DeleteOrganization of A", owners, nil, func(t *testing.T, p billd.Principal) error {
			return f.svc.DeleteOrganization(ctx, p, a.ID)
		}},

		// The ledger's rules and the platform: platform admins only.
		{"AccountDetails", admins, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.AccountDetails(ctx, p, a.ID, a.AccountID)
			return err
		}},
		{"UpdateAccountDetails", admins, nil, func(t *testing.T, p billd.Principal) error {
			creditMin := int64(-10)
			return f.svc.UpdateAccountDetails(ctx, p, a.ID, a.AccountID, billd.AccountDetailsUpdate{CreditMin: &creditMin})
		}},
		{"GrantCredits", admins, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.GrantCredits(ctx, p, billd.GrantRequest{OrgID: a.ID, BillingID: a.AccountID,
				ID: billd.NewUUID(), Amount: 1})
			return err
		}},
		{"ListAllBillingAccounts", admins, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.ListAllBillingAccounts(ctx, p, "", billd.PageRequest{})
			return err
		}},
		{"ListAllBillingAccounts of A", admins, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.ListAllBillingAccounts(ctx, p, a.ID, billd.PageRequest{})
			return err
		}},
		{"VerifyLedger", admins, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.VerifyLedger(ctx, p)
			return err
		}},
		{"CreateOrganization", admins, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.CreateOrganization(ctx, p, billd.OrganizationInput{Name: f.name("neworg")})
			return err
		}},
		{"CreateClient platform meter", admins, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.CreateClient(ctx, p, billd.ClientInput{Role: billd.RoleMeter})
			return err
		}},
		{"CreateClient platform admin", admins, nil, func(t *testing.T, p billd.Principal) error {
			_, err := f.svc.CreateClient(ctx, p, billd.ClientInput{Role: billd.RoleAdmin})
			return err
		}},
	}

	// These calls run only for the principals that must be refused: letting one succeed would end
	// the table. Their allowed calls are tested after it.
	refusalsOnly := map[string]bool{"DeleteOrganization of A": true}
	for _, op := range ops {
		for _, name := range principalNames {
			if refusalsOnly[op.name] && slices.Contains(op.allowed, name) {
				continue
			}
			t.Run(op.name+"/"+name, func(t *testing.T) {
				before := f.verify(t)
				err := op.call(t, principals[name])
				if slices.Contains(op.allowed, name) {
					if err != nil {
						t.Fatalf("%s may call %s, got %v", name, op.name, err)
					}
					return
				}
				want := billd.EFORBIDDEN
				if code, ok := op.denied[name]; ok {
					want = code
				}
				wantCode(t, err, want)
				if after := f.verify(t); after.Transfers != before.Transfers {
					t.Fatalf("a refused %s moved money: %d transfers before, %d after", op.name, before.Transfers, after.Transfers)
				}
			})
		}
	}

	// The owner of A may delete A; its clients stop working, B's do not.
	t.Run("owner deletes the organization", func(t *testing.T) {
		must(t, f.svc.DeleteOrganization(ctx, principals[ownerA], a.ID))
		_, err := f.svc.Organization(ctx, sys, a.ID)
		wantCode(t, err, billd.ENOTFOUND)
		for _, name := range []string{ownerA, adminA, memberA} {
			f.wantRejected(t, billd.Credentials{ClientID: clients[name].Client.ID, Secret: clients[name].Secret})
			f.wantRejected(t, billd.Credentials{APIKey: clients[name].APIKey})
		}
		f.login(t, clients[ownerB])
		_, err = f.svc.Balance(ctx, principals[ownerB], b.ID, b.AccountID)
		must(t, err)
	})
}

func TestAuthenticate(t *testing.T) {
	f := newFixture(t, sqltest.Open(t, "sqlite"))
	ctx := t.Context()
	a := f.newOrg(t)
	member := f.client(t, billd.ClientInput{Role: billd.RoleMember, OrgID: a.ID})
	other := f.client(t, billd.ClientInput{Role: billd.RoleMeter})
	f.login(t, member)
	f.login(t, other)

	for name, cred := range map[string]billd.Credentials{
		"wrong secret":              {ClientID: member.Client.ID, Secret: member.Secret + "x"},
		"another client's secret":   {ClientID: member.Client.ID, Secret: other.Secret},
		"empty secret":              {ClientID: member.Client.ID},
		"API key as secret":         {ClientID: member.Client.ID, Secret: member.APIKey},
		"unknown client id":         {ClientID: billd.NewUUID(), Secret: member.Secret},
		"client id not an id":       {ClientID: "no such/client", Secret: member.Secret},
		"wrong API key":             {APIKey: member.APIKey + "x"},
		"secret as API key":         {APIKey: member.Secret},
		"nothing":                   {},
		"secret hash as the secret": {ClientID: member.Client.ID, Secret: member.Client.SecretHash},
	} {
		t.Run(name, func(t *testing.T) { f.wantRejected(t, cred) })
	}

	t.Run("revoked client", func(t *testing.T) {
		owner := f.client(t, billd.ClientInput{Role: billd.RoleOwner, OrgID: a.ID})
		victim := f.client(t, billd.ClientInput{Role: billd.RoleMember, OrgID: a.ID})
		f.login(t, victim)
		must(t, f.svc.RevokeClient(ctx, f.login(t, owner), victim.Client.ID))
		f.wantRejected(t, billd.Credentials{ClientID: victim.Client.ID, Secret: victim.Secret})
		f.wantRejected(t, billd.Credentials{APIKey: victim.APIKey})
		wantCode(t, f.svc.RevokeClient(ctx, sys, victim.Client.ID), billd.ENOTFOUND)
		f.login(t, member) // others are untouched
	})

	t.Run("clients of a deleted organization", func(t *testing.T) {
		o := f.newOrg(t)
		c := f.client(t, billd.ClientInput{Role: billd.RoleOwner, OrgID: o.ID})
		f.login(t, c)
		must(t, f.svc.DeleteOrganization(ctx, sys, o.ID))
		f.wantRejected(t, billd.Credentials{ClientID: c.Client.ID, Secret: c.Secret})
		f.wantRejected(t, billd.Credentials{APIKey: c.APIKey})
	})
}

func TestLastPlatformAdminCannotBeRevoked(t *testing.T) {
	f := newFixture(t, sqltest.Open(t, "sqlite"))
	ctx := t.Context()
	first := f.client(t, billd.ClientInput{Role: billd.RoleAdmin})
	p1 := f.login(t, first)
	meterClient := f.client(t, billd.ClientInput{Role: billd.RoleMeter})

	wantCode(t, f.svc.RevokeClient(ctx, sys, first.Client.ID), billd.EPRECONDITION)
	wantCode(t, f.svc.RevokeClient(ctx, p1, first.Client.ID), billd.EPRECONDITION)
	f.login(t, first)

	second := f.client(t, billd.ClientInput{Role: billd.RoleAdmin})
	p2 := f.login(t, second)
	must(t, f.svc.RevokeClient(ctx, p2, first.Client.ID))
	f.wantRejected(t, billd.Credentials{ClientID: first.Client.ID, Secret: first.Secret})
	wantCode(t, f.svc.RevokeClient(ctx, p2, second.Client.ID), billd.EPRECONDITION)
	f.login(t, second)

	// Revoking a meter is not guarded by the rule, and a meter revokes nobody.
	pm := f.login(t, meterClient)
	wantCode(t, f.svc.RevokeClient(ctx, pm, second.Client.ID), billd.EFORBIDDEN)
	must(t, f.svc.RevokeClient(ctx, p2, meterClient.Client.ID))
	f.wantRejected(t, billd.Credentials{APIKey: meterClient.APIKey})
}

func TestOwnerCreatesClientsOfItsOwnOrganization(t *testing.T) {
	f := newFixture(t, sqltest.Open(t, "sqlite"))
	ctx := t.Context()
	a, b := f.newOrg(t), f.newOrg(t)
	owner := f.login(t, f.client(t, billd.ClientInput{Role: billd.RoleOwner, OrgID: a.ID}))

	for _, role := range []billd.Role{billd.RoleMember, billd.RoleAdmin, billd.RoleOwner} {
		nc, err := f.svc.CreateClient(ctx, owner, billd.ClientInput{Role: role, OrgID: a.ID})
		must(t, err)
		if p := f.login(t, nc); p.OrgID != a.ID || p.Role != role {
			t.Fatalf("client made by the owner authenticates as %+v, want %s of %s", p, role, a.ID)
		}
	}
	refused := []struct {
		in   billd.ClientInput
		code string
	}{
		{billd.ClientInput{Role: billd.RoleAdmin}, billd.EFORBIDDEN},               // platform admin
		{billd.ClientInput{Role: billd.RoleMeter}, billd.EFORBIDDEN},               // platform meter
		{billd.ClientInput{Role: billd.RoleMember, OrgID: b.ID}, billd.EFORBIDDEN}, // another organization
		{billd.ClientInput{Role: billd.RoleMeter, OrgID: a.ID}, billd.EINVALID},    // not an organization role
		{billd.ClientInput{Role: "superuser", OrgID: a.ID}, billd.EINVALID},        // not a role
		{billd.ClientInput{Role: billd.RoleMember, OrgID: "not-a-uuid"}, billd.EINVALID},
	}
	for _, r := range refused {
		before, err := f.svc.ListClients(ctx, sys, "", billd.PageRequest{PageSize: billd.MaxPageSize})
		must(t, err)
		_, err = f.svc.CreateClient(ctx, owner, r.in)
		wantCode(t, err, r.code)
		after, err := f.svc.ListClients(ctx, sys, "", billd.PageRequest{PageSize: billd.MaxPageSize})
		must(t, err)
		if len(after.Items) != len(before.Items) {
			t.Fatalf("a refused CreateClient %+v made a client", r.in)
		}
	}
}
