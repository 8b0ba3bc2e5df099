package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore"
	"github.com/billd/billd/sqlstore/sqltest"
)

// TestSessions stores console sessions, finds them by digest, keeps only a client's newest and
// deletes expired ones a bounded batch at a time.
func TestSessions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		ctx := context.Background()
		c := &billd.APIClient{ID: "person", Role: billd.RoleAdmin, SecretHash: "s", APIKeyHash: "k", CreatedAt: t0}
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.InsertClient(ctx, c) })
		for i := range 5 {
			at := t0.Add(time.Duration(i) * time.Minute)
			sess := &billd.Session{TokenHash: fmt.Sprint("h", i), ClientID: c.ID, CreatedAt: at, ExpiresAt: at.Add(time.Hour)}
			mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.InsertSession(ctx, sess) })
		}
		view(t, s.DB, func(tx billd.Tx) error {
			got, err := tx.SessionByToken(ctx, "h1")
			if err != nil || got.ClientID != c.ID || !got.CreatedAt.Equal(t0.Add(time.Minute)) || !got.ExpiresAt.Equal(t0.Add(61*time.Minute)) {
				t.Errorf("SessionByToken(h1) = %+v, %v", got, err)
			}
			_, err = tx.SessionByToken(ctx, "nope")
			wantCode(t, err, billd.ENOTFOUND)
			return nil
		})
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.DeleteClientSessions(ctx, c.ID, 3) })
		wantSessions(t, s.DB, map[string]bool{"h0": false, "h1": false, "h2": true, "h3": true, "h4": true})
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.DeleteSession(ctx, "h3") })
		// h2 expires at t0+62m, h4 at t0+64m: one of the two expired ones goes per batch of one.
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.DeleteExpiredSessions(ctx, t0.Add(64*time.Minute), 1) })
		wantSessions(t, s.DB, map[string]bool{"h2": false, "h3": false, "h4": true})
		mustUpdate(t, s.DB, func(tx billd.Tx) error { return tx.DeleteClientSessions(ctx, c.ID, 0) })
		wantSessions(t, s.DB, map[string]bool{"h4": false})
	})
}

// wantSessions checks which of the token digests have a stored session.
func wantSessions(t *testing.T, db *sqlstore.DB, want map[string]bool) {
	t.Helper()
	view(t, db, func(tx billd.Tx) error {
		for hash, stored := range want {
			_, err := tx.SessionByToken(context.Background(), hash)
			if got := err == nil; got != stored {
				t.Errorf("session %s stored = %v (%v), want %v", hash, got, err, stored)
			}
		}
		return nil
	})
}
