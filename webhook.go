package billd

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// Webhook is an endpoint that receives notices: an organization's (its events only) or, with an
// empty OrgID, the platform's (every organization's events).
type Webhook struct {
	ID          string
	OrgID       string // empty: platform-wide
	URL         string
	Types       []NoticeType // the events wanted; empty: every type
	Description string
	Enabled     bool
	// Secret signs every delivery. It is stored as it is, since billd must read it back to sign;
	// CreateWebhook shows it once and no read returns it again.
	Secret    string
	CreatedAt time.Time
}

// wants reports whether w takes notices of type t.
func (w *Webhook) wants(t NoticeType) bool {
	return len(w.Types) == 0 || slices.Contains(w.Types, t)
}

// WebhookInput is what a caller sets on a new webhook.
type WebhookInput struct {
	URL         string
	Types       []string // names of NoticeTypes; none: every type
	Description string
	Disabled    bool // created disabled: no deliveries are made for it
	// ID, when set, is the new webhook's id (a UUID), chosen by the caller so that a request sent
	// twice (a form posted again) is refused with ECONFLICT instead of making a second endpoint.
	// Empty: billd picks one. Only CreateWebhook uses it.
	ID string
}

// Bounds of a webhook's fields.
const (
	MaxWebhookURLBytes         = 2048
	MaxWebhookDescriptionBytes = 1000
)

// WebhookTx persists webhooks and their deliveries.
type WebhookTx interface {
	// InsertWebhook stores a new webhook; an error that wraps ErrDuplicateID if the id is taken.
	InsertWebhook(ctx context.Context, w *Webhook) error
	// UpdateWebhook stores w's url, types, description and enabled.
	UpdateWebhook(ctx context.Context, w *Webhook) error
	// Webhook returns the webhook with the id; ENOTFOUND if there is none.
	Webhook(ctx context.Context, id string) (*Webhook, error)
	// Webhooks lists the webhooks of an organization (orgID "" : the platform-wide ones), oldest
	// first; enabledFor, when set, lists instead the enabled webhooks that get that
	// organization's notices: its own and the platform-wide ones.
	Webhooks(ctx context.Context, q WebhookQuery) ([]*Webhook, error)
	// DeleteWebhook deletes a webhook with its deliveries and their log.
	DeleteWebhook(ctx context.Context, id string) error
	// UnsentNotices returns the oldest notices that have no deliveries made yet.
	UnsentNotices(ctx context.Context, limit int) ([]Notice, error)
	// InsertDeliveries stores deliveries (one skipped if its (notice, webhook) exists) and marks
	// the notices noticeIDs as fanned out.
	InsertDeliveries(ctx context.Context, ds []WebhookDelivery, noticeIDs []string) error
	// DueDeliveries returns the pending deliveries whose next attempt is at or before now, the
	// oldest first, with their notice and endpoint.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]DueDelivery, error)
	// WebhookDelivery returns a delivery with its log; ENOTFOUND if there is none.
	WebhookDelivery(ctx context.Context, id string) (*WebhookDelivery, error)
	// WebhookDeliveries lists a webhook's deliveries, newest first, each with its log.
	WebhookDeliveries(ctx context.Context, q DeliveryQuery) ([]*WebhookDelivery, error)
	// UpdateDelivery stores d's state, attempts, next_at, retry_from and updated_at and, when a is
	// not nil, appends a to its log and trims the log to its newest MaxDeliveryLog attempts. With
	// a non-zero since, only attempts is stored unless its updated_at is still since (a redelivery
	// meanwhile wins; a is logged anyway). It returns false if the delivery no longer exists.
	UpdateDelivery(ctx context.Context, d *WebhookDelivery, a *WebhookAttempt, since time.Time) (bool, error)
	// PruneWebhookHistory deletes up to limit settled deliveries last changed before before, with
	// their attempts, and up to limit fanned-out notices made before before that no delivery
	// refers to.
	PruneWebhookHistory(ctx context.Context, before time.Time, limit int) error
	// LockPlatformWebhooks holds, to the end of the transaction, the lock under which the
	// platform-wide webhooks are counted.
	LockPlatformWebhooks(ctx context.Context) error
}

// WebhookQuery selects webhooks.
type WebhookQuery struct {
	OrgID      string // the organization's own; "" : the platform-wide ones
	EnabledFor string // if set: the enabled ones of this organization and of the platform
}

