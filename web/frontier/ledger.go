package frontier

import (
	"context"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier/billdv1"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
)

// CreateBillingUsage debits usages, all or none. Without billing_id (current clients) they go to
// the organization's active account.
func (s *Server) CreateBillingUsage(ctx context.Context, req *connect.Request[fv1.CreateBillingUsageRequest]) (*connect.Response[fv1.CreateBillingUsageResponse], error) {
	r, err := usageReport(req.Msg)
	if err != nil {
		return nil, err
	}
	if err := s.svc.ReportUsage(ctx, principal(ctx), r); err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.CreateBillingUsageResponse{}), nil
}

// RevertBillingUsage serves seed 003. An Idempotency-Key header makes a retried revert harmless.
func (s *Server) RevertBillingUsage(ctx context.Context, req *connect.Request[fv1.RevertBillingUsageRequest]) (*connect.Response[fv1.RevertBillingUsageResponse], error) {
	m := req.Msg
	r := billd.RevertRequest{OrgID: m.GetOrgId(), ProjectID: m.GetProjectId(), BillingID: m.GetBillingId(),
		UsageID: m.GetUsageId(), Amount: m.GetAmount(), IdempotencyKey: req.Header().Get(IdempotencyKeyHeader)}
	if err := s.svc.RevertUsage(ctx, principal(ctx), r); err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.RevertBillingUsageResponse{}), nil
}

// ListBillingTransactions lists an account's journal, newest first: the account billing_id names,
// or the organization's active account. start_range (or the older since) and end_range bound it.
func (s *Server) ListBillingTransactions(ctx context.Context, req *connect.Request[fv1.ListBillingTransactionsRequest]) (*connect.Response[fv1.ListBillingTransactionsResponse], error) {
	m := req.Msg
	q := billd.TransactionQuery{OrgID: m.GetOrgId(), BillingID: m.GetBillingId()}
	if m.GetStartRange() != nil {
		q.Start = m.GetStartRange().AsTime()
	} else if m.GetSince() != nil {
		q.Start = m.GetSince().AsTime()
	}
	if m.GetEndRange() != nil {
		q.End = m.GetEndRange().AsTime()
	}
	var err error
	if q.Page, err = pageRequest(m.GetPageSize(), m.GetPageToken()); err != nil {
		return nil, err
	}
	page, account, err := s.svc.ListTransactions(ctx, principal(ctx), q)
	if err != nil {
		return nil, err
	}
	var customer *billd.BillingAccount
	if expands(m.GetExpand())["customer"] {
		customer = account
	}
	items, next := fit(s, page, func(t billd.Transaction) *fv1.BillingTransaction { return transaction(&t, customer) })
	return connect.NewResponse(&fv1.ListBillingTransactionsResponse{Transactions: items, NextPageToken: next}), nil
}

// TotalDebitedTransactions returns an account's spend, as a Balance (as Frontier sends it).
func (s *Server) TotalDebitedTransactions(ctx context.Context, req *connect.Request[fv1.TotalDebitedTransactionsRequest]) (*connect.Response[fv1.TotalDebitedTransactionsResponse], error) {
	b, err := s.svc.DebitedTotal(ctx, principal(ctx), req.Msg.GetOrgId(), req.Msg.GetBillingId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.TotalDebitedTransactionsResponse{Debited: balance(b.Amount, b.Currency, b.UpdatedAt)}), nil
}

// CheckCreditEntitlement reports whether the organization's active account could be debited
// amount now.
func (s *Server) CheckCreditEntitlement(ctx context.Context, req *connect.Request[fv1.CheckCreditEntitlementRequest]) (*connect.Response[fv1.CheckCreditEntitlementResponse], error) {
	ok, err := s.svc.CheckCredit(ctx, principal(ctx), req.Msg.GetOrgId(), req.Msg.GetAmount())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.CheckCreditEntitlementResponse{Status: ok}), nil
}

// GrantCredits credits an account (billd). Platform admins only.
func (s *Server) GrantCredits(ctx context.Context, req *connect.Request[billdv1.GrantCreditsRequest]) (*connect.Response[billdv1.GrantCreditsResponse], error) {
	m := req.Msg
	meta, err := fromStruct(m.GetMetadata())
	if err != nil {
		return nil, err
	}
	g := billd.GrantRequest{OrgID: m.GetOrgId(), BillingID: m.GetBillingId(), ID: m.GetId(),
		IdempotencyKey: req.Header().Get(IdempotencyKeyHeader), Amount: m.GetAmount(),
		Description: m.GetDescription(), Metadata: meta}
	t, err := s.svc.GrantCredits(ctx, principal(ctx), g)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&billdv1.GrantCreditsResponse{Transaction: transaction(t, nil)}), nil
}

// VerifyLedger re-sums the journal, as `billd verify` does, for platform admins.
func (s *Server) VerifyLedger(ctx context.Context, req *connect.Request[billdv1.VerifyLedgerRequest]) (*connect.Response[billdv1.VerifyLedgerResponse], error) {
	r, err := s.svc.VerifyLedger(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	res := &billdv1.VerifyLedgerResponse{Accounts: int64(r.Accounts), Transfers: int64(r.Transfers),
		Problems: make([]*billdv1.LedgerProblem, len(r.Problems))}
	for i, p := range r.Problems {
		res.Problems[i] = &billdv1.LedgerProblem{AccountId: p.AccountID, TransferId: p.TransferID, Detail: p.Detail}
	}
	return connect.NewResponse(res), nil
}
