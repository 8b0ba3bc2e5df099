package frontier

import (
	"context"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	"github.com/billd/billd/web/frontier/billdv1"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
)

// Billing accounts. Requests from current Frontier clients name an account by id alone; older
// clients add org_id, which must then be the account's.

func (s *Server) CreateBillingAccount(ctx context.Context, req *connect.Request[fv1.CreateBillingAccountRequest]) (*connect.Response[fv1.CreateBillingAccountResponse], error) {
	in, err := billingAccountInput(req.Msg.GetBody())
	if err != nil {
		return nil, err
	}
	a, err := s.svc.CreateBillingAccount(ctx, principal(ctx), req.Msg.GetOrgId(), in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.CreateBillingAccountResponse{BillingAccount: billingAccount(a, nil)}), nil
}

// GetBillingAccount serves seed 001: the account and, on request, its saved payment methods (the
// default marked is_default) and its billing details.
func (s *Server) GetBillingAccount(ctx context.Context, req *connect.Request[fv1.GetBillingAccountRequest]) (*connect.Response[fv1.GetBillingAccountResponse], error) {
	m, p := req.Msg, principal(ctx)
	a, err := s.svc.BillingAccount(ctx, p, m.GetOrgId(), m.GetId())
	if err != nil {
		return nil, err
	}
	var org *billd.Organization
	if expandsOrganization(m.GetExpand()) {
		if org, err = s.svc.Organization(ctx, p, a.OrgID); err != nil {
			return nil, err
		}
	}
	res := &fv1.GetBillingAccountResponse{BillingAccount: billingAccount(a, org), PaymentMethods: []*fv1.PaymentMethod{}}
	if m.GetWithPaymentMethods() {
		methods, err := s.svc.PaymentMethods(ctx, p, a.OrgID, a.ID)
		if err != nil {
			return nil, err
		}
		for _, pm := range methods {
			res.PaymentMethods = append(res.PaymentMethods, paymentMethod(pm))
		}
	}
	if m.GetWithBillingDetails() {
		res.BillingDetails = &fv1.BillingAccountDetails{CreditMin: a.CreditMin, DueInDays: a.DueInDays}
	}
	return connect.NewResponse(res), nil
}

func (s *Server) UpdateBillingAccount(ctx context.Context, req *connect.Request[fv1.UpdateBillingAccountRequest]) (*connect.Response[fv1.UpdateBillingAccountResponse], error) {
	in, err := billingAccountInput(req.Msg.GetBody())
	if err != nil {
		return nil, err
	}
	a, err := s.svc.UpdateBillingAccount(ctx, principal(ctx), req.Msg.GetOrgId(), req.Msg.GetId(), in)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.UpdateBillingAccountResponse{BillingAccount: billingAccount(a, nil)}), nil
}

func (s *Server) ListBillingAccounts(ctx context.Context, req *connect.Request[fv1.ListBillingAccountsRequest]) (*connect.Response[fv1.ListBillingAccountsResponse], error) {
	m, p := req.Msg, principal(ctx)
	page, err := pageRequest(m.GetPageSize(), m.GetPageToken())
	if err != nil {
		return nil, err
	}
	accounts, err := s.svc.ListBillingAccounts(ctx, p, m.GetOrgId(), page)
	if err != nil {
		return nil, err
	}
	var org *billd.Organization
	if expandsOrganization(m.GetExpand()) {
		if org, err = s.svc.Organization(ctx, p, m.GetOrgId()); err != nil {
			return nil, err
		}
	}
	items, next := fit(s, accounts, func(a *billd.BillingAccount) *fv1.BillingAccount { return billingAccount(a, org) })
	return connect.NewResponse(&fv1.ListBillingAccountsResponse{BillingAccounts: items, NextPageToken: next}), nil
}

func (s *Server) DeleteBillingAccount(ctx context.Context, req *connect.Request[fv1.DeleteBillingAccountRequest]) (*connect.Response[fv1.DeleteBillingAccountResponse], error) {
	if err := s.svc.DeleteBillingAccount(ctx, principal(ctx), req.Msg.GetOrgId(), req.Msg.GetId()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.DeleteBillingAccountResponse{}), nil
}

func (s *Server) EnableBillingAccount(ctx context.Context, req *connect.Request[fv1.EnableBillingAccountRequest]) (*connect.Response[fv1.EnableBillingAccountResponse], error) {
	if err := s.svc.SetBillingAccountState(ctx, principal(ctx), req.Msg.GetOrgId(), req.Msg.GetId(), billd.AccountActive); err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.EnableBillingAccountResponse{}), nil
}

func (s *Server) DisableBillingAccount(ctx context.Context, req *connect.Request[fv1.DisableBillingAccountRequest]) (*connect.Response[fv1.DisableBillingAccountResponse], error) {
	if err := s.svc.SetBillingAccountState(ctx, principal(ctx), req.Msg.GetOrgId(), req.Msg.GetId(), billd.AccountDisabled); err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.DisableBillingAccountResponse{}), nil
}

