package billd

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// OrgState is the state of an organization.
type OrgState string

// Organization states. A closed organization was deleted: it is hidden from the API, its accounts
// are closed and its journal is kept.
const (
	OrgEnabled  OrgState = "enabled"
	OrgDisabled OrgState = "disabled"
	OrgClosed   OrgState = "closed"
)

// Organization owns billing accounts and projects.
type Organization struct {
	ID        string
	Name      string // unique among open organizations, lower case
	Title     string
	Metadata  Metadata
	Avatar    string
	Seats     int64 // the seats a per-seat plan charges for; platform admins set it (0 counts as 1)
	State     OrgState
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OrganizationInput is what a caller sets on an organization.
type OrganizationInput struct {
	Name     string
	Title    string
	Metadata Metadata
	Avatar   string
}

// Limits on organization and project fields.
const (
	maxTitleLen  = 256
	maxAvatarLen = 256 << 10
)

// normalizeName lower-cases a name and checks that it is 3–64 characters from [a-z0-9_-], starts
// with a letter or digit, and is not a UUID (ids and names share the lookup path).
func normalizeName(field, name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return "", Errorf(EINVALID, "%s is required", field)
	}
	if len(name) < 3 || len(name) > 64 {
		return "", Errorf(EINVALID, "%s must be 3 to 64 characters long", field)
	}
	for i, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '-' || r == '_')
		if !ok {
			return "", Errorf(EINVALID, "%s may hold only letters, digits, '-' and '_', and must start with a letter or digit", field)
		}
	}
	if IsUUID(name) {
		return "", Errorf(EINVALID, "%s must not be a UUID", field)
	}
	return name, nil
}

func (in *OrganizationInput) validate(l Limits) error {
	name, err := normalizeName("name", in.Name)
	if err != nil {
		return err
	}
	in.Name = name
	if utf8.RuneCountInString(in.Title) > maxTitleLen {
		return Errorf(EINVALID, "title must be at most %d characters long", maxTitleLen)
	}
	if len(in.Avatar) > maxAvatarLen {
		return Errorf(EINVALID, "avatar must be at most %d KiB", maxAvatarLen>>10)
	}
	if err := checkTexts("title", in.Title, "avatar", in.Avatar); err != nil {
		return err
	}
	if in.Metadata == nil {
		in.Metadata = Metadata{}
	}
	return l.checkMetadata(in.Metadata)
}

