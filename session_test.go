package billd_test

import (
	"context"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestSessionsArePrunedByThePurgeJob deletes expired console sessions in the purge job's round
// and keeps live ones, and refuses lifetimes out of range.
func TestSessionsArePrunedByThePurgeJob(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		c, err := f.svc.CreateClient(ctx, sys, billd.ClientInput{Role: billd.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		for _, ttl := range []time.Duration{0, -time.Second, billd.MaxSessionTTL + time.Second} {
			if _, err := f.svc.SignIn(ctx, c.Client.ID, c.Secret, ttl); billd.ErrorCode(err) != billd.EINVALID {
				t.Errorf("SignIn with a lifetime of %s: %v, want EINVALID", ttl, err)
			}
		}
		short, err := f.svc.SignIn(ctx, c.Client.ID, c.Secret, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		long, err := f.svc.SignIn(ctx, c.Client.ID, c.Secret, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		f.advance(2 * time.Minute)
		f.svc.RunJobsOnce(ctx, 10)
		if err := f.db.View(ctx, func(tx billd.Tx) error {
			if _, err := tx.SessionByToken(ctx, short.Session.TokenHash); billd.ErrorCode(err) != billd.ENOTFOUND {
				t.Errorf("the expired session after the purge round: %v, want it deleted", err)
			}
			_, err := tx.SessionByToken(ctx, long.Session.TokenHash)
			return err
		}); err != nil {
			t.Errorf("the live session after the purge round: %v", err)
		}
		if p, _, err := f.svc.SessionPrincipal(ctx, long.Token); err != nil || p.ClientID != c.Client.ID || p.Role != billd.RoleAdmin {
			t.Errorf("SessionPrincipal of the live session: %+v, %v", p, err)
		}
	})
}
