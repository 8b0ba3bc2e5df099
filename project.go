package billd

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// ProjectState is the state of a project.
type ProjectState string

// Project states. A closed project was deleted and is hidden from the API.
const (
	ProjectEnabled  ProjectState = "enabled"
	ProjectDisabled ProjectState = "disabled"
	ProjectClosed   ProjectState = "closed"
)

// Project belongs to an organization; usage and reverts may name a project instead of its
// organization.
type Project struct {
	ID        string
	OrgID     string
	Name      string // unique among the organization's open projects, lower case
	Title     string
	Metadata  Metadata
	State     ProjectState
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ProjectInput is what a caller sets on a project.
type ProjectInput struct {
	Name     string
	Title    string
	Metadata Metadata
	OrgID    string
}

func (in *ProjectInput) validate(l Limits) error {
	name, err := normalizeName("name", in.Name)
	if err != nil {
		return err
	}
	in.Name = name
	if utf8.RuneCountInString(in.Title) > maxTitleLen {
		return Errorf(EINVALID, "title must be at most %d characters long", maxTitleLen)
	}
	if err := checkText("title", in.Title); err != nil {
		return err
	}
	if in.Metadata == nil {
		in.Metadata = Metadata{}
	}
	return l.checkMetadata(in.Metadata)
}

// CreateProject creates an enabled project in an enabled organization. Needs update permission on
// the organization; ECONFLICT if the name is taken there; EQUOTA if the organization has
// Limits.MaxProjectsPerOrg open projects.
func (s *Service) CreateProject(ctx context.Context, p Principal, in ProjectInput) (*Project, error) {
	if err := Preauthorize(p, PermUpdate, in.OrgID); err != nil {
		return nil, err
	}
	if err := in.validate(s.limits); err != nil {
		return nil, err
	}
	var pr *Project
	err := s.update(ctx, func(tx Tx) error {
		o, err := enabledOrganization(ctx, tx, p, PermUpdate, in.OrgID)
		if err != nil {
			return err
		}
		if err := s.limits.checkQuota(ctx, tx, o.ID, ObjectProjects); err != nil {
			return err
		}
		now := s.clock()
		pr = &Project{ID: s.newID(), OrgID: o.ID, Name: in.Name, Title: in.Title, Metadata: in.Metadata,
			State: ProjectEnabled, CreatedAt: now, UpdatedAt: now}
		return tx.InsertProject(ctx, pr)
	})
	if err != nil {
		return nil, err
	}
	return pr, nil
}

// Project returns an open project. Needs get permission on its organization.
func (s *Service) Project(ctx context.Context, p Principal, id string) (*Project, error) {
	var pr *Project
	err := s.view(ctx, func(tx Tx) (err error) {
		pr, err = openProject(ctx, tx, p, PermRead, id, false)
		return err
	})
	return pr, err
}

// openProject returns the open project with the id after checking p's permission on its
// organization; with lock it holds the project's write lock.
func openProject(ctx context.Context, tx Tx, p Principal, perm Permission, projectID string, lock bool) (*Project, error) {
	id, err := ParseUUID("project id", projectID)
	if err != nil {
		return nil, err
	}
	var pr *Project
	if lock {
		pr, err = tx.LockProject(ctx, id)
	} else {
		pr, err = tx.Project(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	// A project of another organization is simply not found.
	if pr.State == ProjectClosed || !p.isPlatform() && pr.OrgID != p.OrgID {
		return nil, Errorf(ENOTFOUND, "project not found")
	}
	if err := authorize(p, perm, pr.OrgID); err != nil {
		return nil, err
	}
	return pr, nil
}

// writableProject returns a project to change, under the locks of its enabled organization and
// of itself.
func writableProject(ctx context.Context, tx Tx, p Principal, id string) (*Project, error) {
	pr, err := openProject(ctx, tx, p, PermUpdate, id, false)
	if err != nil {
		return nil, err
	}
	if _, err := enabledOrganization(ctx, tx, p, PermUpdate, pr.OrgID); err != nil {
		return nil, err
	}
	return openProject(ctx, tx, p, PermUpdate, id, true)
}

// UpdateProject replaces the name, title and metadata of a project. The project cannot move to
// another organization (EINVALID). Needs update permission; the input is validated only once the
// caller is known to hold it.
func (s *Service) UpdateProject(ctx context.Context, p Principal, id string, in ProjectInput) (*Project, error) {
	if err := Preauthorize(p, PermUpdate, ""); err != nil {
		return nil, err
	}
	var pr *Project
	err := s.update(ctx, func(tx Tx) (err error) {
		if pr, err = writableProject(ctx, tx, p, id); err != nil {
			return err
		}
		if err := in.validate(s.limits); err != nil {
			return err
		}
		if in.OrgID != "" && !strings.EqualFold(in.OrgID, pr.OrgID) {
			return Errorf(EINVALID, "a project cannot move to another organization")
		}
		pr.Name, pr.Title, pr.Metadata, pr.UpdatedAt = in.Name, in.Title, in.Metadata, s.clock()
		return tx.UpdateProject(ctx, pr)
	})
	if err != nil {
		return nil, err
	}
	return pr, nil
}

// DeleteProject closes a project. Needs update permission on its organization.
func (s *Service) DeleteProject(ctx context.Context, p Principal, id string) error {
	defer s.accountsChanged()
	return s.update(ctx, func(tx Tx) error {
		pr, err := writableProject(ctx, tx, p, id)
		if err != nil {
			return err
		}
		pr.State, pr.UpdatedAt = ProjectClosed, s.clock()
		return tx.UpdateProject(ctx, pr)
	})
}

// ListProjects lists an organization's open projects, oldest first; state filters by
// ProjectEnabled or ProjectDisabled. Needs get permission.
func (s *Service) ListProjects(ctx context.Context, p Principal, orgID string, state ProjectState, page PageRequest) (Page[*Project], error) {
	if err := Preauthorize(p, PermRead, orgID); err != nil {
		return Page[*Project]{}, err
	}
	if state != "" && state != ProjectEnabled && state != ProjectDisabled {
		return Page[*Project]{}, Errorf(EINVALID, "state must be %q or %q", ProjectEnabled, ProjectDisabled)
	}
	limit, after, err := pageQuery(page, IsUUID)
	if err != nil {
		return Page[*Project]{}, err
	}
	var projects []*Project
	err = s.view(ctx, func(tx Tx) error {
		o, err := openOrganization(ctx, tx, p, PermRead, orgID, false)
		if err != nil {
			return err
		}
		projects, err = tx.Projects(ctx, ProjectQuery{OrgID: o.ID, State: state, After: after, Limit: limit + 1})
		return err
	})
	if err != nil {
		return Page[*Project]{}, err
	}
	return makePage(projects, limit, func(pr *Project) Cursor { return Cursor{At: pr.CreatedAt, ID: pr.ID} }), nil
}

// projectOrganization resolves the organization of an open project, for requests that name a
// project instead of an organization.
func projectOrganization(ctx context.Context, tx Tx, projectID string) (string, error) {
	id, err := ParseUUID("project id", projectID)
	if err != nil {
		return "", err
	}
	pr, err := tx.Project(ctx, id)
	if err != nil {
		return "", err
	}
	if pr.State == ProjectClosed {
		return "", Errorf(ENOTFOUND, "project not found")
	}
	return pr.OrgID, nil
}
