package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/billd/billd/sqlstore/sqltest"
)

// Deleting a webhook while the delivery worker logs an attempt of one of its deliveries waits for
// the attempt and deletes it too: it used to delete the log first and the deliveries after, so an
// attempt committed in between made the delete fail on the log's foreign key (a 500 to the
// client). PostgreSQL only: SQLite runs one writer at a time, so the two cannot interleave.
func TestDeleteWebhookWhileAnAttemptIsLogged(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, s sqltest.Store) {
		if s.Name != "postgres" {
			t.Skip("SQLite runs one writer at a time: the interleaving cannot happen")
		}
		ctx := t.Context()
		org := newOrg(t, s.DB, "acme", t0)
		hook := &billd.Webhook{ID: billd.NewUUID(), OrgID: org.ID, URL: "https://hooks.example/billd",
			Enabled: true, Secret: "whsec_test", CreatedAt: t0}
		notice := billd.Notice{ID: billd.NewUUID(), Type: billd.NoticeBalanceLow, OrgID: org.ID, Data: []byte(`{}`), CreatedAt: t0}
		d := billd.WebhookDelivery{ID: billd.NewUUID(), WebhookID: hook.ID, NoticeID: notice.ID, Type: notice.Type,
			State: billd.DeliveryPending, NextAt: t0, RetryFrom: t0, CreatedAt: t0, UpdatedAt: t0}
		mustUpdate(t, s.DB, func(tx billd.Tx) error {
			if err := tx.InsertWebhook(ctx, hook); err != nil {
				return err
			}
			if err := tx.AppendNotices(ctx, []billd.Notice{notice}); err != nil {
				return err
			}
			return tx.InsertDeliveries(ctx, []billd.WebhookDelivery{d}, []string{notice.ID})
		})

		logged, release, attemptDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			attemptDone <- s.DB.Update(context.Background(), func(tx billd.Tx) error {
				d.Attempts, d.UpdatedAt = 1, t0.Add(time.Second)
				a := &billd.WebhookAttempt{N: 1, At: t0.Add(time.Second), StatusCode: 500, Error: "HTTP 500"}
				if _, err := tx.UpdateDelivery(ctx, &d, a, t0); err != nil {
					return err
				}
				close(logged)
				<-release // hold the delivery's lock, the attempt not committed yet
				return nil
			})
		}()
		<-logged
		deleted := make(chan error, 1)
		go func() {
			deleted <- s.DB.Update(context.Background(), func(tx billd.Tx) error { return tx.DeleteWebhook(ctx, hook.ID) })
		}()
		waitForLockWait(t, s)
		close(release)
		if err := <-attemptDone; err != nil {
			t.Fatalf("log the attempt: %v", err)
		}
		if err := <-deleted; err != nil {
			t.Fatalf("delete the webhook while its delivery's attempt was logged: %v", err)
		}
		if n, err := s.DB.CountRaw(ctx, `SELECT count(*) FROM webhook_attempts WHERE delivery_id = $1`, d.ID); err != nil || n != 0 {
			t.Errorf("attempts left: %d (%v), want 0", n, err)
		}
	})
}

// waitForLockWait returns once a statement on the webhook's deliveries waits for a row lock in
// PostgreSQL (the delete, behind the attempt's transaction).
func waitForLockWait(t *testing.T, s sqltest.Store) {
	t.Helper()
	for {
		n, err := s.DB.CountRaw(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE '%webhook_deliveries WHERE webhook_id%' AND pid <> pg_backend_pid()`)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		select {
		case <-t.Context().Done():
			t.Fatal("the delete never waited for the attempt's lock")
		case <-time.After(5 * time.Millisecond):
		}
	}
}
