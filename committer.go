package billd

import (
	"context"
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
	queued atomic.Int64 // transfers waiting in the queue

	mu     sync.RWMutex // held for reading while submitting, for writing to close
	closed bool
	done   chan struct{}
}

func newCommitter(s *Service, cfg CommitConfig) *committer {
	c := &committer{s: s, cfg: cfg, queue: make(chan *pending, cfg.MaxPostings), done: make(chan struct{})}
	go c.run()
	return c
}

// submit queues a posting and waits for its result. Once queued, a posting is committed or
// rejected whatever happens to ctx, so the result is always known.
func (c *committer) submit(p *Posting) error {
	n := int64(len(p.Transfers))
	if c.queued.Add(n) > int64(c.cfg.MaxQueued) && n < int64(c.cfg.MaxQueued) {
		c.queued.Add(-n)
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

func (c *committer) run() {
	defer close(c.done)
	for first := range c.queue {
		c.commit(c.gather(first))
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
func (c *committer) commit(batch []*pending) {
	postings := make([]*Posting, len(batch))
	transfers := int64(0)
	for i, pd := range batch {
		postings[i] = pd.posting
		transfers += int64(len(pd.posting.Transfers))
	}
	c.queued.Add(-transfers)
	results := make([]error, len(batch))
	ctx := context.Background() // a batch outlives the requests in it
	if err := c.s.commitBatch(ctx, postings, results); err != nil {
		c.s.log.Warn("group commit failed; retrying its postings one by one", "postings", len(batch), "err", err)
		for i, p := range postings {
			results[i] = c.s.postOne(ctx, p)
		}
	}
	for i, pd := range batch {
		pd.result <- results[i]
	}
}
