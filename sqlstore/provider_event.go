package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/billd/billd"
)

const eventColumns = `provider, id, type, event, received_at, processed_at, attempts, last_error, next_attempt`

func scanEvent(s scanner) (*billd.StoredEvent, error) {
	var e billd.StoredEvent
	var event string
	var processed sql.NullTime
	if err := s.Scan(&e.Provider, &e.ID, &e.Type, &event, &e.ReceivedAt, &processed, &e.Attempts, &e.LastError,
		&e.NextAttempt); err != nil {
		return nil, err
	}
	e.Event = []byte(event)
	e.ProcessedAt = timePtr(processed)
	e.ReceivedAt, e.NextAttempt = e.ReceivedAt.UTC(), e.NextAttempt.UTC()
	return &e, nil
}

// InsertEvent implements billd.PaymentTx. It is one INSERT … ON CONFLICT DO NOTHING RETURNING, a
// query: it returns a row only when it inserted. When several transactions insert the same event
// at once, PostgreSQL makes the later ones wait for the first and then insert nothing (or insert,
// if the first rolls back); SQLite runs them one at a time. So exactly one reports true. e.Event
// must be JSON (PostgreSQL checks it).
func (t *tx) InsertEvent(ctx context.Context, e *billd.StoredEvent) (bool, error) {
	ids, err := queryAll(ctx, t, scanString, `INSERT INTO provider_events (`+eventColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (provider, id) DO NOTHING RETURNING id`,
		e.Provider, e.ID, string(e.Type), string(e.Event), e.ReceivedAt, nullTimePtr(e.ProcessedAt), e.Attempts,
		e.LastError, e.NextAttempt)
	return len(ids) == 1, err
}

func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

// LockEvent implements billd.PaymentTx.
func (t *tx) LockEvent(ctx context.Context, provider, id string) (*billd.StoredEvent, error) {
	return queryOne(ctx, t, "event", scanEvent,
		`SELECT `+eventColumns+` FROM provider_events WHERE provider = $1 AND id = $2`+t.d.forUpdate, provider, id)
}

// UpdateEvent implements billd.PaymentTx: it stores ProcessedAt, Attempts, LastError and
// NextAttempt.
func (t *tx) UpdateEvent(ctx context.Context, e *billd.StoredEvent) error {
	return t.exec(ctx, `UPDATE provider_events SET processed_at = $1, attempts = $2, last_error = $3,
		next_attempt = $4 WHERE provider = $5 AND id = $6`,
		nullTimePtr(e.ProcessedAt), e.Attempts, e.LastError, e.NextAttempt, e.Provider, e.ID)
}

// PendingEvents implements billd.PaymentTx: the unprocessed events whose NextAttempt is at or
// before now, in the order they were received (ties in provider and id order), at most limit
// (billd.MaxPageSize when it is 0 or more than that). The pending index holds unprocessed events
// only, so the query reads no processed one.
func (t *tx) PendingEvents(ctx context.Context, now time.Time, limit int) ([]*billd.StoredEvent, error) {
	return queryAll(ctx, t, scanEvent, `SELECT `+eventColumns+` FROM provider_events
		WHERE processed_at IS NULL AND next_attempt <= $1 ORDER BY received_at, provider, id LIMIT $2`,
		now, pageLimit(limit))
}
