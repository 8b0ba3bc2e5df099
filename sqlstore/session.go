package sqlstore

import (
	"context"
	"time"

	"github.com/billd/billd"
)

const sessionColumns = `token_hash, client_id, created_at, expires_at`

func scanSession(s scanner) (*billd.Session, error) {
	var x billd.Session
	if err := s.Scan(&x.TokenHash, &x.ClientID, &x.CreatedAt, &x.ExpiresAt); err != nil {
		return nil, err
	}
	x.CreatedAt, x.ExpiresAt = x.CreatedAt.UTC(), x.ExpiresAt.UTC()
	return &x, nil
}

// InsertSession implements billd.SessionTx.
func (t *tx) InsertSession(ctx context.Context, s *billd.Session) error {
	return t.exec(ctx, `INSERT INTO console_sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4)`,
		s.TokenHash, s.ClientID, s.CreatedAt, s.ExpiresAt)
}

// SessionByToken implements billd.SessionTx.
func (t *tx) SessionByToken(ctx context.Context, tokenHash string) (*billd.Session, error) {
	return queryOne(ctx, t, "session", scanSession,
		`SELECT `+sessionColumns+` FROM console_sessions WHERE token_hash = $1`, tokenHash)
}

// DeleteSession implements billd.SessionTx.
func (t *tx) DeleteSession(ctx context.Context, tokenHash string) error {
	return t.exec(ctx, `DELETE FROM console_sessions WHERE token_hash = $1`, tokenHash)
}

// DeleteClientSessions implements billd.SessionTx.
func (t *tx) DeleteClientSessions(ctx context.Context, clientID string, keep int) error {
	return t.exec(ctx, `DELETE FROM console_sessions WHERE client_id = $1 AND token_hash NOT IN (
		SELECT token_hash FROM console_sessions WHERE client_id = $1
		ORDER BY created_at DESC, token_hash DESC LIMIT $2)`, clientID, keep)
}

// DeleteExpiredSessions implements billd.SessionTx.
func (t *tx) DeleteExpiredSessions(ctx context.Context, now time.Time, limit int) error {
	return t.exec(ctx, `DELETE FROM console_sessions WHERE token_hash IN (
		SELECT token_hash FROM console_sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)`, now, limit)
}
