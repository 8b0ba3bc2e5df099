package sqlstore

import (
	"context"
	"fmt"

	"github.com/billd/billd"
)

const orgColumns = `id, name, title, metadata, avatar, seats, state, created_at, updated_at`

func scanOrganization(s scanner) (*billd.Organization, error) {
	var o billd.Organization
	var meta string
	if err := s.Scan(&o.ID, &o.Name, &o.Title, &meta, &o.Avatar, &o.Seats, &o.State, &o.CreatedAt, &o.UpdatedAt); err != nil {
		return nil, err
	}
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	var err error
	o.Metadata, err = billd.ParseMetadata(meta)
	return &o, err
}

func errOrgName(name string) error {
	return billd.Errorf(billd.ECONFLICT, "organization name %q is already taken", name)
}

// InsertOrganization implements billd.OrganizationTx.
func (t *tx) InsertOrganization(ctx context.Context, o *billd.Organization) error {
	return t.execMapped(ctx, conflict(errOrgName(o.Name)), `INSERT INTO organizations (`+orgColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		o.ID, o.Name, o.Title, o.Metadata.Marshal(), o.Avatar, o.Seats, string(o.State), o.CreatedAt, o.UpdatedAt)
}

// Organization implements billd.OrganizationTx.
func (t *tx) Organization(ctx context.Context, id string) (*billd.Organization, error) {
	return queryOne(ctx, t, "organization", scanOrganization,
		`SELECT `+orgColumns+` FROM organizations WHERE id = $1`, id)
}

// LockOrganization implements billd.OrganizationTx.
func (t *tx) LockOrganization(ctx context.Context, id string) (*billd.Organization, error) {
	return queryOne(ctx, t, "organization", scanOrganization,
		`SELECT `+orgColumns+` FROM organizations WHERE id = $1`+t.d.forUpdate, id)
}

// OrganizationByName implements billd.OrganizationTx.
func (t *tx) OrganizationByName(ctx context.Context, name string) (*billd.Organization, error) {
	return queryOne(ctx, t, "organization", scanOrganization,
		`SELECT `+orgColumns+` FROM organizations WHERE name = $1 AND state <> 'closed'`, name)
}

// UpdateOrganization implements billd.OrganizationTx.
func (t *tx) UpdateOrganization(ctx context.Context, o *billd.Organization) error {
	return t.execMapped(ctx, conflict(errOrgName(o.Name)), `UPDATE organizations SET name = $1, title = $2, metadata = $3, avatar = $4, seats = $5,
		state = $6, updated_at = $7 WHERE id = $8`,
		o.Name, o.Title, o.Metadata.Marshal(), o.Avatar, o.Seats, string(o.State), o.UpdatedAt, o.ID)
}

// Organizations implements billd.OrganizationTx.
func (t *tx) Organizations(ctx context.Context, q billd.OrganizationQuery) ([]*billd.Organization, error) {
	var f filter
	f.add("state <> 'closed'")
	if q.ID != "" {
		f.add("id = ?", q.ID)
	}
	if q.State != "" {
		f.add("state = ?", string(q.State))
	}
	if q.After != nil {
		f.add("(created_at, id) > (?, ?)", q.After.At, q.After.ID)
	}
	query := `SELECT ` + orgColumns + ` FROM organizations` + f.where() +
		` ORDER BY created_at, id LIMIT ` + f.next(q.Limit)
	return queryAll(ctx, t, scanOrganization, query, f.args...)
}

// objectCounts are the queries of CountOrganizationObjects.
var objectCounts = map[billd.ObjectKind]string{
	billd.ObjectProjects: `SELECT count(*) FROM projects WHERE org_id = $1 AND state <> 'closed'`,
	billd.ObjectAccounts: `SELECT count(*) FROM billing_accounts WHERE org_id = $1 AND state <> 'closed'`,
	billd.ObjectClients:  `SELECT count(*) FROM clients WHERE org_id = $1 AND revoked_at IS NULL`,
}

// CountOrganizationObjects implements billd.OrganizationTx.
func (t *tx) CountOrganizationObjects(ctx context.Context, orgID string, kind billd.ObjectKind) (int, error) {
	query, ok := objectCounts[kind]
	if !ok {
		return 0, fmt.Errorf("sqlstore: no count of %q", kind)
	}
	n, err := queryInt64(ctx, t, query, orgID)
	return int(n), err
}