// CreateOrganization creates an enabled organization. Only platform admins may; ECONFLICT if the
// name is taken.
func (s *Service) CreateOrganization(ctx context.Context, p Principal, in OrganizationInput) (*Organization, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return nil, err
	}
	if err := in.validate(s.limits); err != nil {
		return nil, err
	}
	now := s.clock()
	o := &Organization{ID: s.newID(), Name: in.Name, Title: in.Title, Metadata: in.Metadata,
		Avatar: in.Avatar, State: OrgEnabled, CreatedAt: now, UpdatedAt: now}
	err := s.update(ctx, func(tx Tx) error { return tx.InsertOrganization(ctx, o) })
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Organization returns the organization named by id or name. ENOTFOUND if there is none open.
// An organization principal only ever resolves its own organization, so it cannot probe which
// other names exist: any other id or name is EFORBIDDEN.
func (s *Service) Organization(ctx context.Context, p Principal, idOrName string) (*Organization, error) {
	lookup := idOrName
	if !p.isPlatform() {
		lookup = p.OrgID
	}
	var o *Organization
	err := s.view(ctx, func(tx Tx) (err error) {
		o, err = findOrganization(ctx, tx, lookup)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !p.isPlatform() && !strings.EqualFold(idOrName, o.ID) && !strings.EqualFold(idOrName, o.Name) {
		return nil, errNotAuthorized
	}
	if err := authorize(p, PermRead, o.ID); err != nil {
		return nil, err
	}
	return o, nil
}

// findOrganization looks an open organization up by id or by name.
func findOrganization(ctx context.Context, tx Tx, idOrName string) (*Organization, error) {
	if idOrName == "" {
		return nil, Errorf(EINVALID, "organization id or name is required")
	}
	var o *Organization
	var err error
	if IsUUID(idOrName) {
		id, _ := ParseUUID("id", idOrName)
		o, err = tx.Organization(ctx, id)
	} else {
		o, err = tx.OrganizationByName(ctx, strings.ToLower(idOrName))
	}
	if err != nil {
		return nil, err
	}
	if o.State == OrgClosed {
		return nil, Errorf(ENOTFOUND, "organization not found")
	}
	return o, nil
}

// openOrganization returns the open organization with the id after checking that p may perform
// perm on it; with lock it also takes the organization's write lock. A principal of another
// organization gets EFORBIDDEN without a lookup.
func openOrganization(ctx context.Context, tx Tx, p Principal, perm Permission, orgID string, lock bool) (*Organization, error) {
	id, err := ParseUUID("organization id", orgID)
	if err != nil {
		return nil, err
	}
	if err := authorize(p, perm, id); err != nil {
		return nil, err
	}
	var o *Organization
	if lock {
		o, err = tx.LockOrganization(ctx, id)
	} else {
		o, err = tx.Organization(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	if o.State == OrgClosed {
		return nil, Errorf(ENOTFOUND, "organization not found")
	}
	return o, nil
}

// enabledOrganization is openOrganization for writes that a disabled organization refuses.
func enabledOrganization(ctx context.Context, tx Tx, p Principal, perm Permission, orgID string) (*Organization, error) {
	o, err := openOrganization(ctx, tx, p, perm, orgID, true)
	if err != nil {
		return nil, err
	}
	if o.State != OrgEnabled {
		return nil, Errorf(EPRECONDITION, "organization is disabled")
	}
	return o, nil
}

// ListOrganizations lists open organizations, oldest first: all of them for platform admins, the
// caller's own for organization principals. state filters by OrgEnabled or OrgDisabled.
func (s *Service) ListOrganizations(ctx context.Context, p Principal, state OrgState, page PageRequest) (Page[*Organization], error) {
	if p.isPlatform() && p.Role != RoleAdmin {
		return Page[*Organization]{}, errNotAuthorized
	}
	if state != "" && state != OrgEnabled && state != OrgDisabled {
		return Page[*Organization]{}, Errorf(EINVALID, "state must be %q or %q", OrgEnabled, OrgDisabled)
	}
	limit, after, err := pageQuery(page, IsUUID)
	if err != nil {
		return Page[*Organization]{}, err
	}
	q := OrganizationQuery{ID: p.OrgID, State: state, After: after, Limit: limit + 1}
	var orgs []*Organization
	err = s.view(ctx, func(tx Tx) (err error) {
		orgs, err = tx.Organizations(ctx, q)
		return err
	})
	if err != nil {
		return Page[*Organization]{}, err
	}
	return makePage(orgs, limit, func(o *Organization) Cursor { return Cursor{At: o.CreatedAt, ID: o.ID} }), nil
}

// UpdateOrganization replaces the name, title, metadata and avatar of an enabled organization.
// Needs update permission; ECONFLICT if the new name is taken; EPRECONDITION if the organization
// is disabled.
func (s *Service) UpdateOrganization(ctx context.Context, p Principal, id string, in OrganizationInput) (*Organization, error) {
	if err := Preauthorize(p, PermUpdate, id); err != nil {
		return nil, err
	}
	if err := in.validate(s.limits); err != nil {
		return nil, err
	}
	var o *Organization
	err := s.update(ctx, func(tx Tx) (err error) {
		if o, err = enabledOrganization(ctx, tx, p, PermUpdate, id); err != nil {
			return err
		}
		o.Name, o.Title, o.Metadata, o.Avatar = in.Name, in.Title, in.Metadata, in.Avatar
		o.UpdatedAt = s.clock()
		return tx.UpdateOrganization(ctx, o)
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// SetOrganizationState enables or disables an organization. A disabled organization's accounts
// accept no debits. Needs delete permission (owner or platform admin).
func (s *Service) SetOrganizationState(ctx context.Context, p Principal, id string, state OrgState) error {
	if state != OrgEnabled && state != OrgDisabled {
		return Errorf(EINVALID, "state must be %q or %q", OrgEnabled, OrgDisabled)
	}
	defer s.accountsChanged()
	return s.update(ctx, func(tx Tx) error {
		o, err := openOrganization(ctx, tx, p, PermDelete, id, true)
		if err != nil {
			return err
		}
		if o.State == state {
			return nil
		}
		// The organization's state guards debits, so its accounts' write locks are taken first.
		if _, err := lockOrganizationAccounts(ctx, tx, o.ID); err != nil {
			return err
		}
		o.State, o.UpdatedAt = state, s.clock()
		return tx.UpdateOrganization(ctx, o)
	})
}

// DeleteOrganization closes an organization: its projects and billing accounts are closed (their
// personal data purged after the retention period, as DeleteBillingAccount's) and its clients
// revoked; its journal is kept. Needs delete permission.
func (s *Service) DeleteOrganization(ctx context.Context, p Principal, id string) error {
	defer s.auth.reset()
	defer s.accountsChanged()
	return s.update(ctx, func(tx Tx) error {
		o, err := openOrganization(ctx, tx, p, PermDelete, id, true)
		if err != nil {
			return err
		}
		accounts, err := lockOrganizationAccounts(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		now := s.clock()
		for _, a := range accounts {
			s.closeAccount(a, now)
			if err := tx.UpdateBillingAccount(ctx, a); err != nil {
				return err
			}
		}
		if err := tx.CloseProjects(ctx, o.ID, now); err != nil {
			return err
		}
		if err := tx.RevokeOrganizationClients(ctx, o.ID, now); err != nil {
			return err
		}
		o.State, o.UpdatedAt = OrgClosed, now
		return tx.UpdateOrganization(ctx, o)
	})
}

// lockOrganizationAccounts takes the write locks of every open billing account of an organization
// (whose own lock the caller holds, so no account is added meanwhile) and returns the accounts as
// they are under the locks.
func lockOrganizationAccounts(ctx context.Context, tx Tx, orgID string) ([]*BillingAccount, error) {
	var ids []string
	q := BillingAccountQuery{OrgID: orgID, Limit: MaxPageSize}
	for {
		page, err := tx.BillingAccounts(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, a := range page {
			ids = append(ids, a.ID)
		}
		if len(page) < q.Limit {
			break
		}
		last := page[len(page)-1]
		q.After = &Cursor{At: last.CreatedAt, ID: last.ID}
	}
	if _, err := tx.LockLedgerAccounts(ctx, ids); err != nil {
		return nil, err
	}
	accounts := make([]*BillingAccount, 0, len(ids))
	for _, id := range ids {
		a, err := tx.BillingAccount(ctx, id)
		if err != nil {
			return nil, err
		}
		accounts = append(accounts, a)
	}
	return accounts, nil
}

// MaxSeats bounds an organization's seats.
const MaxSeats = 1_000_000

// SetOrganizationSeats sets the seats a per-seat plan charges an organization for, from its next
// renewal. Platform admins only (the seat count is what the platform sells, not what the customer
// says). EINVALID outside 0 to MaxSeats.
func (s *Service) SetOrganizationSeats(ctx context.Context, p Principal, id string, seats int64) (*Organization, error) {
	if err := authorize(p, PermSuper, ""); err != nil {
		return nil, err
	}
	if seats < 0 || seats > MaxSeats {
		return nil, Errorf(EINVALID, "seats must be between 0 and %d, got %d", MaxSeats, seats)
	}
	var o *Organization
	err := s.update(ctx, func(tx Tx) (err error) {
		if o, err = openOrganization(ctx, tx, p, PermSuper, id, true); err != nil {
			return err
		}
		o.Seats, o.UpdatedAt = seats, s.clock()
		return tx.UpdateOrganization(ctx, o)
	})
	return o, err
}
