package billd

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// CommitConfig tunes group commit: money-moving requests that arrive together are applied in one
// durable transaction, each checked against the running state its predecessors left and answered
// with its own result.
type CommitConfig struct {
	// Disabled applies each posting in its own transaction, concurrently.
	Disabled bool
	// MaxPostings bounds the postings (requests) of one transaction. Default 4096.
	MaxPostings int
	// MaxTransfers bounds the transfers of one transaction; a single larger posting still goes
	// alone. Default 20000.
	MaxTransfers int
	// MaxWait is how long a batch may linger for more postings. It lingers only when postings
	// were already queued behind its first, that is under concurrent load, where a few hundred
	// microseconds buy fewer, larger durable commits; a lone request never waits. Default 300µs;
	// negative: never linger (take only what is queued; while one transaction commits, the next
	// batch gathers anyway).
	MaxWait time.Duration
	// MaxQueued bounds the transfers waiting for a transaction; past it a posting is refused
	// with EOVERLOADED, so that memory stays bounded under overload. Default 200000.
	MaxQueued int
	// MaxQueueDelay refuses a posting (EOVERLOADED) when the transfers already queued would take
	// longer than this to commit at the measured rate: waiting longer only makes every request
	// late. Two full transactions (2 × MaxTransfers) are always admitted. Default 1s.
	MaxQueueDelay time.Duration
}

func (c CommitConfig) withDefaults() CommitConfig {
	if c.MaxPostings <= 0 {
		c.MaxPostings = 4096
	}
	if c.MaxTransfers <= 0 {
		c.MaxTransfers = 20000
	}
	if c.MaxQueued <= 0 {
		c.MaxQueued = 200000
	}
	if c.MaxWait == 0 {
		c.MaxWait = 300 * time.Microsecond
	}
	if c.MaxQueueDelay <= 0 {
		c.MaxQueueDelay = time.Second
	}
	return c
}

// pending is a posting waiting for its transaction.
type pending struct {
	posting *Posting
	result  chan error
}

// committer is the group committer of one Service: one goroutine that takes the queued postings,
// commits them in one transaction and answers each.
type committer struct {
	s      *Service
	cfg    CommitConfig
	queue  chan *pending
	queued atomic.Int64  // transfers waiting in the queue
	rate   atomic.Uint64 // float64 bits: transfers per second the committer commits while busy

	mu     sync.RWMutex // held for reading while submitting, for writing to close
	closed bool
	done   chan struct{}

	lastWarn time.Time // of the last failed transaction logged; only run uses it
}

// warnInterval spaces the log lines of failed transactions: in an outage every batch fails, and
// the log must not grow with the request rate.
const warnInterval = 10 * time.Second

func newCommitter(s *Service, cfg CommitConfig) *committer {
	c := &committer{s: s, cfg: cfg, queue: make(chan *pending, cfg.MaxPostings), done: make(chan struct{})}
	go c.run()
	return c
}

// submit queues a posting and waits for its result. Once queued, a posting is committed or
// rejected whatever happens to ctx, so the result is always known. A posting refused for overload
// was not applied.
func (c *committer) submit(p *Posting) error {
	n := int64(len(p.Transfers))
	if queued := c.queued.Add(n); queued > c.admissible() && queued > n {
		c.queued.Add(-n)
		c.s.obs.Shed(ShedLedger)
		return Errorf(EOVERLOADED, "the ledger is overloaded; retry later")
	}
	pd := &pending{posting: p, result: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		c.queued.Add(-n)
		return Errorf(EUNAVAILABLE, "the server is shutting down")
	}
	c.queue <- pd
	c.mu.RUnlock()
	return <-pd.result
}

// admissible returns how many transfers may wait: what the committer commits in MaxQueueDelay at
// its measured rate, at least two full transactions, at most MaxQueued.
func (c *committer) admissible() int64 {
	rate := math.Float64frombits(c.rate.Load())
	n := int64(rate * c.cfg.MaxQueueDelay.Seconds())
	return min(max(n, 2*int64(c.cfg.MaxTransfers)), int64(c.cfg.MaxQueued))
}

