package billd

import (
	"context"
	"sync"
	"time"
)

// Automatic recharge. A debit that takes an account's balance below its Recharge.Low stores a
// pending recharge charge in its own transaction (watch.go) and wakes the charge worker after the
// commit; the "billd.charges" job sweeps what a wake-up missed (another node's, a restart). The
// worker charges the account's default payment method for High minus the balance at that moment
// (if the balance is back at Low by then, the charge is canceled), at most once per Cooldown after
// the account's previous successful recharge (the charge waits) and at most MonthlyCap times per
// calendar month (beyond it the charge is canceled). A declined charge is retried after Backoff,
// doubling, and given up (canceled) after Attempts tries.

// RechargeConfig tunes automatic recharges.
type RechargeConfig struct {
	// Cooldown is the least time between two successful recharges of one account; 0 picks 10
	// minutes, negative is none.
	Cooldown time.Duration
	// MonthlyCap is the most successful recharges of one account per calendar month (UTC); 0
	// picks 20.
	MonthlyCap int
	// Attempts is how many times a declined recharge is tried before it is given up; 0 picks 4.
	Attempts int
	// Backoff is the wait before the first retry of a declined recharge, doubled at each further
	// one; 0 picks 1 hour.
	Backoff time.Duration
}

func (c RechargeConfig) withDefaults() RechargeConfig {
	if c.Cooldown == 0 {
		c.Cooldown = 10 * time.Minute
	}
	if c.MonthlyCap <= 0 {
		c.MonthlyCap = 20
	}
	if c.Attempts <= 0 {
		c.Attempts = 4
	}
	if c.Backoff <= 0 {
		c.Backoff = time.Hour
	}
	return c
}

// Why a recharge was canceled before its provider was asked (Charge.FailureCode).
const (
	rechargeRecovered = "balance_recovered"
	rechargeOff       = "recharge_off"
	rechargeCapped    = "monthly_cap_reached"
)

var rechargeReasons = map[string]string{
	rechargeRecovered: "the balance was back at the recharge low before the charge",
	rechargeOff:       "automatic recharge was turned off, or the account is not active",
	rechargeCapped:    "the account reached its monthly number of automatic recharges",
}

// rechargeVerdict says whether a recharge may be tried now: a reason to cancel it, or a time to wait
// for (the cooldown after the account's last successful recharge), or neither.
func (s *Service) rechargeVerdict(ctx context.Context, tx Tx, ch *Charge, a *BillingAccount, balance int64, now time.Time) (*time.Time, string, error) {
	switch {
	case !a.Recharge.Auto || a.State != AccountActive:
		return nil, rechargeOff, nil
	case balance >= a.Recharge.Low:
		return nil, rechargeRecovered, nil
	}
	cfg := s.recharge
	recent, err := tx.Charges(ctx, ChargeQuery{AccountID: a.ID, Kind: ChargeRecharge, Status: ChargeSucceeded, Limit: cfg.MonthlyCap})
	if err != nil {
		return nil, "", err
	}
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	this := 0
	for _, r := range recent {
		if !r.UpdatedAt.Before(month) {
			this++
		}
	}
	if this >= cfg.MonthlyCap {
		return nil, rechargeCapped, nil
	}
	if len(recent) > 0 && cfg.Cooldown > 0 {
		if until := recent[0].UpdatedAt.Add(cfg.Cooldown); until.After(now) {
			return &until, "", nil
		}
	}
	return nil, "", nil
}

// chargeRound tries the charges that are due, at most batch of them.
func (s *Service) chargeRound(ctx context.Context, batch int) error {
	var due []*Charge
	err := s.view(ctx, func(tx Tx) (err error) { due, err = tx.DueCharges(ctx, s.clock(), batch); return err })
	for _, ch := range due {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := s.attemptCharge(ctx, ch.ID); err != nil {
			s.log.Warn("charges: an attempt failed", "charge", ch.ID, "err", err)
		}
	}
	return err
}

// workers are the service's background workers that act at once on what a commit crossed: the
// charge worker (recharges) and the threshold invoices. Each is woken by a channel that holds one
// wake-up, so a burst of crossings costs one round; what a round misses the jobs loop sweeps.
type workers struct {
	charges, invoices chan struct{}
	stop              context.CancelFunc
	done              sync.WaitGroup
}

// startWorkers starts s's workers.
func (s *Service) startWorkers() {
	ctx, cancel := context.WithCancel(context.Background())
	s.workers = &workers{charges: make(chan struct{}, 1), invoices: make(chan struct{}, 1), stop: cancel}
	s.workers.done.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.workers.charges:
				if err := s.chargeRound(ctx, workerBatch); ctx.Err() == nil && s.observeJob("worker.charges", err) != nil {
					s.log.Warn("charges: a round failed", "err", err)
				}
			case <-s.workers.invoices:
				if err := s.thresholdRound(ctx, workerBatch); ctx.Err() == nil && s.observeJob("worker.invoices", err) != nil {
					s.log.Warn("invoices: a threshold round failed", "err", err)
				}
			}
		}
	})
}

// workerBatch is how many objects a woken worker handles per round.
const workerBatch = 100

// wake wakes the workers of what c crossed.
func (w *workers) wake(c crossed) {
	if w == nil {
		return
	}
	for _, ch := range []struct {
		on bool
		c  chan struct{}
	}{{c.low, w.charges}, {c.threshold, w.invoices}} {
		if ch.on {
			select {
			case ch.c <- struct{}{}:
			default:
			}
		}
	}
}

// close stops the workers and waits for them.
func (w *workers) close() {
	w.stop()
	w.done.Wait()
}
