package billd

import (
	"strings"
	"time"
)

// Observer is told what the service does, for metrics. Its methods are called on the request path
// and in the group committer, so they must be cheap and must not block; they must be safe for
// concurrent use. Every string argument comes from a small fixed set (a transfer kind, one of the
// Refusal* reasons, one of the Shed* sources, a job name, a DeliveryState), never from a client.
type Observer interface {
	// Transfers counts n transfers of kind committed to the journal.
	Transfers(kind TransferKind, n int)
	// Refused counts a posting the ledger's rules refused, by reason (Refusal*).
	Refused(reason string)
	// Batch records a group-commit transaction: its postings and transfers, and how long its first
	// posting waited in the committer for the batch to fill.
	Batch(postings, transfers int, wait time.Duration)
	// Shed counts a request refused for overload (EOVERLOADED), by where it was refused (Shed*).
	Shed(where string)
	// Job records one round of a background job, by name; err is its failure, or nil.
	Job(name string, err error)
	// WebhookDelivery counts a recorded webhook attempt by its outcome: delivered, retry (the
	// delivery stays pending) or failed (its retries ran out).
	WebhookDelivery(outcome string)
}

// Reasons a posting is refused, as Observer.Refused reports them.
const (
	RefusalCredit    = "credit"    // insufficient credits
	RefusalLimit     = "limit"     // an hourly or monthly spend limit
	RefusalSuspended = "suspended" // the account is suspended
	RefusalClosed    = "closed"    // the account is closed
	RefusalDisabled  = "disabled"  // the account or its organization is disabled
	RefusalReplay    = "replay"    // the id was already used (a replay, or a different request)
	RefusalRevert    = "revert"    // a revert the usage does not allow (amount left, kind, missing)
	RefusalOther     = "other"     // any other rule (invalid amount, overflow)
)

// Where requests are shed, as Observer.Shed reports them.
const (
	ShedLedger = "ledger" // the group committer's queue is full
)

// refusalReasons maps the start of a refusal's message (ledger.go's rules) to its reason.
var refusalReasons = []struct{ prefix, reason string }{
	{"insufficient credits", RefusalCredit},
	{"hourly spend limit", RefusalLimit},
	{"monthly spend limit", RefusalLimit},
	{"billing account is suspended", RefusalSuspended},
	{"billing account is closed", RefusalClosed},
	{"billing account is disabled", RefusalDisabled},
	{"organization is disabled", RefusalDisabled},
	{"revert", RefusalRevert},
	{"a revert", RefusalRevert},
	{"only usage can be reverted", RefusalRevert},
	{"usage ", RefusalRevert},
}

// refusalReason returns the Observer reason of a posting's refusal.
func refusalReason(err error) string {
	if ErrorCode(err) == ECONFLICT {
		if strings.HasPrefix(ErrorMessage(err), "a revert") {
			return RefusalRevert
		}
		return RefusalReplay
	}
	msg := ErrorMessage(err)
	for _, r := range refusalReasons {
		if strings.HasPrefix(msg, r.prefix) {
			return r.reason
		}
	}
	return RefusalOther
}

// observeBatch tells the observer what a committed batch did: the transfers it appended by kind,
// and the postings it refused by reason.
func (s *Service) observeBatch(postings []*Posting, results []error) {
	for i, p := range postings {
		if results[i] != nil {
			s.obs.Refused(refusalReason(results[i]))
			continue
		}
		for _, t := range p.Transfers {
			s.obs.Transfers(t.Kind, 1)
		}
	}
}

// nopObserver is the Observer of a Service configured without one.
type nopObserver struct{}

func (nopObserver) Transfers(TransferKind, int)   {}
func (nopObserver) Refused(string)                {}
func (nopObserver) Batch(int, int, time.Duration) {}
func (nopObserver) Shed(string)                   {}
func (nopObserver) Job(string, error)             {}
func (nopObserver) WebhookDelivery(string)        {}

// deliveryOutcome names a recorded attempt's outcome by the state it left its delivery in.
func deliveryOutcome(state DeliveryState) string {
	if state == DeliveryPending {
		return "retry"
	}
	return string(state)
}

// observeJob tells the observer of a round of the job name and returns its error.
func (s *Service) observeJob(name string, err error) error {
	s.obs.Job(name, err)
	return err
}