// GetBillingBalance serves seed 000.
func (s *Server) GetBillingBalance(ctx context.Context, req *connect.Request[fv1.GetBillingBalanceRequest]) (*connect.Response[fv1.GetBillingBalanceResponse], error) {
	b, err := s.svc.Balance(ctx, principal(ctx), req.Msg.GetOrgId(), req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.GetBillingBalanceResponse{Balance: balance(b.Amount, b.Currency, b.UpdatedAt)}), nil
}

func (s *Server) ListAllBillingAccounts(ctx context.Context, req *connect.Request[fv1.ListAllBillingAccountsRequest]) (*connect.Response[fv1.ListAllBillingAccountsResponse], error) {
	m := req.Msg
	page, err := pageRequest(m.GetPageSize(), m.GetPageToken())
	if err != nil {
		return nil, err
	}
	accounts, err := s.svc.ListAllBillingAccounts(ctx, principal(ctx), m.GetOrgId(), page)
	if err != nil {
		return nil, err
	}
	items, next := fit(s, accounts, func(a *billd.BillingAccount) *fv1.BillingAccount { return billingAccount(a, nil) })
	return connect.NewResponse(&fv1.ListAllBillingAccountsResponse{BillingAccounts: items, NextPageToken: next}), nil
}

func (s *Server) GetBillingAccountDetails(ctx context.Context, req *connect.Request[fv1.GetBillingAccountDetailsRequest]) (*connect.Response[fv1.GetBillingAccountDetailsResponse], error) {
	d, err := s.svc.AccountDetails(ctx, principal(ctx), req.Msg.GetOrgId(), req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.GetBillingAccountDetailsResponse{CreditMin: d.CreditMin, DueInDays: d.DueInDays}), nil
}

// UpdateBillingAccountDetails sets both credit_min and due_in_days, as Frontier does: proto3
// sends no zero value, so an absent field is 0 on every transport.
func (s *Server) UpdateBillingAccountDetails(ctx context.Context, req *connect.Request[fv1.UpdateBillingAccountDetailsRequest]) (*connect.Response[fv1.UpdateBillingAccountDetailsResponse], error) {
	m := req.Msg
	u := billd.AccountDetailsUpdate{CreditMin: &m.CreditMin, DueInDays: &m.DueInDays}
	if err := s.svc.UpdateAccountDetails(ctx, principal(ctx), m.GetOrgId(), m.GetId(), u); err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.UpdateBillingAccountDetailsResponse{}), nil
}

// UpdateBillingAccountLimits sets credit_min only (deprecated in Frontier for the call above).
func (s *Server) UpdateBillingAccountLimits(ctx context.Context, req *connect.Request[fv1.UpdateBillingAccountLimitsRequest]) (*connect.Response[fv1.UpdateBillingAccountLimitsResponse], error) {
	m := req.Msg
	u := billd.AccountDetailsUpdate{CreditMin: &m.CreditMin}
	if err := s.svc.UpdateAccountDetails(ctx, principal(ctx), m.GetOrgId(), m.GetId(), u); err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.UpdateBillingAccountLimitsResponse{}), nil
}

// SetSpendLimits sets an account's hourly and monthly spend limits, those given (billd).
func (s *Server) SetSpendLimits(ctx context.Context, req *connect.Request[billdv1.SetSpendLimitsRequest]) (*connect.Response[billdv1.SetSpendLimitsResponse], error) {
	m := req.Msg
	d, err := s.svc.SetSpendLimits(ctx, principal(ctx), m.GetOrgId(), m.GetId(), m.HourlySpendLimit, m.MonthlySpendLimit)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&billdv1.SetSpendLimitsResponse{HourlySpendLimit: d.HourlySpendLimit,
		MonthlySpendLimit: d.MonthlySpendLimit}), nil
}

// SetAccountControls sets an account's billing threshold and automatic recharge, those given (billd).
func (s *Server) SetAccountControls(ctx context.Context, req *connect.Request[billdv1.SetAccountControlsRequest]) (*connect.Response[billdv1.SetAccountControlsResponse], error) {
	m := req.Msg
	u := billd.ControlsUpdate{BillingThreshold: m.BillingThreshold}
	if r := m.GetRecharge(); r != nil {
		u.Recharge = &billd.Recharge{Auto: r.GetAutoRecharge(), Low: r.GetLow(), High: r.GetHigh()}
	}
	a, err := s.svc.UpdateAccountControls(ctx, principal(ctx), m.GetOrgId(), m.GetId(), u)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&billdv1.SetAccountControlsResponse{BillingThreshold: a.BillingThreshold,
		Recharge: &billdv1.AccountRecharge{AutoRecharge: a.Recharge.Auto, Low: a.Recharge.Low, High: a.Recharge.High}}), nil
}
