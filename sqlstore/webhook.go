package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/billd/billd"
)

const webhookColumns = `id, org_id, url, types, description, enabled, secret, created_at`

func scanWebhook(s scanner) (*billd.Webhook, error) {
	var w billd.Webhook
	var org sql.NullString
	var types string
	if err := s.Scan(&w.ID, &org, &w.URL, &types, &w.Description, &w.Enabled, &w.Secret, &w.CreatedAt); err != nil {
		return nil, err
	}
	w.OrgID, w.CreatedAt = org.String, w.CreatedAt.UTC()
	if types != "" {
		for _, t := range strings.Split(types, ",") {
			w.Types = append(w.Types, billd.NoticeType(t))
		}
	}
	return &w, nil
}

// InsertWebhook implements billd.WebhookTx.
func (t *tx) InsertWebhook(ctx context.Context, w *billd.Webhook) error {
	return t.execMapped(ctx, duplicateID, `INSERT INTO webhooks (`+webhookColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		w.ID, nullString(w.OrgID), w.URL, joinTypes(w.Types), w.Description, w.Enabled, w.Secret, w.CreatedAt)
}

// UpdateWebhook implements billd.WebhookTx.
func (t *tx) UpdateWebhook(ctx context.Context, w *billd.Webhook) error {
	return t.exec(ctx, `UPDATE webhooks SET url = $1, types = $2, description = $3, enabled = $4 WHERE id = $5`,
		w.URL, joinTypes(w.Types), w.Description, w.Enabled, w.ID)
}

// joinTypes is the stored form of a webhook's event types: comma-separated, "" for all.
func joinTypes(types []billd.NoticeType) string {
	s := make([]string, len(types))
	for i, ty := range types {
		s[i] = string(ty)
	}
	return strings.Join(s, ",")
}

// Webhook implements billd.WebhookTx.
func (t *tx) Webhook(ctx context.Context, id string) (*billd.Webhook, error) {
	return queryOne(ctx, t, "webhook", scanWebhook, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id)
}

// Webhooks implements billd.WebhookTx.
func (t *tx) Webhooks(ctx context.Context, q billd.WebhookQuery) ([]*billd.Webhook, error) {
	var f filter
	switch {
	case q.EnabledFor != "":
		f.add("enabled AND (org_id IS NULL OR org_id = ?)", q.EnabledFor)
	case q.OrgID != "":
		f.add("org_id = ?", q.OrgID)
	default:
		f.add("org_id IS NULL")
	}
	return queryAll(ctx, t, scanWebhook, `SELECT `+webhookColumns+` FROM webhooks`+f.where()+` ORDER BY created_at, id`, f.args...)
}

// DeleteWebhook implements billd.WebhookTx. It locks the webhook's deliveries first: the worker
// logs an attempt under its delivery's lock, so no attempt can be logged between the deletes of
// the log and of the deliveries (it would break the log's foreign key).
func (t *tx) DeleteWebhook(ctx context.Context, id string) error {
	if err := t.exec(ctx, `SELECT id FROM webhook_deliveries WHERE webhook_id = $1`+t.d.forUpdate, id); err != nil {
		return err
	}
	if err := t.exec(ctx, `DELETE FROM webhook_attempts WHERE delivery_id IN
		(SELECT id FROM webhook_deliveries WHERE webhook_id = $1)`, id); err != nil {
		return err
	}
	if err := t.exec(ctx, `DELETE FROM webhook_deliveries WHERE webhook_id = $1`, id); err != nil {
		return err
	}
	return t.exec(ctx, `DELETE FROM webhooks WHERE id = $1`, id)
}

// UnsentNotices implements billd.WebhookTx.
func (t *tx) UnsentNotices(ctx context.Context, limit int) ([]billd.Notice, error) {
	return queryAll(ctx, t, scanNotice, `SELECT `+noticeColumns+` FROM notices WHERE NOT fanned_out
		ORDER BY created_at, id LIMIT $1`, limit)
}

const noticeColumns = `id, type, org_id, account_id, data, created_at`

func scanNotice(s scanner) (billd.Notice, error) {
	var n billd.Notice
	var org, account sql.NullString
	var data string
	if err := s.Scan(&n.ID, &n.Type, &org, &account, &data, &n.CreatedAt); err != nil {
		return n, err
	}
	n.OrgID, n.AccountID, n.Data, n.CreatedAt = org.String, account.String, []byte(data), n.CreatedAt.UTC()
	return n, nil
}

