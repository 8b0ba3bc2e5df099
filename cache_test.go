package billd_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestAuthCache: a credential verified once is trusted for AuthTTL without a store read; a
// revocation on the same node takes effect at once, one on another node within AuthTTL.
func TestAuthCache(t *testing.T) {
	s := sqltest.Open(t, "sqlite")
	var clock atomic.Int64
	now := func() time.Time { return t0.Add(time.Duration(clock.Load())) }
	newService := func() *billd.Service {
		svc := billd.NewService(billd.Config{Store: s.DB, Now: now,
			Cache: billd.CacheConfig{AuthTTL: 10 * time.Second}})
		t.Cleanup(func() { svc.Close() })
		return svc
	}
	nodeA, nodeB := newService(), newService()
	ctx := t.Context()
	c1, err := nodeA.CreateClient(ctx, sys, billd.ClientInput{Role: billd.RoleMeter})
	must(t, err)
	c2, err := nodeA.CreateClient(ctx, sys, billd.ClientInput{Role: billd.RoleMeter})
	must(t, err)
	creds := func(c *billd.NewClient) billd.Credentials {
		return billd.Credentials{ClientID: c.Client.ID, Secret: c.Secret}
	}
	for _, c := range []*billd.NewClient{c1, c2} {
		for _, svc := range []*billd.Service{nodeA, nodeB} {
			_, err := svc.Authenticate(ctx, creds(c))
			must(t, err)
		}
	}
	// A wrong secret is never served from the cache.
	_, err = nodeA.Authenticate(ctx, billd.Credentials{ClientID: c1.Client.ID, Secret: "wrong"})
	wantCode(t, err, billd.EUNAUTHORIZED)

	must(t, nodeA.RevokeClient(ctx, sys, c1.Client.ID))
	_, err = nodeA.Authenticate(ctx, creds(c1))
	wantCode(t, err, billd.EUNAUTHORIZED) // the node that revoked forgets at once
	if _, err := nodeB.Authenticate(ctx, creds(c1)); err != nil {
		t.Fatalf("node B within its TTL: %v, want the cached principal", err)
	}
	clock.Store(int64(11 * time.Second))
	_, err = nodeB.Authenticate(ctx, creds(c1))
	wantCode(t, err, billd.EUNAUTHORIZED) // after the TTL every node sees the revocation
	if _, err := nodeB.Authenticate(ctx, creds(c2)); err != nil {
		t.Fatalf("an unrevoked client after the TTL: %v", err)
	}
}

// TestAccountCacheNeverDebitsAStaleAccount: usage reporting remembers which account an
// organization's active account is, but the debit re-checks the account under its lock, so after
// the account is disabled on another node a usage fails instead of debiting it.
func TestAccountCacheNeverDebitsAStaleAccount(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		nodeA := newFixtureWith(t, s, billd.CommitConfig{})
		nodeB := billd.NewService(billd.Config{Store: s.DB, Now: nodeA.now})
		t.Cleanup(func() { nodeB.Close() })
		o := nodeA.newOrg(t)
		nodeA.grant(t, o, 100)
		report := func() error {
			return nodeA.svc.ReportUsage(t.Context(), meter, billd.UsageReport{OrgID: o.ID,
				Usages: []billd.Usage{{ID: billd.NewUUID(), Amount: 10}}})
		}
		must(t, report()) // node A now remembers the active account
		must(t, nodeB.SetBillingAccountState(t.Context(), sys, o.ID, o.AccountID, billd.AccountDisabled))
		wantCode(t, report(), billd.EPRECONDITION)
		nodeA.wantBalance(t, o, 90)
	})
}
