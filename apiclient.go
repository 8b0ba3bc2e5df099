package billd

import (
	"cmp"
	"context"
	"errors"
	"time"
	"unicode/utf8"
)

// ClientInput is what a caller sets on a new API client. Role RoleAdmin or RoleMeter without OrgID
// makes a platform client; RoleOwner, RoleAdmin or RoleMember with OrgID an organization client.
type ClientInput struct {
	Name  string
	Role  Role
	OrgID string
	// ID, when set, is the new client's id (a UUID), chosen by the caller so that a request sent
	// twice (a form posted again) is refused with ECONFLICT instead of making a second client.
	// Empty: billd picks one.
	ID string
}

// NewAPIClient is an API client just created, with the secret and API key that are shown only this once.
type NewAPIClient struct {
	Client *APIClient
	Secret string
	APIKey string
}

// minSecretLen is the shortest secret or API key billd accepts from its environment.
const minSecretLen = 16

// errBadCredentials is the one answer to every failed authentication, whatever failed.
var errBadCredentials = Errorf(EUNAUTHORIZED, "invalid credentials")

// Authenticate returns the principal of valid, unrevoked credentials and EUNAUTHORIZED otherwise
// (EOVERLOADED when too many checks of chosen secrets are waiting, secret.go). Generated secrets
// are compared as SHA-256 digests in constant time, microseconds; chosen ones with a slow hash,
// once per process while they stay valid.
func (s *Service) Authenticate(ctx context.Context, cred Credentials) (Principal, error) {
	key := credentialKey(cred)
	if p, ok := s.auth.get(key, s.now()); ok {
		return p, nil
	}
	p, err := s.authenticate(ctx, cred)
	if err == nil {
		s.auth.put(key, p, s.now())
	}
	return p, err
}

