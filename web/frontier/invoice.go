package frontier

import (
	"context"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier/billdv1"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
)

// Invoices: the bills of an account's subscription periods and of a postpaid account's overdraft,
// the draft of the next renewal's, and for platform admins every account's, overdraft invoicing
// on demand and payments made outside the provider.

// ListInvoices lists an account's invoices, newest first (nonzero_amount_only: those with an
// amount). Without billing_id, the organization's active account.
func (s *Server) ListInvoices(ctx context.Context, req *connect.Request[fv1.ListInvoicesRequest]) (*connect.Response[fv1.ListInvoicesResponse], error) {
	m, p := req.Msg, principal(ctx)
	page, err := pageRequest(m.GetPageSize(), m.GetPageToken())
	if err != nil {
		return nil, err
	}
	invoices, err := s.svc.ListInvoices(ctx, p, m.GetOrgId(), m.GetBillingId(), m.GetNonzeroAmountOnly(), page)
	if err != nil {
		return nil, err
	}
	var accounts map[string]*billd.BillingAccount
	if expands(m.GetExpand())["customer"] {
		accounts, err = accountsOf(ctx, s, p, invoices.Items, func(inv *billd.Invoice) (string, string) { return inv.OrgID, inv.AccountID })
		if err != nil {
			return nil, err
		}
	}
	items, next := fit(s, invoices, func(inv *billd.Invoice) *fv1.Invoice { return invoice(inv, accounts[inv.AccountID]) })
	return connect.NewResponse(&fv1.ListInvoicesResponse{Invoices: items, NextPageToken: next}), nil
}

// GetUpcomingInvoice returns the draft invoice of an account's next subscription renewal; an empty
// invoice when no subscription renews, as Frontier answers.
func (s *Server) GetUpcomingInvoice(ctx context.Context, req *connect.Request[fv1.GetUpcomingInvoiceRequest]) (*connect.Response[fv1.GetUpcomingInvoiceResponse], error) {
	inv, err := s.svc.UpcomingInvoice(ctx, principal(ctx), req.Msg.GetOrgId(), req.Msg.GetBillingId())
	if err != nil {
		return nil, err
	}
	if inv == nil {
		inv = &billd.Invoice{}
	}
	return connect.NewResponse(&fv1.GetUpcomingInvoiceResponse{Invoice: invoice(inv, nil)}), nil
}

// ListAllInvoices lists every account's invoices, or one organization's, newest first. Platform
// admins only. billd pages with page_token, not page_num, and does not count them all.
func (s *Server) ListAllInvoices(ctx context.Context, req *connect.Request[fv1.ListAllInvoicesRequest]) (*connect.Response[fv1.ListAllInvoicesResponse], error) {
	m := req.Msg
	page, err := numberedPageRequest(m.GetPageNum(), m.GetPageSize(), m.GetPageToken())
	if err != nil {
		return nil, err
	}
	invoices, err := s.svc.ListAllInvoices(ctx, principal(ctx), m.GetOrgId(), page)
	if err != nil {
		return nil, err
	}
	items, next := fit(s, invoices, func(inv *billd.Invoice) *fv1.Invoice { return invoice(inv, nil) })
	return connect.NewResponse(&fv1.ListAllInvoicesResponse{Invoices: items, NextPageToken: next}), nil
}

// GenerateInvoices makes the overdraft invoices of every postpaid account now, as the invoice day
// does, and answers how many it made (billd's field). Platform admins only.
func (s *Server) GenerateInvoices(ctx context.Context, req *connect.Request[fv1.GenerateInvoicesRequest]) (*connect.Response[fv1.GenerateInvoicesResponse], error) {
	n, err := s.svc.GenerateInvoices(ctx, principal(ctx))
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.GenerateInvoicesResponse{Generated: int64(n)}), nil
}

// MarkInvoicePaid records an invoice paid outside the provider (billd). Platform admins only.
// Marking a paid invoice again changes nothing.
func (s *Server) MarkInvoicePaid(ctx context.Context, req *connect.Request[billdv1.MarkInvoicePaidRequest]) (*connect.Response[billdv1.MarkInvoicePaidResponse], error) {
	m := req.Msg
	inv, err := s.svc.MarkInvoicePaid(ctx, principal(ctx), m.GetOrgId(), m.GetBillingId(), m.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&billdv1.MarkInvoicePaidResponse{Invoice: invoice(inv, nil)}), nil
}
