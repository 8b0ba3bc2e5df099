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
	creds := func(c *billd.NewAPIClient) billd.Credentials {
		return billd.Credentials{ClientID: c.Client.ID, Secret: c.Secret}
	}
	for _, c := range []*billd.NewAPIClient{c1, c2} {
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

// TestAccountCacheNeverDebitsAStaleAccount: usage reporting remembers an organization's active
// account, but the debit re-checks the account under its lock. When the organization switches
// accounts on another node, the node that remembers the old one debits the new one; when it has
// no active account any more, the report is refused as an uncached one would be.
func TestAccountCacheNeverDebitsAStaleAccount(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := t.Context()
		nodeA := newFixtureWith(t, s, billd.CommitConfig{})
		nodeB := billd.NewService(billd.Config{Store: s.DB, Now: nodeA.now})
		t.Cleanup(func() { nodeB.Close() })
		o := nodeA.newOrg(t)
		nodeA.grant(t, o, 100)
		report := func() error {
			return nodeA.svc.ReportUsage(ctx, meter, billd.UsageReport{OrgID: o.ID,
				Usages: []billd.Usage{{ID: billd.NewUUID(), Amount: 10}}})
		}
		must(t, report()) // node A now remembers account A

		// Node B replaces account A with account C.
		must(t, nodeB.SetBillingAccountState(ctx, sys, o.ID, o.AccountID, billd.AccountDisabled))
		c, err := nodeB.CreateBillingAccount(ctx, sys, o.ID, billd.BillingAccountInput{Name: "new"})
		must(t, err)
		_, err = nodeB.GrantCredits(ctx, sys, billd.GrantRequest{OrgID: o.ID, BillingID: c.ID, ID: billd.NewUUID(), Amount: 50})
		must(t, err)
		must(t, report()) // refused on A under its lock, then debited from C
		nodeA.wantBalance(t, o, 90)
		nodeA.wantBalance(t, org{ID: o.ID, AccountID: c.ID}, 40)

		// Without an active account the report is refused, not debited anywhere.
		must(t, nodeB.SetBillingAccountState(ctx, sys, o.ID, c.ID, billd.AccountDisabled))
		wantCode(t, report(), billd.ENOTFOUND)
		nodeA.wantBalance(t, org{ID: o.ID, AccountID: c.ID}, 40)
	})
}
