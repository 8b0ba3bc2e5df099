package billd

import (
	"context"
	"strings"
)

// Limits bound what a client can make billd store, and so what any response can hold: the
// metadata of one object and the objects of one organization. Zero values pick the defaults.
type Limits struct {
	// MaxMetadataBytes bounds the JSON text of one object's metadata: an organization, project,
	// billing account, usage or grant (default 16 KiB). Larger metadata is EINVALID.
	MaxMetadataBytes int
	// MaxProjectsPerOrg bounds the open projects of one organization (default 1000).
	MaxProjectsPerOrg int
	// MaxAccountsPerOrg bounds the billing accounts of one organization that are not closed
	// (default 100).
	MaxAccountsPerOrg int
	// MaxClientsPerOrg bounds the unrevoked API clients of one organization (default 100).
	MaxClientsPerOrg int
	// MaxWebhooksPerOrg bounds the webhooks of one organization, and the platform-wide ones
	// (default 10).
	MaxWebhooksPerOrg int
}

// Defaults of Limits.
const (
	DefaultMaxMetadataBytes  = 16 << 10
	DefaultMaxProjectsPerOrg = 1000
	DefaultMaxAccountsPerOrg = 100
	DefaultMaxClientsPerOrg  = 100
	DefaultMaxWebhooksPerOrg = 10
)

func (l Limits) withDefaults() Limits {
	if l.MaxMetadataBytes <= 0 {
		l.MaxMetadataBytes = DefaultMaxMetadataBytes
	}
	if l.MaxProjectsPerOrg <= 0 {
		l.MaxProjectsPerOrg = DefaultMaxProjectsPerOrg
	}
	if l.MaxAccountsPerOrg <= 0 {
		l.MaxAccountsPerOrg = DefaultMaxAccountsPerOrg
	}
	if l.MaxClientsPerOrg <= 0 {
		l.MaxClientsPerOrg = DefaultMaxClientsPerOrg
	}
	if l.MaxWebhooksPerOrg <= 0 {
		l.MaxWebhooksPerOrg = DefaultMaxWebhooksPerOrg
	}
	return l
}

// checkMetadata refuses metadata whose JSON text is larger than the limit.
func (l Limits) checkMetadata(m Metadata) error {
	if n := len(m.Marshal()); n > l.MaxMetadataBytes {
		return Errorf(EINVALID, "metadata is %d bytes of JSON; at most %d are allowed", n, l.MaxMetadataBytes)
	}
	return nil
}

// ObjectKind names what an organization holds, for its quotas.
type ObjectKind string

// Kinds of objects with a quota per organization.
const (
	ObjectProjects ObjectKind = "projects"
	ObjectAccounts ObjectKind = "billing accounts"
	ObjectClients  ObjectKind = "clients"
)

// quota returns the limit of kind.
func (l Limits) quota(kind ObjectKind) int {
	switch kind {
	case ObjectProjects:
		return l.MaxProjectsPerOrg
	case ObjectAccounts:
		return l.MaxAccountsPerOrg
	}
	return l.MaxClientsPerOrg
}

// checkQuota refuses one more object of kind in the organization, whose lock the caller holds so
// that concurrent creations cannot pass the count together. EQUOTA when it is full.
func (l Limits) checkQuota(ctx context.Context, tx Tx, orgID string, kind ObjectKind) error {
	n, err := tx.CountOrganizationObjects(ctx, orgID, kind)
	if err != nil {
		return err
	}
	if max := l.quota(kind); n >= max {
		return Errorf(EQUOTA, "the organization already has the most %s it may have (%d)", kind, max)
	}
	return nil
}

// checkText refuses text that a store cannot keep: PostgreSQL's text refuses NUL characters, and
// one in a batch would fail the whole batch on every retry.
func checkText(field, value string) error {
	if strings.IndexByte(value, 0) >= 0 {
		return Errorf(EINVALID, "%s must not contain NUL characters", field)
	}
	return nil
}

// checkTexts is checkText over field/value pairs.
func checkTexts(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := checkText(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}
