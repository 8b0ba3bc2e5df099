package billd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The delivery worker. Each round, under the store lock "billd.webhooks" (one node at a time):
// notices not fanned out yet become one delivery row per matching enabled webhook (made once per
// (notice, webhook), in one transaction with marking the notices); then the due pending deliveries
// are POSTed, a few at once, and each answer is recorded in a transaction of its own. A delivery
// is settled only after its receiver answered, so a billd stopped mid-delivery sends it again
// after its restart: delivery is at least once, and receivers dedupe by the notice's id.

// WebhookConfig sets how webhooks are delivered. Zero values pick the defaults.
type WebhookConfig struct {
	// AllowPrivate lets webhooks be registered on, and sent to, private, loopback and link-local
	// addresses (off by default: a customer's URL must not reach billd's own network).
	AllowPrivate bool
	Timeout      time.Duration // of one attempt (default 10s)
	Concurrency  int           // attempts in flight at once, and connections (default 4)
	Every        time.Duration // pause between rounds when nothing wakes the worker (default 5s)
	// Retention is how long settled deliveries (delivered or failed), their logs and the notices
	// they were made of are kept (default 30 days); pending ones are never pruned.
	Retention time.Duration
}

// DefaultWebhookRetention is WebhookConfig.Retention's default.
const DefaultWebhookRetention = 30 * 24 * time.Hour

// pruneEvery spaces the rounds that prune settled webhook history.
const pruneEvery = time.Hour

// webhookRunner is the Service's delivery worker state.
type webhookRunner struct {
	client       *http.Client
	allowPrivate bool
	concurrency  int
	every        time.Duration
	retention    time.Duration
	prunedAt     time.Time // of the last prune, by the service's clock; only the round holding the lock uses it
	wake         chan struct{}
	stop         context.Context // ends when the Service closes: attempts in flight are dropped
	cancel       context.CancelFunc
}

func newWebhookRunner(cfg WebhookConfig) *webhookRunner {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Every <= 0 {
		cfg.Every = 5 * time.Second
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultWebhookRetention
	}
	stop, cancel := context.WithCancel(context.Background())
	return &webhookRunner{client: newWebhookClient(cfg.Timeout, cfg.Concurrency, cfg.AllowPrivate),
		allowPrivate: cfg.AllowPrivate, concurrency: cfg.Concurrency, every: cfg.Every, retention: cfg.Retention,
		wake: make(chan struct{}, 1), stop: stop, cancel: cancel}
}

// wakeUp asks the worker for a round soon; it never blocks.
func (r *webhookRunner) wakeUp() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// RunWebhooks runs delivery rounds until ctx ends: after every commit that wrote notices, and
// every WebhookConfig.Every.
func (s *Service) RunWebhooks(ctx context.Context) {
	t := time.NewTicker(s.hooks.every)
	defer t.Stop()
	for {
		n, err := s.DeliverWebhooks(ctx, 100)
		if ctx.Err() == nil && s.observeJob("billd.webhooks", err) != nil {
			s.log.Warn("webhooks: a delivery round failed", "err", err)
		}
		if n > 0 {
			s.hooks.wakeUp() // there may be more due: another round at once, until one finds none
		}
		select {
		case <-ctx.Done():
			return
		case <-s.hooks.stop.Done():
			return
		case <-t.C:
		case <-s.hooks.wake:
		}
	}
}

// DeliverWebhooks runs one delivery round, if no other node is running one: it fans out up to
// batch notices and makes the attempts due, up to batch. It returns the number of attempts whose
// outcome it recorded.
func (s *Service) DeliverWebhooks(ctx context.Context, batch int) (int, error) {
	release, ok, err := s.store.TryLock(ctx, "billd.webhooks")
	if err != nil || !ok {
		return 0, err
	}
	defer release()
	if err := s.fanOut(ctx, batch); err != nil {
		return 0, err
	}
	if err := s.pruneWebhookHistory(ctx, batch); err != nil {
		return 0, err
	}
	var due []DueDelivery
	err = s.view(ctx, func(tx Tx) error {
		due, err = tx.DueDeliveries(ctx, s.clock(), batch)
		return err
	})
	if err != nil {
		return 0, err
	}
	return s.sendAll(ctx, due), nil
}

// pruneWebhookHistory deletes, at most once per pruneEvery and up to batch of each, the settled
// deliveries (with their logs) and the fanned-out notices that no delivery needs any more, once
// they are older than the retention, so that the outbox does not grow for ever.
func (s *Service) pruneWebhookHistory(ctx context.Context, batch int) error {
	now := s.clock()
	if now.Sub(s.hooks.prunedAt) < pruneEvery {
		return nil
	}
	err := s.update(ctx, func(tx Tx) error { return tx.PruneWebhookHistory(ctx, now.Add(-s.hooks.retention), batch) })
	if err == nil {
		s.hooks.prunedAt = now
	}
	return err
}