// DeliveryQuery selects the deliveries of one webhook.
type DeliveryQuery struct {
	WebhookID string
	After     *Cursor // keyset position (created_at, id), newest first
	Limit     int
}

// CreateWebhook registers a webhook of the organization orgID, or a platform-wide one when orgID
// is "", and returns it with its secret, which no other call shows. Org admins and owners manage
// their organization's webhooks; platform admins any. EINVALID for a URL that is not http(s), too
// long, or (unless the operator allows it) on a private, loopback or link-local address, or an
// unknown event type, or an id (WebhookInput.ID) that is not a UUID; ECONFLICT for an id that
// exists already; EQUOTA past the limit of webhooks per organization (or platform).
func (s *Service) CreateWebhook(ctx context.Context, p Principal, orgID string, in WebhookInput) (*Webhook, error) {
	if err := s.authorizeWebhooks(p, orgID); err != nil {
		return nil, err
	}
	w, err := s.newWebhook(ctx, in)
	if err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx Tx) error {
		if orgID != "" {
			o, err := enabledOrganization(ctx, tx, p, PermUpdate, orgID)
			if err != nil {
				return err
			}
			w.OrgID = o.ID
		}
		// An organization's webhooks are counted under its lock, platform-wide ones under the
		// platform's webhooks lock: creations at the same moment cannot pass the count together.
		if w.OrgID == "" {
			if err := tx.LockPlatformWebhooks(ctx); err != nil {
				return err
			}
		}
		have, err := tx.Webhooks(ctx, WebhookQuery{OrgID: w.OrgID})
		if err != nil {
			return err
		}
		if len(have) >= s.limits.MaxWebhooksPerOrg {
			return Errorf(EQUOTA, "at most %d webhooks are allowed per organization (and platform-wide)", s.limits.MaxWebhooksPerOrg)
		}
		return tx.InsertWebhook(ctx, w)
	})
	if in.ID != "" && errors.Is(err, ErrDuplicateID) {
		return nil, Errorf(ECONFLICT, "webhook %s exists already: its secret was shown only when it was made", in.ID)
	}
	if err != nil {
		return nil, err
	}
	return w, nil
}

