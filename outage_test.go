package billd_test

import (
	"testing"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestStoreOutageIsUnavailable cuts PostgreSQL off under a running service: every use case, reads
// and money-moving writes alike, answers EUNAVAILABLE (503, retry) instead of an internal error,
// Ready says so, nothing is applied, and the service recovers when the database is back.
func TestStoreOutageIsUnavailable(t *testing.T) {
	proxy, via := sqltest.NewProxy(t, sqltest.DSN(t, "postgres"))
	f := newFixture(t, sqltest.OpenAt(t, "postgres", via))
	o := f.newOrg(t)
	f.grant(t, o, 100)
	usage := func(id string) billd.UsageReport {
		return billd.UsageReport{OrgID: o.ID, Usages: []billd.Usage{{ID: id, Amount: 10}}}
	}

	proxy.Cut()
	calls := map[string]func() error{
		"ReportUsage": func() error { return f.svc.ReportUsage(t.Context(), meter, usage(billd.NewUUID())) },
		"Balance": func() error {
			_, err := f.svc.Balance(t.Context(), sys, o.ID, o.AccountID)
			return err
		},
		"CreateOrganization": func() error {
			_, err := f.svc.CreateOrganization(t.Context(), sys, billd.OrganizationInput{Name: f.name("org")})
			return err
		},
		"Ready": func() error { return f.svc.Ready(t.Context()) },
	}
	for name, call := range calls {
		if err := call(); billd.ErrorCode(err) != billd.EUNAVAILABLE {
			t.Errorf("%s with the database cut off: %v (code %q), want %q", name, err, billd.ErrorCode(err), billd.EUNAVAILABLE)
		}
	}

	proxy.Restore()
	if err := f.svc.Ready(t.Context()); err != nil {
		t.Fatalf("Ready after the database came back: %v", err)
	}
	id := billd.NewUUID()
	var err error
	// Connections the pool still held from before the cut fail once each, with EUNAVAILABLE.
	waitFor(t, "a usage report served after the outage", func() bool {
		err = f.svc.ReportUsage(t.Context(), meter, usage(id))
		return billd.ErrorCode(err) != billd.EUNAVAILABLE
	})
	if err != nil {
		t.Fatalf("ReportUsage after the database came back: %v", err)
	}
	if got := f.balance(t, o); got != 90 {
		t.Errorf("balance = %d, want 90: only the usage reported after the outage applies", got)
	}
}