// measure folds the throughput of one transaction into the committer's rate.
func (c *committer) measure(transfers int64, took time.Duration) {
	if took <= 0 {
		return
	}
	sample := float64(transfers) / took.Seconds()
	old := math.Float64frombits(c.rate.Load())
	if old > 0 {
		sample = 0.8*old + 0.2*sample
	}
	c.rate.Store(math.Float64bits(sample))
}

// close stops taking postings, commits those already queued and waits for the last transaction.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	<-c.done
}

// warn logs a failed transaction, at most once per warnInterval.
func (c *committer) warn(msg string, postings int, err error) {
	if now := time.Now(); now.Sub(c.lastWarn) >= warnInterval {
		c.lastWarn = now
		c.s.log.Warn(msg, "postings", postings, "err", err)
	}
}

func (c *committer) run() {
	defer close(c.done)
	for first := range c.queue {
		start := time.Now()
		batch := c.gather(first)
		c.commit(batch, time.Since(start))
	}
}

// gather returns first and the postings queued behind it, within the batch bounds. If some were
// queued, it lingers up to MaxWait for more.
func (c *committer) gather(first *pending) []*pending {
	batch := []*pending{first}
	transfers := len(first.posting.Transfers)
	add := func(pd *pending) {
		batch = append(batch, pd)
		transfers += len(pd.posting.Transfers)
	}
	full := func() bool { return len(batch) >= c.cfg.MaxPostings || transfers >= c.cfg.MaxTransfers }
	queued := true
	for queued && !full() {
		select {
		case pd, ok := <-c.queue:
			if !ok {
				return batch
			}
			add(pd)
		default:
			queued = false
		}
	}
	if len(batch) == 1 || c.cfg.MaxWait <= 0 || full() {
		return batch
	}
	timer := time.NewTimer(c.cfg.MaxWait)
	defer timer.Stop()
	for !full() {
		select {
		case pd, ok := <-c.queue:
			if !ok {
				return batch
			}
			add(pd)
		case <-timer.C:
			return batch
		}
	}
	return batch
}

// commit applies a batch in one transaction and answers each posting. If the transaction fails as
// a whole (a lost race with another node, a dropped connection), none of its postings was applied
// and each is retried alone, so that one cannot fail its neighbours. A posting whose first
// attempt did commit after all answers as a replay ("already applied") on its retry.
func (c *committer) commit(batch []*pending, wait time.Duration) {
	postings := make([]*Posting, len(batch))
	transfers := int64(0)
	for i, pd := range batch {
		postings[i] = pd.posting
		transfers += int64(len(pd.posting.Transfers))
	}
	c.queued.Add(-transfers)
	c.s.obs.Batch(len(batch), int(transfers), wait)
	results := make([]error, len(batch))
	ctx := context.Background() // a batch outlives the requests in it
	start := time.Now()
	err := c.s.commitBatch(ctx, postings, results)
	c.measure(transfers, time.Since(start))
	switch {
	case ErrorCode(err) == EUNAVAILABLE:
		// The store is out of reach: retrying each posting would only wait on it again. Every
		// posting is answered at once (503: retry later); none was applied.
		c.warn("group commit failed: the store is unavailable", len(batch), err)
		for i := range results {
			results[i] = err
		}
	case err != nil:
		c.warn("group commit failed; retrying its postings one by one", len(batch), err)
		for i, p := range postings {
			results[i] = c.s.postOne(ctx, p)
		}
	}
	for i, pd := range batch {
		pd.result <- results[i]
	}
}

// CommitQueueDepth returns the transfers waiting in the group committer for a transaction: 0
// when group commit is disabled.
func (s *Service) CommitQueueDepth() int64 {
	if s.committer == nil {
		return 0
	}
	return s.committer.queued.Load()
}
