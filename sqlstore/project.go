package sqlstore

import (
	"context"
	"time"

	"github.com/billd/billd"
)

const projectColumns = `id, org_id, name, title, metadata, state, created_at, updated_at`

func scanProject(s scanner) (*billd.Project, error) {
	var p billd.Project
	var meta string
	if err := s.Scan(&p.ID, &p.OrgID, &p.Name, &p.Title, &meta, &p.State, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	var err error
	p.Metadata, err = billd.ParseMetadata(meta)
	return &p, err
}

func errProjectName(name string) error {
	return billd.Errorf(billd.ECONFLICT, "project name %q is already taken in the organization", name)
}

// InsertProject implements billd.ProjectTx.
func (t *tx) InsertProject(ctx context.Context, p *billd.Project) error {
	return t.execMapped(ctx, conflict(errProjectName(p.Name)), `INSERT INTO projects (`+projectColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		p.ID, p.OrgID, p.Name, p.Title, p.Metadata.Marshal(), string(p.State), p.CreatedAt, p.UpdatedAt)
}

// Project implements billd.ProjectTx.
func (t *tx) Project(ctx context.Context, id string) (*billd.Project, error) {
	return queryOne(ctx, t, "project", scanProject, `SELECT `+projectColumns+` FROM projects WHERE id = $1`, id)
}

// LockProject implements billd.ProjectTx.
func (t *tx) LockProject(ctx context.Context, id string) (*billd.Project, error) {
	return queryOne(ctx, t, "project", scanProject,
		`SELECT `+projectColumns+` FROM projects WHERE id = $1`+t.d.forUpdate, id)
}

// UpdateProject implements billd.ProjectTx.
func (t *tx) UpdateProject(ctx context.Context, p *billd.Project) error {
	return t.execMapped(ctx, conflict(errProjectName(p.Name)), `UPDATE projects SET name = $1, title = $2, metadata = $3, state = $4, updated_at = $5
		WHERE id = $6`, p.Name, p.Title, p.Metadata.Marshal(), string(p.State), p.UpdatedAt, p.ID)
}

// Projects implements billd.ProjectTx.
func (t *tx) Projects(ctx context.Context, q billd.ProjectQuery) ([]*billd.Project, error) {
	var f filter
	f.add("org_id = ?", q.OrgID)
	f.add("state <> 'closed'")
	if q.State != "" {
		f.add("state = ?", string(q.State))
	}
	if q.After != nil {
		f.add("(created_at, id) > (?, ?)", q.After.At, q.After.ID)
	}
	query := `SELECT ` + projectColumns + ` FROM projects` + f.where() +
		` ORDER BY created_at, id LIMIT ` + f.next(q.Limit)
	return queryAll(ctx, t, scanProject, query, f.args...)
}

// CloseProjects implements billd.ProjectTx.
func (t *tx) CloseProjects(ctx context.Context, orgID string, at time.Time) error {
	return t.exec(ctx, `UPDATE projects SET state = 'closed', updated_at = $1 WHERE org_id = $2 AND state <> 'closed'`,
		at, orgID)
}