// newWebhook validates in and returns the webhook it describes, with its id (in.ID, or a new
// one) and a new secret.
func (s *Service) newWebhook(ctx context.Context, in WebhookInput) (*Webhook, error) {
	if in.ID != "" && !IsUUID(in.ID) {
		return nil, Errorf(EINVALID, "a new webhook's id must be a UUID: %.64q is not", in.ID)
	}
	u, err := s.checkWebhookURL(ctx, in.URL)
	if err != nil {
		return nil, err
	}
	if len(in.Description) > MaxWebhookDescriptionBytes {
		return nil, Errorf(EINVALID, "the description is longer than %d bytes", MaxWebhookDescriptionBytes)
	}
	if err := checkText("description", in.Description); err != nil {
		return nil, err
	}
	var types []NoticeType
	for _, name := range in.Types {
		t := NoticeType(strings.TrimSpace(name))
		if !slices.Contains(NoticeTypes, t) {
			return nil, Errorf(EINVALID, "unknown event type %.64q", name)
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	return &Webhook{ID: cmp.Or(strings.ToLower(in.ID), s.newID()), URL: u, Types: types, Description: in.Description, Enabled: !in.Disabled,
		Secret: newSecret("whsec_"), CreatedAt: s.clock()}, nil
}

// authorizeWebhooks checks that p may manage the webhooks of orgID ("" : the platform's).
func (s *Service) authorizeWebhooks(p Principal, orgID string) error {
	if orgID == "" {
		return authorize(p, PermSuper, "")
	}
	return Preauthorize(p, PermUpdate, orgID)
}

// ListWebhooks lists the webhooks of an organization, or the platform-wide ones when orgID is "",
// oldest first, without their secrets. A list is bounded by the limit of webhooks per
// organization. EFORBIDDEN and ENOTFOUND as CreateWebhook.
func (s *Service) ListWebhooks(ctx context.Context, p Principal, orgID string) ([]*Webhook, error) {
	var hooks []*Webhook
	err := s.viewWebhooks(ctx, p, orgID, func(tx Tx, orgID string) error {
		var err error
		hooks, err = tx.Webhooks(ctx, WebhookQuery{OrgID: orgID})
		return err
	})
	for _, w := range hooks {
		w.Secret = ""
	}
	return hooks, err
}

// viewWebhooks checks that p may manage orgID's webhooks and runs fn in a read transaction with
// the organization's id as stored ("" for the platform).
func (s *Service) viewWebhooks(ctx context.Context, p Principal, orgID string, fn func(tx Tx, orgID string) error) error {
	if err := s.authorizeWebhooks(p, orgID); err != nil {
		return err
	}
	return s.view(ctx, func(tx Tx) error {
		if orgID == "" {
			return fn(tx, "")
		}
		o, err := openOrganization(ctx, tx, p, PermUpdate, orgID, false)
		if err != nil {
			return err
		}
		return fn(tx, o.ID)
	})
}

// ownWebhook returns the webhook id of the organization orgID ("" : a platform-wide one);
// ENOTFOUND if it has no such webhook.
func ownWebhook(ctx context.Context, tx Tx, orgID, id string) (*Webhook, error) {
	if !IsUUID(id) {
		return nil, Errorf(ENOTFOUND, "webhook not found")
	}
	w, err := tx.Webhook(ctx, strings.ToLower(id))
	if err != nil {
		return nil, err
	}
	if w.OrgID != orgID {
		return nil, Errorf(ENOTFOUND, "webhook not found")
	}
	return w, nil
}

// UpdateWebhook replaces the url, event types, description and enabled state of a webhook of the
// organization (orgID "" : a platform-wide one), validated as CreateWebhook does; its id and
// secret stay. A disabled webhook gets no new deliveries and its pending ones wait until it is
// enabled again. ENOTFOUND if the organization has no such webhook.
func (s *Service) UpdateWebhook(ctx context.Context, p Principal, orgID, id string, in WebhookInput) (*Webhook, error) {
	if err := s.authorizeWebhooks(p, orgID); err != nil {
		return nil, err
	}
	next, err := s.newWebhook(ctx, in)
	if err != nil {
		return nil, err
	}
	return s.editWebhook(ctx, p, orgID, id, func(w *Webhook) {
		w.URL, w.Types, w.Description, w.Enabled = next.URL, next.Types, next.Description, next.Enabled
	})
}

// SetWebhookEnabled enables or disables a webhook of the organization (orgID "" : a platform-wide
// one) and changes nothing else, in one transaction, so that a concurrent change of its other
// settings stands. ENOTFOUND if it has no such webhook.
func (s *Service) SetWebhookEnabled(ctx context.Context, p Principal, orgID, id string, enabled bool) (*Webhook, error) {
	return s.editWebhook(ctx, p, orgID, id, func(w *Webhook) { w.Enabled = enabled })
}

// editWebhook applies edit to a webhook of the organization and stores it, in one transaction
// (changeWebhook's), and returns it without its secret.
func (s *Service) editWebhook(ctx context.Context, p Principal, orgID, id string, edit func(w *Webhook)) (*Webhook, error) {
	var out *Webhook
	err := s.changeWebhook(ctx, p, orgID, id, func(tx Tx, w *Webhook) error {
		edit(w)
		out = w
		return tx.UpdateWebhook(ctx, w)
	})
	if err != nil {
		return nil, err
	}
	out.Secret = ""
	return out, nil
}

// DeleteWebhook deletes a webhook of the organization (orgID "" : a platform-wide one) with its
// deliveries and their log; nothing more is sent to it. ENOTFOUND if it has no such webhook.
func (s *Service) DeleteWebhook(ctx context.Context, p Principal, orgID, id string) error {
	return s.changeWebhook(ctx, p, orgID, id, func(tx Tx, w *Webhook) error { return tx.DeleteWebhook(ctx, w.ID) })
}

// changeWebhook checks that p may manage orgID's webhooks and runs fn in a write transaction on
// the webhook id of the organization ("" : a platform-wide one); ENOTFOUND if it has no such
// webhook.
func (s *Service) changeWebhook(ctx context.Context, p Principal, orgID, id string, fn func(tx Tx, w *Webhook) error) error {
	if err := s.authorizeWebhooks(p, orgID); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		if orgID != "" {
			o, err := openOrganization(ctx, tx, p, PermUpdate, orgID, false)
			if err != nil {
				return err
			}
			orgID = o.ID
		}
		w, err := ownWebhook(ctx, tx, orgID, id)
		if err != nil {
			return err
		}
		return fn(tx, w)
	})
}