// InsertDeliveries implements billd.WebhookTx.
func (t *tx) InsertDeliveries(ctx context.Context, ds []billd.WebhookDelivery, noticeIDs []string) error {
	for _, d := range ds {
		if err := t.exec(ctx, `INSERT INTO webhook_deliveries (id, notice_id, webhook_id, state, attempts, next_at,
			retry_from, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
			d.ID, d.NoticeID, d.WebhookID, string(d.State), d.Attempts, d.NextAt, d.RetryFrom, d.CreatedAt, d.UpdatedAt); err != nil {
			return err
		}
	}
	for _, ids := range chunks(noticeIDs, 500) {
		var f filter
		f.in(&dialect{}, "id", ids) // notices.id is text in both dialects
		if err := t.exec(ctx, `UPDATE notices SET fanned_out = TRUE`+f.where(), f.args...); err != nil {
			return err
		}
	}
	return nil
}

const deliveryColumns = `d.id, d.webhook_id, d.notice_id, n.type, d.state, d.attempts, d.next_at, d.retry_from,
	d.created_at, d.updated_at`

func scanDelivery(s scanner, extra ...any) (*billd.WebhookDelivery, error) {
	var d billd.WebhookDelivery
	if err := s.Scan(append([]any{&d.ID, &d.WebhookID, &d.NoticeID, &d.Type, &d.State, &d.Attempts, &d.NextAt, &d.RetryFrom,
		&d.CreatedAt, &d.UpdatedAt}, extra...)...); err != nil {
		return nil, err
	}
	d.NextAt, d.RetryFrom, d.CreatedAt, d.UpdatedAt = d.NextAt.UTC(), d.RetryFrom.UTC(), d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

// DueDeliveries implements billd.WebhookTx.
func (t *tx) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]billd.DueDelivery, error) {
	return queryAll(ctx, t, func(s scanner) (billd.DueDelivery, error) {
		var due billd.DueDelivery
		var org, account sql.NullString
		var data string
		d, err := scanDelivery(s, &org, &account, &data, &due.Notice.CreatedAt, &due.URL, &due.Secret)
		if err != nil {
			return due, err
		}
		due.Delivery = *d
		due.Notice = billd.Notice{ID: d.NoticeID, Type: d.Type, OrgID: org.String, AccountID: account.String,
			Data: []byte(data), CreatedAt: due.Notice.CreatedAt.UTC()}
		return due, nil
	}, `SELECT `+deliveryColumns+`, n.org_id, n.account_id, n.data, n.created_at, w.url, w.secret
		FROM webhook_deliveries d JOIN notices n ON n.id = d.notice_id JOIN webhooks w ON w.id = d.webhook_id
		WHERE d.state = 'pending' AND d.next_at <= $1 AND w.enabled ORDER BY d.next_at, d.id LIMIT $2`, now, limit)
}

// WebhookDelivery implements billd.WebhookTx.
func (t *tx) WebhookDelivery(ctx context.Context, id string) (*billd.WebhookDelivery, error) {
	d, err := queryOne(ctx, t, "delivery", func(s scanner) (*billd.WebhookDelivery, error) { return scanDelivery(s) },
		`SELECT `+deliveryColumns+` FROM webhook_deliveries d JOIN notices n ON n.id = d.notice_id WHERE d.id = $1`, id)
	if err != nil {
		return nil, err
	}
	return d, t.deliveryLogs(ctx, []*billd.WebhookDelivery{d})
}

// WebhookDeliveries implements billd.WebhookTx.
func (t *tx) WebhookDeliveries(ctx context.Context, q billd.DeliveryQuery) ([]*billd.WebhookDelivery, error) {
	var f filter
	f.add("d.webhook_id = ?", q.WebhookID)
	if q.After != nil {
		f.add("(d.created_at, d.id) < (?, ?)", q.After.At, q.After.ID)
	}
	ds, err := queryAll(ctx, t, func(s scanner) (*billd.WebhookDelivery, error) { return scanDelivery(s) },
		`SELECT `+deliveryColumns+` FROM webhook_deliveries d JOIN notices n ON n.id = d.notice_id`+f.where()+
			` ORDER BY d.created_at DESC, d.id DESC LIMIT `+f.next(q.Limit), f.args...)
	if err != nil || len(ds) == 0 {
		return ds, err
	}
	return ds, t.deliveryLogs(ctx, ds)
}

// deliveryLogs fills in the log of each of ds, newest attempt first.
func (t *tx) deliveryLogs(ctx context.Context, ds []*billd.WebhookDelivery) error {
	byID := make(map[string]*billd.WebhookDelivery, len(ds))
	ids := make([]string, len(ds))
	for i, d := range ds {
		byID[d.ID], ids[i] = d, d.ID
	}
	var f filter
	f.in(t.d, "delivery_id", ids)
	type row struct {
		id string
		a  billd.WebhookAttempt
	}
	rows, err := queryAll(ctx, t, func(s scanner) (row, error) {
		var r row
		err := s.Scan(&r.id, &r.a.N, &r.a.At, &r.a.StatusCode, &r.a.Error, &r.a.Response)
		r.a.At = r.a.At.UTC()
		return r, err
	}, `SELECT delivery_id, n, at, status_code, error, response FROM webhook_attempts`+f.where()+` ORDER BY delivery_id, n DESC`, f.args...)
	for _, r := range rows {
		d := byID[strings.ToLower(r.id)]
		if d != nil {
			d.Log = append(d.Log, r.a)
		}
	}
	return err
}

// UpdateDelivery implements billd.WebhookTx.
func (t *tx) UpdateDelivery(ctx context.Context, d *billd.WebhookDelivery, a *billd.WebhookAttempt, since time.Time) (bool, error) {
	stamps, err := queryAll(ctx, t, func(s scanner) (time.Time, error) {
		var at time.Time
		err := s.Scan(&at)
		return at, err
	}, `SELECT updated_at FROM webhook_deliveries WHERE id = $1`+t.d.forUpdate, d.ID)
	if err != nil || len(stamps) == 0 {
		return false, err
	}
	if since.IsZero() || stamps[0].Equal(since) {
		if err := t.exec(ctx, `UPDATE webhook_deliveries SET state = $1, attempts = $2, next_at = $3, retry_from = $4,
			updated_at = $5 WHERE id = $6`, string(d.State), d.Attempts, d.NextAt, d.RetryFrom, d.UpdatedAt, d.ID); err != nil {
			return false, err
		}
	} else if err := t.exec(ctx, `UPDATE webhook_deliveries SET attempts = $1 WHERE id = $2`, d.Attempts, d.ID); err != nil {
		return false, err // redelivered meanwhile: its state stands, the attempt counts
	}
	if a == nil {
		return true, nil
	}
	if err := t.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, n, at, status_code, error, response)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, d.ID, a.N, a.At, a.StatusCode, a.Error, a.Response); err != nil {
		return false, err
	}
	return true, t.exec(ctx, `DELETE FROM webhook_attempts WHERE delivery_id = $1 AND n <= $2`, d.ID, a.N-billd.MaxDeliveryLog)
}

// PruneWebhookHistory implements billd.WebhookTx. Like DeleteWebhook, it locks the deliveries
// it deletes before it deletes their log.
func (t *tx) PruneWebhookHistory(ctx context.Context, before time.Time, limit int) error {
	const settled = `SELECT id FROM webhook_deliveries WHERE state <> 'pending' AND updated_at < $1
		ORDER BY updated_at, id LIMIT $2`
	if err := t.exec(ctx, settled+t.d.forUpdate, before, limit); err != nil {
		return err
	}
	if err := t.exec(ctx, `DELETE FROM webhook_attempts WHERE delivery_id IN (`+settled+`)`, before, limit); err != nil {
		return err
	}
	if err := t.exec(ctx, `DELETE FROM webhook_deliveries WHERE id IN (`+settled+`)`, before, limit); err != nil {
		return err
	}
	return t.exec(ctx, `DELETE FROM notices WHERE id IN (SELECT n.id FROM notices n WHERE n.fanned_out
		AND n.created_at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.notice_id = n.id)
		ORDER BY n.created_at, n.id LIMIT $2)`, before, limit)
}

// LockPlatformWebhooks implements billd.WebhookTx: the upsert holds the row's write lock to the end
// of the transaction on PostgreSQL (SQLite has one writer at a time).
func (t *tx) LockPlatformWebhooks(ctx context.Context) error {
	return t.exec(ctx, `INSERT INTO platform_locks (name) VALUES ('webhooks')
		ON CONFLICT (name) DO UPDATE SET name = excluded.name`)
}
