package billd

import (
	"context"
	"strings"
	"time"
)

// WebhookDelivery is one notice on its way to one webhook, with the log of its attempts.
type WebhookDelivery struct {
	ID        string
	WebhookID string
	NoticeID  string
	Type      NoticeType
	State     DeliveryState
	Attempts  int       // attempts made so far
	NextAt    time.Time // when the next attempt is due (while pending)
	RetryFrom time.Time // when the current run of retries began: creation, or the last redelivery
	CreatedAt time.Time
	UpdatedAt time.Time
	Log       []WebhookAttempt // the newest MaxDeliveryLog attempts, newest first
}

// DeliveryState is where a delivery stands.
type DeliveryState string

// Delivery states.
const (
	DeliveryPending   DeliveryState = "pending"   // an attempt is due at NextAt
	DeliveryDelivered DeliveryState = "delivered" // the receiver answered 2xx
	DeliveryFailed    DeliveryState = "failed"    // retries ran out (RedeliverWebhook re-queues it)
)

// WebhookAttempt is one attempt of a delivery, as its log keeps it.
type WebhookAttempt struct {
	N          int // 1 for the first attempt
	At         time.Time
	StatusCode int    // the receiver's HTTP status; 0 when none came
	Error      string // why it failed, bounded; empty for a 2xx
	Response   string // the start of the response body, bounded
}

// DueDelivery is a delivery to attempt, with what sending it needs.
type DueDelivery struct {
	Delivery WebhookDelivery
	Notice   Notice
	URL      string
	Secret   string
}

// Bounds and pacing of deliveries.
const (
	MaxDeliveryLog       = 20               // attempts kept in a delivery's log
	MaxDeliveryExcerpt   = 256              // bytes of a response body (or error) an attempt keeps
	MaxDeliveryPageSize  = 50               // deliveries in one page of the log
	DeliveryFirstBackoff = 30 * time.Second // the wait after a first failed attempt, doubled after each
	DeliveryMaxBackoff   = time.Hour        // the longest wait between attempts
	DeliveryRetryWindow  = 24 * time.Hour   // retries go on at least this long, then the delivery fails
)

// deliveryID is the id of the delivery of a notice to a webhook: the same for both every time.
func deliveryID(noticeID, webhookID string) string {
	return DeriveUUID("webhook-delivery:" + noticeID + ":" + webhookID)
}

// backoff is the wait after the attempts-th failed attempt.
func backoff(attempts int) time.Duration {
	d := DeliveryFirstBackoff
	for i := 1; i < attempts && d < DeliveryMaxBackoff; i++ {
		d *= 2
	}
	return min(d, DeliveryMaxBackoff)
}

// settle sets d's state after an attempt at at that succeeded or not.
func (d *WebhookDelivery) settle(ok bool, at time.Time) {
	d.Attempts++
	d.UpdatedAt = at
	switch {
	case ok:
		d.State = DeliveryDelivered
	case at.Sub(d.RetryFrom) >= DeliveryRetryWindow:
		d.State = DeliveryFailed
	default:
		d.State, d.NextAt = DeliveryPending, at.Add(backoff(d.Attempts))
	}
}

// ListWebhookDeliveries lists the deliveries of a webhook of the organization (orgID "" : a
// platform-wide one), newest first, each with the log of its newest attempts; at most
// MaxDeliveryPageSize a page. ENOTFOUND if it has no such webhook.
func (s *Service) ListWebhookDeliveries(ctx context.Context, p Principal, orgID, webhookID string, page PageRequest) (Page[*WebhookDelivery], error) {
	page.PageSize = min(page.PageSize, MaxDeliveryPageSize)
	if page.PageSize == 0 {
		page.PageSize = MaxDeliveryPageSize
	}
	limit, after, err := pageQuery(page, IsUUID)
	if err != nil {
		return Page[*WebhookDelivery]{}, err
	}
	var ds []*WebhookDelivery
	err = s.viewWebhooks(ctx, p, orgID, func(tx Tx, orgID string) error {
		w, err := ownWebhook(ctx, tx, orgID, webhookID)
		if err != nil {
			return err
		}
		ds, err = tx.WebhookDeliveries(ctx, DeliveryQuery{WebhookID: w.ID, After: after, Limit: limit + 1})
		return err
	})
	if err != nil {
		return Page[*WebhookDelivery]{}, err
	}
	return makePage(ds, limit, func(d *WebhookDelivery) Cursor { return Cursor{At: d.CreatedAt, ID: d.ID} }), nil
}

// RedeliverWebhook re-queues a delivery of a webhook of the organization (orgID "" : a
// platform-wide one) for now, whatever its state, with a new 24-hour run of retries, and wakes the
// delivery worker. ENOTFOUND if the webhook or the delivery is not there.
func (s *Service) RedeliverWebhook(ctx context.Context, p Principal, orgID, webhookID, id string) (*WebhookDelivery, error) {
	var d *WebhookDelivery
	err := s.changeWebhook(ctx, p, orgID, webhookID, func(tx Tx, w *Webhook) error {
		var err error
		if !IsUUID(id) {
			return Errorf(ENOTFOUND, "delivery not found")
		}
		if d, err = tx.WebhookDelivery(ctx, strings.ToLower(id)); err != nil {
			return err
		}
		if d.WebhookID != w.ID {
			return Errorf(ENOTFOUND, "delivery not found")
		}
		now := s.clock()
		d.State, d.NextAt, d.RetryFrom, d.UpdatedAt = DeliveryPending, now, now, now
		_, err = tx.UpdateDelivery(ctx, d, nil, time.Time{})
		return err
	})
	if err != nil {
		return nil, err
	}
	s.hooks.wakeUp()
	return d, nil
}