// fanOut makes the deliveries of up to batch notices not fanned out yet.
func (s *Service) fanOut(ctx context.Context, batch int) error {
	return s.update(ctx, func(tx Tx) error {
		notices, err := tx.UnsentNotices(ctx, batch)
		if err != nil || len(notices) == 0 {
			return err
		}
		if len(notices) == batch {
			s.hooks.wakeUp() // more to fan out: another round at once
		}
		now := s.clock()
		var ds []WebhookDelivery
		ids := make([]string, 0, len(notices))
		hooksOf := make(map[string][]*Webhook) // by organization: read once a round
		for _, n := range notices {
			ids = append(ids, n.ID)
			hooks, read := hooksOf[n.OrgID]
			if !read {
				if hooks, err = tx.Webhooks(ctx, WebhookQuery{EnabledFor: n.OrgID}); err != nil {
					return err
				}
				hooksOf[n.OrgID] = hooks
			}
			for _, w := range hooks {
				if w.wants(n.Type) {
					ds = append(ds, WebhookDelivery{ID: deliveryID(n.ID, w.ID), WebhookID: w.ID, NoticeID: n.ID, Type: n.Type,
						State: DeliveryPending, NextAt: now, RetryFrom: now, CreatedAt: now, UpdatedAt: now})
				}
			}
		}
		return tx.InsertDeliveries(ctx, ds, ids)
	})
}

// sendAll attempts the deliveries, at most the configured number at once, and returns how many
// outcomes it recorded.
func (s *Service) sendAll(ctx context.Context, due []DueDelivery) int {
	sem := make(chan struct{}, s.hooks.concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	recorded := 0
	for i := range due {
		if ctx.Err() != nil || s.hooks.stop.Err() != nil {
			break // stopping: the rest stay due
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(d *DueDelivery) {
			defer func() { <-sem; wg.Done() }()
			if s.attempt(ctx, d) {
				mu.Lock()
				recorded++
				mu.Unlock()
			}
		}(&due[i])
	}
	wg.Wait()
	return recorded
}

// attempt sends one delivery and records the outcome; it reports whether it did. An attempt cut
// short because billd is stopping is not recorded: the delivery stays due.
func (s *Service) attempt(ctx context.Context, d *DueDelivery) bool {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.hooks.stop, cancel)
	defer stop()
	at := s.clock()
	a := s.postWebhook(ctx, d, at)
	if ctx.Err() != nil {
		return false
	}
	del, since := d.Delivery, d.Delivery.UpdatedAt
	del.settle(a.StatusCode >= 200 && a.StatusCode < 300 && a.Error == "", at)
	a.N = del.Attempts
	var found bool
	err := s.update(ctx, func(tx Tx) error {
		var err error
		found, err = tx.UpdateDelivery(ctx, &del, &a, since)
		return err
	})
	if err != nil {
		s.log.Warn("webhooks: could not record an attempt", "delivery", del.ID, "err", err)
		return false
	}
	if found {
		s.obs.WebhookDelivery(deliveryOutcome(del.State))
	}
	return found
}

// webhookBody is the JSON body of a delivery.
type webhookBody struct {
	ID        string          `json:"id"`
	Type      NoticeType      `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	OrgID     string          `json:"org_id"`
	AccountID string          `json:"account_id"`
	Data      json.RawMessage `json:"data"`
}

// postWebhook makes one attempt of d at at and returns its log entry (without its number).
func (s *Service) postWebhook(ctx context.Context, d *DueDelivery, at time.Time) WebhookAttempt {
	n := d.Notice
	body, _ := json.Marshal(webhookBody{ID: n.ID, Type: n.Type, CreatedAt: n.CreatedAt.UTC(), OrgID: n.OrgID,
		AccountID: n.AccountID, Data: n.Data})
	a := WebhookAttempt{At: at}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		a.Error = excerpt(err.Error())
		return a
	}
	ts := at.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "billd-webhooks")
	req.Header.Set(WebhookIDHeader, n.ID)
	req.Header.Set(WebhookTimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(WebhookSignatureHeader, SignWebhook(d.Secret, ts, body))
	resp, err := s.hooks.client.Do(req)
	if err != nil {
		a.Error = excerpt(err.Error())
		return a
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, MaxDeliveryExcerpt))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	a.StatusCode, a.Response = resp.StatusCode, excerpt(string(head))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		a.Error = fmt.Sprintf("the receiver answered %d", resp.StatusCode)
	}
	return a
}

// excerpt cuts s to MaxDeliveryExcerpt bytes, as valid UTF-8 without NULs (PostgreSQL text has none).
func excerpt(s string) string {
	if len(s) > MaxDeliveryExcerpt {
		s = s[:MaxDeliveryExcerpt]
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}