// authenticate checks credentials against the store.
func (s *Service) authenticate(ctx context.Context, cred Credentials) (Principal, error) {
	var c *APIClient
	var secret, digest string
	err := s.view(ctx, func(tx Tx) (err error) {
		switch {
		case cred.APIKey != "":
			secret = cred.APIKey
			c, err = tx.ClientByAPIKey(ctx, hashSecret(cred.APIKey))
			if owner := s.chosenKeyOwner(); ErrorCode(err) == ENOTFOUND && owner != "" {
				// Not a generated key: it can only be the chosen key of the environment's admin,
				// whose salted digest cannot be looked up.
				c, err = tx.Client(ctx, owner)
			}
		case validClientID(cred.ClientID):
			secret = cred.Secret
			c, err = tx.Client(ctx, cred.ClientID)
		default:
			return errBadCredentials
		}
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		err = errBadCredentials
	}
	if err != nil {
		return Principal{}, err
	}
	digest = c.SecretHash
	if cred.APIKey != "" {
		digest = c.APIKeyHash
	}
	ok, err := s.secrets.matches(ctx, secret, digest)
	if err != nil {
		return Principal{}, err
	}
	if !ok || !c.RevokedAt.IsZero() {
		return Principal{}, errBadCredentials
	}
	return Principal{ClientID: c.ID, Role: c.Role, OrgID: c.OrgID}, nil
}

// CreateClient creates an API client and returns it with its secret and API key, which are not
// stored and cannot be shown again. Platform clients need a platform admin; organization clients
// need the organization's owner (or a platform admin) and an enabled organization (EPRECONDITION
// otherwise) with fewer than Limits.MaxClientsPerOrg clients (EQUOTA otherwise).
func (s *Service) CreateClient(ctx context.Context, p Principal, in ClientInput) (*NewAPIClient, error) {
	perm := PermSuper
	if in.OrgID != "" {
		perm = PermDelete
	}
	if err := Preauthorize(p, perm, in.OrgID); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	nc := &NewAPIClient{Secret: newSecret(""), APIKey: newSecret(apiKeyPrefix)}
	err := s.update(ctx, func(tx Tx) error {
		orgID := ""
		if in.OrgID != "" {
			o, err := enabledOrganization(ctx, tx, p, PermDelete, in.OrgID)
			if err != nil {
				return err
			}
			if err := s.limits.checkQuota(ctx, tx, o.ID, ObjectClients); err != nil {
				return err
			}
			orgID = o.ID
		} // a platform client: Preauthorize checked that p is a platform admin
		nc.Client = &APIClient{ID: cmp.Or(in.ID, s.newID()), Name: in.Name, Role: in.Role, OrgID: orgID,
			SecretHash: hashSecret(nc.Secret), APIKeyHash: hashSecret(nc.APIKey), CreatedAt: s.clock()}
		return tx.InsertClient(ctx, nc.Client)
	})
	if in.ID != "" && errors.Is(err, ErrDuplicateID) {
		return nil, Errorf(ECONFLICT, "client %s exists already: its secret and API key were shown only when it was made", in.ID)
	}
	if err != nil {
		return nil, err
	}
	return nc, nil
}

func (in *ClientInput) validate() error {
	if in.ID != "" && !IsUUID(in.ID) {
		return Errorf(EINVALID, "a new client's id must be a UUID: %q is not", in.ID)
	}
	if in.OrgID == "" && in.Role != RoleAdmin && in.Role != RoleMeter {
		return Errorf(EINVALID, "a platform client's role must be %q or %q; organization roles need an organization", RoleAdmin, RoleMeter)
	}
	if in.OrgID != "" && in.Role != RoleOwner && in.Role != RoleAdmin && in.Role != RoleMember {
		return Errorf(EINVALID, "an organization client's role must be %q, %q or %q", RoleOwner, RoleAdmin, RoleMember)
	}
	if utf8.RuneCountInString(in.Name) > maxTitleLen {
		return Errorf(EINVALID, "name must be at most %d characters long", maxTitleLen)
	}
	if err := checkText("name", in.Name); err != nil {
		return err
	}
	if in.Name == "" {
		in.Name = string(in.Role)
	}
	return nil
}

// ListClients lists unrevoked clients, oldest first: every client (or one organization's) for a
// platform admin, the organization's own for its owner.
func (s *Service) ListClients(ctx context.Context, p Principal, orgID string, page PageRequest) (Page[*APIClient], error) {
	perm := PermSuper
	if orgID != "" || !p.isPlatform() {
		perm = PermDelete
	}
	if err := Preauthorize(p, perm, orgID); err != nil {
		return Page[*APIClient]{}, err
	}
	limit, after, err := pageQuery(page, validClientID)
	if err != nil {
		return Page[*APIClient]{}, err
	}
	var clients []*APIClient
	err = s.view(ctx, func(tx Tx) error {
		if orgID == "" && !p.isPlatform() {
			orgID = p.OrgID
		}
		if orgID != "" {
			o, err := openOrganization(ctx, tx, p, PermDelete, orgID, false)
			if err != nil {
				return err
			}
			orgID = o.ID
		} // every client: Preauthorize checked that p is a platform admin
		clients, err = tx.Clients(ctx, ClientQuery{OrgID: orgID, After: after, Limit: limit + 1})
		return err
	})
	if err != nil {
		return Page[*APIClient]{}, err
	}
	return makePage(clients, limit, func(c *APIClient) Cursor { return Cursor{At: c.CreatedAt, ID: c.ID} }), nil
}

// RevokeClient revokes a client: its secret and key stop working. A platform admin may revoke any
// client, an owner those of the organization. The last platform admin cannot be revoked
// (EPRECONDITION); an unknown or revoked client is ENOTFOUND.
func (s *Service) RevokeClient(ctx context.Context, p Principal, id string) error {
	err := s.update(ctx, func(tx Tx) error {
		c, err := manageableClient(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if c.OrgID == "" && c.Role == RoleAdmin {
			// Locking the admins serializes concurrent revocations, so they cannot all pass the count.
			n, err := tx.LockPlatformAdmins(ctx)
			if err != nil {
				return err
			}
			if n <= 1 {
				return Errorf(EPRECONDITION, "the last platform admin cannot be revoked")
			}
		}
		c.RevokedAt = s.clock()
		if err := tx.UpdateClient(ctx, c); err != nil {
			return err
		}
		return tx.DeleteClientSessions(ctx, c.ID, 0) // its console sessions end with it
	})
	s.auth.reset()
	return err
}

// manageableClient returns the unrevoked client id if p may revoke it (or end its sessions): a
// platform admin any client, an owner its organization's. ENOTFOUND for an unknown or revoked
// client and for another organization's; EFORBIDDEN for a role that may not.
func manageableClient(ctx context.Context, tx Tx, p Principal, id string) (*APIClient, error) {
	c, err := tx.Client(ctx, id)
	if err != nil {
		return nil, err
	}
	if !c.RevokedAt.IsZero() || !p.isPlatform() && c.OrgID != p.OrgID {
		return nil, Errorf(ENOTFOUND, "client not found")
	}
	perm := PermDelete
	if c.OrgID == "" {
		perm = PermSuper
	}
	if err := authorize(p, perm, c.OrgID); err != nil {
		return nil, err
	}
	return c, nil
}

// BootstrapAdmin makes sure a platform admin exists when billd starts. With id and secret (and
// optionally an API key) from the environment it creates that admin or updates its digests to
// match (slow, salted digests: people choose these, secret.go); without them it creates a random
// admin only if there is none, and returns it so that its secret and key can be shown once. It
// returns nil when it created nothing to show.
func (s *Service) BootstrapAdmin(ctx context.Context, id, secret, apiKey string) (*NewAPIClient, error) {
	if id == "" && secret == "" && apiKey == "" {
		return s.bootstrapRandomAdmin(ctx)
	}
	if id == "" {
		id = "admin"
	}
	switch {
	case !validClientID(id):
		return nil, Errorf(EINVALID, "admin client id must be 1-64 characters from [A-Za-z0-9._-]")
	case len(secret) < minSecretLen:
		return nil, Errorf(EINVALID, "admin client secret must be at least %d characters long", minSecretLen)
	case apiKey != "" && len(apiKey) < minSecretLen:
		return nil, Errorf(EINVALID, "admin API key must be at least %d characters long", minSecretLen)
	}
	ensure := func(tx Tx) error {
		c, err := tx.Client(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			return tx.InsertClient(ctx, &APIClient{ID: id, Name: "bootstrap admin", Role: RoleAdmin,
				SecretHash: s.secrets.hashChosen(secret), APIKeyHash: s.chosenAPIKeyDigest(apiKey), CreatedAt: s.clock()})
		}
		if err != nil {
			return err
		}
		if c.OrgID != "" || c.Role != RoleAdmin {
			return Errorf(EPRECONDITION, "client %s exists and is not a platform admin", id)
		}
		// The environment is the authority: it sets the digests and lifts a revocation. A digest
		// that already matches is kept, so that nodes starting together agree.
		if ok, err := s.secrets.matches(ctx, secret, c.SecretHash); err != nil || !ok {
			c.SecretHash = s.secrets.hashChosen(secret)
		}
		if apiKey == "" {
			c.APIKeyHash = s.chosenAPIKeyDigest("")
		} else if ok, err := s.secrets.matches(ctx, apiKey, c.APIKeyHash); err != nil || !ok {
			c.APIKeyHash = s.chosenAPIKeyDigest(apiKey)
		}
		c.RevokedAt = time.Time{}
		return tx.UpdateClient(ctx, c)
	}
	err := s.retryOnConflict(ctx, ensure)
	s.auth.reset()
	if err == nil && apiKey != "" {
		s.keyOwner.Store(&id)
	}
	return nil, err
}

// chosenKeyOwner returns the id of the admin whose API key the environment chose, or "".
func (s *Service) chosenKeyOwner() string {
	if id := s.keyOwner.Load(); id != nil {
		return *id
	}
	return ""
}

// chosenAPIKeyDigest returns the stored digest of a chosen API key, or of a random generated one
// when none is given, so that the column is never a guessable value.
func (s *Service) chosenAPIKeyDigest(apiKey string) string {
	if apiKey == "" {
		return hashSecret(newSecret(apiKeyPrefix))
	}
	return s.secrets.hashChosen(apiKey)
}

// retryOnConflict runs fn in a transaction and, if it lost an insert race to another node
// (ErrDuplicateID), once more, when fn takes the path for an existing row.
func (s *Service) retryOnConflict(ctx context.Context, fn func(Tx) error) error {
	err := s.update(ctx, fn)
	if errors.Is(err, ErrDuplicateID) {
		err = s.update(ctx, fn)
	}
	return err
}

// bootstrapRandomAdmin creates a platform admin with random secrets if there is none. Its id is
// fixed, so nodes starting together on one database create one admin: the others lose the insert
// race, see the admin on their second try and print nothing.
func (s *Service) bootstrapRandomAdmin(ctx context.Context) (*NewAPIClient, error) {
	id := DeriveUUID("bootstrap-admin")
	var nc *NewAPIClient
	err := s.retryOnConflict(ctx, func(tx Tx) error {
		nc = nil
		n, err := tx.CountPlatformAdmins(ctx)
		if err != nil || n > 0 {
			return err
		}
		nc = &NewAPIClient{Secret: newSecret(""), APIKey: newSecret(apiKeyPrefix)}
		c, err := tx.Client(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			nc.Client = &APIClient{ID: id, Name: "bootstrap admin", Role: RoleAdmin,
				SecretHash: hashSecret(nc.Secret), APIKeyHash: hashSecret(nc.APIKey), CreatedAt: s.clock()}
			return tx.InsertClient(ctx, nc.Client)
		}
		if err != nil {
			return err
		}
		// Every admin was revoked: restore the bootstrap admin with new secrets.
		c.SecretHash, c.APIKeyHash, c.RevokedAt = hashSecret(nc.Secret), hashSecret(nc.APIKey), time.Time{}
		nc.Client = c
		return tx.UpdateClient(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	return nc, nil
}
