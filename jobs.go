package billd

import (
	"context"
	"time"
)

// Background jobs run in every billd process; each runs on one node at a time, under a lock of the
// store (Store.TryLock) held on a connection of its own. A node that finds a job's lock taken
// skips that round.

// JobsConfig sets how often the background jobs run.
type JobsConfig struct {
	Every time.Duration // pause between rounds; 0 picks one minute
	Batch int           // objects one round of a job handles at most; 0 picks 100
}

// job is one background job: a name (its lock) and one round of work.
type job struct {
	name  string
	round func(ctx context.Context, batch int) error
}

// jobs lists the background jobs.
func (s *Service) jobs() []job {
	return []job{
		{"billd.events", s.retryEvents},
		{"billd.checkouts", s.sweepCheckouts},
		{"billd.subscriptions", s.renewSubscriptions},
		{"billd.invoices", s.invoiceRound},
		{"billd.charges", s.chargeRound},
		{"billd.purge", s.purgeRound},
	}
}

// RunJobs runs the background jobs every cfg.Every until ctx ends.
func (s *Service) RunJobs(ctx context.Context, cfg JobsConfig) {
	if cfg.Every <= 0 {
		cfg.Every = time.Minute
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	t := time.NewTicker(cfg.Every)
	defer t.Stop()
	for {
		s.RunJobsOnce(ctx, cfg.Batch)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunJobsOnce runs one round of each job whose lock it gets, and returns how many it ran.
func (s *Service) RunJobsOnce(ctx context.Context, batch int) int {
	ran := 0
	for _, j := range s.jobs() {
		if ctx.Err() != nil {
			return ran
		}
		release, ok, err := s.store.TryLock(ctx, j.name)
		if err != nil {
			s.log.Warn("jobs: could not take a job's lock", "job", j.name, "err", err)
			continue
		}
		if !ok {
			continue
		}
		if err := s.observeJob(j.name, j.round(ctx, batch)); err != nil {
			s.log.Warn("jobs: a round failed", "job", j.name, "err", err)
		}
		release()
		ran++
	}
	return ran
}

// retryEvents processes the recorded events whose next attempt is due.
func (s *Service) retryEvents(ctx context.Context, batch int) error {
	var due []*StoredEvent
	err := s.view(ctx, func(tx Tx) error {
		var err error
		due, err = tx.PendingEvents(ctx, s.clock(), batch)
		return err
	})
	for _, e := range due {
		s.processEvent(ctx, e.Provider, e.ID)
	}
	return err
}

// sweepCheckouts brings open checkouts up to date: those past their expiry are closed at the
// provider and here (oldest first, a batch per round, so every one is reached); the newest others
// are synced with the provider, so that a checkout is fulfilled even when its webhook never comes.
func (s *Service) sweepCheckouts(ctx context.Context, batch int) error {
	now := s.clock()
	var overdue, open []*Checkout
	err := s.view(ctx, func(tx Tx) error {
		var err error
		if overdue, err = tx.Checkouts(ctx, CheckoutQuery{State: CheckoutOpen, ExpiresBefore: now, Limit: batch}); err != nil {
			return err
		}
		open, err = tx.Checkouts(ctx, CheckoutQuery{State: CheckoutOpen, Limit: batch})
		return err
	})
	for _, c := range append(overdue, open...) {
		if err := s.sweepCheckout(ctx, c, now); err != nil {
			s.log.Warn("jobs: could not sync a checkout", "checkout", c.ID, "err", err)
		}
	}
	return err
}

// sweepCheckout syncs one open checkout with its provider, and expires it if it is past its time
// and still unpaid.
func (s *Service) sweepCheckout(ctx context.Context, c *Checkout, now time.Time) error {
	if c.ProviderID != "" {
		// A provider that no longer knows the session (the sandbox, after a restart) has no news.
		if err := s.syncCheckout(ctx, c); err != nil && ErrorCode(err) != ENOTFOUND {
			return err
		}
	}
	if !now.After(c.ExpireAt) {
		return nil
	}
	if pr := s.providers[c.Provider]; pr != nil && c.ProviderID != "" {
		if err := pr.ExpireCheckout(ctx, c.ProviderID); err != nil && ErrorCode(err) != ENOTFOUND {
			s.log.Warn("jobs: the provider did not expire a checkout", "checkout", c.ID, "err", err)
		}
	}
	return s.expireCheckout(ctx, c.ID)
}
