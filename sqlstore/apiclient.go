package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/billd/billd"
)

const clientColumns = `id, name, role, org_id, secret_hash, api_key_hash, created_at, revoked_at`

func scanClient(s scanner) (*billd.APIClient, error) {
	var c billd.APIClient
	var org sql.NullString
	var revoked sql.NullTime
	err := s.Scan(&c.ID, &c.Name, &c.Role, &org, &c.SecretHash, &c.APIKeyHash, &c.CreatedAt, &revoked)
	if err != nil {
		return nil, err
	}
	c.OrgID, c.CreatedAt = org.String, c.CreatedAt.UTC()
	if revoked.Valid {
		c.RevokedAt = revoked.Time.UTC()
	}
	return &c, nil
}

// InsertClient implements billd.ClientTx.
func (t *tx) InsertClient(ctx context.Context, c *billd.APIClient) error {
	return t.execMapped(ctx, duplicateID, `INSERT INTO clients (`+clientColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.ID, c.Name, string(c.Role), nullString(c.OrgID), c.SecretHash, c.APIKeyHash, c.CreatedAt, nullTime(c.RevokedAt))
}

// Client implements billd.ClientTx.
func (t *tx) Client(ctx context.Context, id string) (*billd.APIClient, error) {
	return queryOne(ctx, t, "client", scanClient, `SELECT `+clientColumns+` FROM clients WHERE id = $1`, id)
}

// ClientByAPIKey implements billd.ClientTx.
func (t *tx) ClientByAPIKey(ctx context.Context, apiKeyHash string) (*billd.APIClient, error) {
	return queryOne(ctx, t, "client", scanClient,
		`SELECT `+clientColumns+` FROM clients WHERE api_key_hash = $1`, apiKeyHash)
}

// UpdateClient implements billd.ClientTx.
func (t *tx) UpdateClient(ctx context.Context, c *billd.APIClient) error {
	return t.exec(ctx, `UPDATE clients SET name = $1, secret_hash = $2, api_key_hash = $3, revoked_at = $4
		WHERE id = $5`, c.Name, c.SecretHash, c.APIKeyHash, nullTime(c.RevokedAt), c.ID)
}

// Clients implements billd.ClientTx.
func (t *tx) Clients(ctx context.Context, q billd.ClientQuery) ([]*billd.APIClient, error) {
	var f filter
	f.add("revoked_at IS NULL")
	if q.OrgID != "" {
		f.add("org_id = ?", q.OrgID)
	}
	if q.After != nil {
		f.add("(created_at, id) > (?, ?)", q.After.At, q.After.ID)
	}
	query := `SELECT ` + clientColumns + ` FROM clients` + f.where() + ` ORDER BY created_at, id LIMIT ` + f.next(q.Limit)
	return queryAll(ctx, t, scanClient, query, f.args...)
}

// RevokeOrganizationClients implements billd.ClientTx.
func (t *tx) RevokeOrganizationClients(ctx context.Context, orgID string, at time.Time) error {
	return t.exec(ctx, `UPDATE clients SET revoked_at = $1 WHERE org_id = $2 AND revoked_at IS NULL`, at, orgID)
}

// CountPlatformAdmins implements billd.ClientTx.
func (t *tx) CountPlatformAdmins(ctx context.Context) (int, error) {
	n, err := queryInt64(ctx, t, `SELECT COUNT(*) FROM clients
		WHERE org_id IS NULL AND role = 'admin' AND revoked_at IS NULL`)
	return int(n), err
}

// LockPlatformAdmins implements billd.ClientTx. A row that a concurrent transaction revoked while
// this one waited for its lock no longer matches and is not counted.
func (t *tx) LockPlatformAdmins(ctx context.Context) (int, error) {
	ids, err := queryAll(ctx, t, func(s scanner) (string, error) {
		var id string
		err := s.Scan(&id)
		return id, err
	}, `SELECT id FROM clients WHERE org_id IS NULL AND role = 'admin' AND revoked_at IS NULL ORDER BY id`+t.d.forUpdate)
	return len(ids), err
}
