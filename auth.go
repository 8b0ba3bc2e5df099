package billd

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
)

// Role is what an API client may do. Platform roles (no organization) act on every organization;
// organization roles act on one.
type Role string

// Roles. RoleAdmin is a platform admin without an organization and an organization admin with one.
const (
	RoleAdmin  Role = "admin"  // platform: everything; organization: read and update the org
	RoleMeter  Role = "meter"  // platform: report and revert usage, read balances of any org
	RoleOwner  Role = "owner"  // organization: everything on the org, including delete and clients
	RoleMember Role = "member" // organization: read the org
)

// APIClient is an API client: a principal that authenticates with its id and secret (HTTP Basic) or
// with its API key (HTTP Bearer). Secrets and keys are stored only as digests (secret.go).
type APIClient struct {
	ID         string
	Name       string
	Role       Role
	OrgID      string // empty for platform clients
	SecretHash string // digest of the client secret (secret.go)
	APIKeyHash string // digest of the API key (secret.go)
	CreatedAt  time.Time
	RevokedAt  time.Time // zero while the client is valid
}

// Principal is the authenticated caller of a use case.
type Principal struct {
	ClientID string
	Role     Role
	OrgID    string // empty for platform principals
}

// SystemPrincipal is the principal of the command line, which acts with the store's own authority.
var SystemPrincipal = Principal{ClientID: "system", Role: RoleAdmin}

// Credentials are what a request presents: a client id and secret, or an API key.
type Credentials struct {
	ClientID string
	Secret   string
	APIKey   string
}

// Permission is what a use case needs its principal to be allowed to do on an organization.
type Permission int

// Permissions, from the weakest.
const (
	PermRead          Permission = iota // read the org's objects: any org role, platform admin
	PermUpdate                          // change the org's objects: org admin or owner, platform admin
	PermDelete                          // create or delete accounts, manage clients: org owner, platform admin
	PermReadBalance                     // read balances and credit checks: PermRead, plus the platform meter
	PermMeter                           // report and revert usage: platform meter and admin
	PermSuper                           // platform admin only
	PermAuthenticated                   // any authenticated principal: reads of the catalog
)

// isPlatform reports whether p acts on every organization.
func (p Principal) isPlatform() bool { return p.OrgID == "" }

// may reports whether p may perform perm on the organization orgID.
func (p Principal) may(perm Permission, orgID string) bool {
	if perm == PermAuthenticated {
		return p.ClientID != ""
	}
	if p.isPlatform() {
		switch p.Role {
		case RoleAdmin:
			return true
		case RoleMeter:
			return perm == PermMeter || perm == PermReadBalance
		}
		return false
	}
	if p.OrgID != orgID {
		return false
	}
	switch perm {
	case PermRead, PermReadBalance:
		return p.Role == RoleMember || p.Role == RoleAdmin || p.Role == RoleOwner
	case PermUpdate:
		return p.Role == RoleAdmin || p.Role == RoleOwner
	case PermDelete:
		return p.Role == RoleOwner
	}
	return false
}

// authorize returns EFORBIDDEN unless p may perform perm on orgID.
func authorize(p Principal, perm Permission, orgID string) error {
	if !p.may(perm, orgID) {
		return errNotAuthorized
	}
	return nil
}

// errNotAuthorized is the one answer to a principal that lacks a permission.
var errNotAuthorized = Errorf(EFORBIDDEN, "not authorized")

// Preauthorize is the check a transport runs before it reads a request's body, so that a caller
// who may not make the request cannot make the server read, buffer or validate its body. orgID is
// the organization the request's path names, or "" when only the body names one (then p must hold
// perm on some organization). It returns EFORBIDDEN or nil, and is never stricter than the use
// case, which checks again against the objects it loads. An orgID that is not a UUID passes: the
// use case refuses it.
func Preauthorize(p Principal, perm Permission, orgID string) error {
	switch {
	case orgID == "" && !p.isPlatform():
		orgID = p.OrgID
	case orgID != "":
		id, err := ParseUUID("organization id", orgID)
		if err != nil {
			return nil
		}
		orgID = id
	}
	return authorize(p, perm, orgID)
}

// newSecret returns 256 random bits, base64url-encoded, behind prefix.
func newSecret(prefix string) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return prefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// apiKeyPrefix starts every API key, so that secret scanners and humans recognise one.
const apiKeyPrefix = "billd_"

// validClientID reports whether id can name a client: 1–64 characters from [A-Za-z0-9._-].
func validClientID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	return strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
	}) < 0
}
