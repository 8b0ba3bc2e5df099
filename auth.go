package billd

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
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

// Client is an API client: a principal that authenticates with its id and secret (HTTP Basic) or
// with its API key (HTTP Bearer). Secrets and keys are stored only as SHA-256 digests.
type Client struct {
	ID         string
	Name       string
	Role       Role
	OrgID      string // empty for platform clients
	SecretHash string // hex SHA-256 of the client secret
	APIKeyHash string // hex SHA-256 of the API key
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

// action is what a use case needs the principal to be allowed to do on an organization.
type action int

const (
	actGet         action = iota // read the org's objects: any org role, platform admin
	actUpdate                    // change the org's objects: org admin or owner, platform admin
	actDelete                    // create or delete accounts, manage clients: org owner, platform admin
	actReadBalance               // read balances and credit checks: actGet, plus the platform meter
	actMeter                     // report and revert usage: platform meter and admin
	actSuper                     // platform admin only
)

// isPlatform reports whether p acts on every organization.
func (p Principal) isPlatform() bool { return p.OrgID == "" }

// may reports whether p may perform act on the organization orgID.
func (p Principal) may(act action, orgID string) bool {
	if p.isPlatform() {
		switch p.Role {
		case RoleAdmin:
			return true
		case RoleMeter:
			return act == actMeter || act == actReadBalance
		}
		return false
	}
	if p.OrgID != orgID {
		return false
	}
	switch act {
	case actGet, actReadBalance:
		return p.Role == RoleMember || p.Role == RoleAdmin || p.Role == RoleOwner
	case actUpdate:
		return p.Role == RoleAdmin || p.Role == RoleOwner
	case actDelete:
		return p.Role == RoleOwner
	}
	return false
}

// authorize returns EFORBIDDEN unless p may perform act on orgID.
func authorize(p Principal, act action, orgID string) error {
	if !p.may(act, orgID) {
		return Errorf(EFORBIDDEN, "not authorized")
	}
	return nil
}

// hashSecret returns the hex SHA-256 digest under which a secret or key is stored.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// secretMatches compares a presented secret with a stored digest in constant time.
func secretMatches(secret, storedHash string) bool {
	want, err := hex.DecodeString(storedHash)
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], want) == 1
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
