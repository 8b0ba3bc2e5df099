package billd

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Config holds what a Service is built from. Only Store is required.
type Config struct {
	Store  Store
	Now    func() time.Time // the clock; time.Now when nil
	NewID  func() string    // id generator; NewUUID when nil
	Logger *slog.Logger     // slog.Default() when nil
	Commit CommitConfig     // group commit of money-moving requests; on by default
	Cache  CacheConfig      // caches of the request path; on by default
	Limits Limits           // what one object or organization may hold
	// SecretHashIterations is the PBKDF2 cost of chosen secrets (secret.go); 0 picks
	// DefaultSecretHashIterations.
	SecretHashIterations int
	// Providers are the payment providers billd takes money through, by name; the first is the
	// one new customers are registered with. None: checkouts are refused.
	Providers []Provider
	// Invoicing sets overdraft invoicing; off by default.
	Invoicing InvoicingConfig
	// Webhooks sets how webhooks are delivered (RunWebhooks).
	Webhooks WebhookConfig
	// Recharge tunes automatic recharges (cooldown, monthly cap, retries).
	Recharge RechargeConfig
	// PurgeAfter is how long a deleted account's personal data is kept before the purge job
	// erases it; 0 picks 30 days.
	PurgeAfter time.Duration
	// Observer is told what the service does, for metrics; nil: nobody.
	Observer Observer
}

// Service runs billd's use cases. Each method checks the principal's permission, validates its
// input and runs in one store transaction, with the checks that guard a write inside the
// transaction that writes.
type Service struct {
	store     Store
	now       func() time.Time
	newID     func() string
	log       *slog.Logger
	limits    Limits
	committer *committer // nil when group commit is disabled
	auth      *ttlCache[[32]byte, Principal]
	secrets   *secretChecker
	keyOwner  atomic.Pointer[string] // the admin whose API key the environment chose (BootstrapAdmin)
	accounts  *ttlCache[accountKey, *BillingAccount]
	providers map[string]Provider
	provider  Provider // where new customers are registered
	invoicing InvoicingConfig
	hooks     *webhookRunner
	rejected  rejections // usage.rejected notices stored this hour
	recharge  RechargeConfig
	purge     time.Duration
	workers   *workers
	obs       Observer // never nil
}

// NewService returns a Service over cfg.Store.
func NewService(cfg Config) *Service {
	s := &Service{store: cfg.Store, now: cfg.Now, newID: cfg.NewID, log: cfg.Logger, limits: cfg.Limits.withDefaults(),
		secrets: newSecretChecker(cfg.SecretHashIterations), invoicing: cfg.Invoicing,
		hooks: newWebhookRunner(cfg.Webhooks), recharge: cfg.Recharge.withDefaults(), purge: cfg.PurgeAfter}
	if s.purge <= 0 {
		s.purge = DefaultPurgeAfter
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.obs = cfg.Observer; s.obs == nil {
		s.obs = nopObserver{}
	}
	s.providers = make(map[string]Provider, len(cfg.Providers))
	for i, p := range cfg.Providers {
		if i == 0 {
			s.provider = p
		}
		s.providers[p.Name()] = p
	}
	if s.newID == nil {
		s.newID = NewUUID
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if !cfg.Commit.Disabled {
		s.committer = newCommitter(s, cfg.Commit.withDefaults())
	}
	s.startWorkers()
	if ttl := ttlOrDefault(cfg.Cache.AuthTTL, time.Second); ttl > 0 {
		s.auth = newTTLCache[[32]byte, Principal](ttl, 100000)
	}
	if ttl := ttlOrDefault(cfg.Cache.AccountTTL, 10*time.Second); ttl > 0 {
		s.accounts = newTTLCache[accountKey, *BillingAccount](ttl, 100000)
	}
	return s
}

// accountsChanged forgets the accounts usage reporting remembers, after a change to accounts,
// projects or organizations on this node.
func (s *Service) accountsChanged() { s.accounts.reset() }

// Close stops the service's background work: the workers stop, webhook attempts in flight are
// dropped unrecorded (they are due again after a restart) and RunWebhooks returns, and the group
// committer commits what is queued and stops. Money-moving calls after Close fail with
// EUNAVAILABLE. The store is closed by its owner.
func (s *Service) Close() error {
	s.hooks.cancel()
	s.workers.close()
	if s.committer != nil {
		s.committer.close()
	}
	return nil
}

// Ready reports whether the service can serve: nil, or an EUNAVAILABLE *Error when its store does
// not answer within a few seconds.
func (s *Service) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return Errorf(EUNAVAILABLE, "the store is unreachable; retry later")
	}
	return nil
}

// clock returns the current time in UTC at the microsecond precision the stores keep.
func (s *Service) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// view runs fn in a read-only transaction.
func (s *Service) view(ctx context.Context, fn func(Tx) error) error {
	return s.store.View(ctx, fn)
}

// update runs fn in a read-write transaction; when the transaction wrote notices, the webhook
// worker is woken after its commit.
func (s *Service) update(ctx context.Context, fn func(Tx) error) error {
	var wrote bool
	err := s.store.Update(ctx, func(tx Tx) error {
		wrote = false // a retried transaction starts over
		return fn(noticeWatch{Tx: tx, wrote: &wrote})
	})
	if err == nil && wrote {
		s.hooks.wakeUp()
	}
	return err
}

// noticeWatch is a Tx that notes whether notices were written.
type noticeWatch struct {
	Tx
	wrote *bool
}

// AppendNotices implements NoticeTx.
func (w noticeWatch) AppendNotices(ctx context.Context, notices []Notice) error {
	if len(notices) > 0 {
		*w.wrote = true
	}
	return w.Tx.AppendNotices(ctx, notices)
}
