package billd

import "context"

// QueuedPostings returns how many postings wait in the group committer's queue, not yet taken
// into a transaction (0 without group commit), so that a test can know that concurrent requests
// are queued before it acts.
func QueuedPostings(s *Service) int {
	if s.committer == nil {
		return 0
	}
	return len(s.committer.queue)
}

// SlowSecretChecks returns how many slow checks of chosen secrets the service has run.
func SlowSecretChecks(s *Service) int64 { return s.secrets.checks.Load() }

// NoteRejection has s write the usage.rejected notice of a usage of accountID that refusal
// refused, as the group committer does after the batch that refused it, with ctx.
func NoteRejection(s *Service, ctx context.Context, accountID string, refusal error) {
	p := &Posting{Transfers: []Transfer{{Kind: KindUsage, DebitAccountID: accountID}}}
	s.noteRejections(ctx, []*Posting{p}, []error{refusal})
}
