package cudo

import (
	"context"
	"strings"

	"github.com/billd/billd"
)

// ListInvoices is GET /v1/billing-accounts/invoices?id=…: the invoices of the account id, newest
// first, filtered by status (Stripe's: draft, open, paid, void, uncollectible), in Stripe's
// paging (pageSize, startingAfter, hasMore).
func (s *Server) ListInvoices(ctx context.Context, p billd.Principal, in Input) (any, error) {
	size, err := pageSize(in.Query)
	if err != nil {
		return nil, err
	}
	id := in.Query.Get("id")
	if id == "" {
		return nil, billd.Errorf(billd.EINVALID, "id (the billing account's) is required")
	}
	items, more, err := s.svc.AccountInvoices(ctx, p, id, billd.InvoiceFilter{
		State:         billd.InvoiceState(strings.ToLower(in.Query.Get("status"))),
		StartingAfter: first(in.Query, "startingAfter", "starting_after"), Limit: size})
	if err != nil {
		return nil, err
	}
	return InvoiceList{Invoices: invoicesOf(items), HasMore: more}, nil
}

// ListOutstandingInvoices is GET /v1/billing-accounts/invoices/outstanding: the open invoices of
// the caller's organization (a platform principal names one with organizationId; a platform
// admin without it sees every organization's), newest first, at most billd.MaxPageSize.
func (s *Server) ListOutstandingInvoices(ctx context.Context, p billd.Principal, in Input) (any, error) {
	items, err := s.svc.OutstandingInvoices(ctx, p, first(in.Query, OrganizationParam, "organization_id"))
	if err != nil {
		return nil, err
	}
	return OutstandingInvoices{Invoices: invoicesOf(items)}, nil
}

// invoicesOf maps invoices.
func invoicesOf(items []*billd.Invoice) []Invoice {
	out := make([]Invoice, 0, len(items))
	for _, inv := range items {
		out = append(out, invoiceOf(inv))
	}
	return out
}

// ListPaymentMethods is GET /v1/billing-accounts/{id}/payment-methods.
func (s *Server) ListPaymentMethods(ctx context.Context, p billd.Principal, in Input) (any, error) {
	methods, err := s.svc.PaymentMethods(ctx, p, "", in.Path("id"))
	if err != nil {
		return nil, err
	}
	out := PaymentMethods{PaymentMethods: make([]PaymentMethod, 0, len(methods))}
	for _, m := range methods {
		out.PaymentMethods = append(out.PaymentMethods, paymentMethodOf(m))
	}
	return out, nil
}

// RemovePaymentMethod is DELETE /v1/billing-accounts/{id}/payment-methods/{paymentMethodId}.
func (s *Server) RemovePaymentMethod(ctx context.Context, p billd.Principal, in Input) (any, error) {
	id, method := in.Path("id"), in.Path("paymentMethodId")
	if err := s.svc.RemovePaymentMethod(ctx, p, id, method); err != nil {
		return nil, err
	}
	return PaymentMethodRef{ID: id, PaymentMethodID: method}, nil
}

// SetDefaultPaymentMethod is POST …/{id}/payment-methods/{paymentMethodId}/set-default.
func (s *Server) SetDefaultPaymentMethod(ctx context.Context, p billd.Principal, in Input) (any, error) {
	id, method := in.Path("id"), in.Path("paymentMethodId")
	if _, err := s.svc.SetDefaultPaymentMethod(ctx, p, id, method); err != nil {
		return nil, err
	}
	return PaymentMethodRef{ID: id, PaymentMethodID: method}, nil
}

// GetSetupIntent is GET /v1/billing-accounts/{id}/setup-intent: a payment-method setup checkout
// at the account's provider. Its id is the checkout's; the client secret is the URL of the page
// where the customer saves the method (billd's providers host that page).
func (s *Server) GetSetupIntent(ctx context.Context, p billd.Principal, in Input) (any, error) {
	c, err := s.svc.CreateCheckout(ctx, p, billd.CheckoutRequest{BillingID: in.Path("id"),
		Setup: &billd.SetupRequest{PaymentMethod: true}})
	if err != nil {
		return nil, err
	}
	return SetupIntent{ID: c.ID, ClientSecret: c.URL}, nil
}

// ListProjects is GET /v1/billing-accounts/{id}/projects: the open projects of the account's
// organization (whose usage it pays), at most billd.MaxPageSize. billd holds no resources, so
// every resourceCount is 0.
func (s *Server) ListProjects(ctx context.Context, p billd.Principal, in Input) (any, error) {
	a, err := s.account(ctx, p, in.Path("id"))
	if err != nil {
		return nil, err
	}
	projects, err := s.svc.ListProjects(ctx, p, a.OrgID, "", billd.PageRequest{PageSize: billd.MaxPageSize})
	if err != nil {
		return nil, err
	}
	out := ProjectList{Projects: make([]Project, 0, len(projects.Items))}
	for _, pr := range projects.Items {
		out.Projects = append(out.Projects, Project{ID: pr.ID})
	}
	return out, nil
}

// userPermission is the contract's Add- and RemoveBillingAccountUserPermissionBody.
type userPermission struct {
	ProjectID    string `json:"projectId"`
	DataCenterID string `json:"dataCenterId"`
	UserEmail    string `json:"userEmail"`
	UserID       string `json:"userId"`
	Role         string `json:"role"`
}

// AddUserPermission is POST /v1/billing-accounts/{billingAccountId}/add-user-permission: billd
// records the grant (see billd.AddAccountUser); dataCenterId is ignored.
func (s *Server) AddUserPermission(ctx context.Context, p billd.Principal, in Input) (any, error) {
	return changePermission(in, func(id string, body userPermission) error {
		return s.svc.AddAccountUser(ctx, p, id, body.UserEmail, roleInput(body.Role), body.ProjectID)
	})
}

// RemoveUserPermission is POST /v1/billing-accounts/{billingAccountId}/remove-user-permission:
// userId is the id billd derived from the email (or the email itself).
func (s *Server) RemoveUserPermission(ctx context.Context, p billd.Principal, in Input) (any, error) {
	return changePermission(in, func(id string, body userPermission) error {
		return s.svc.RemoveAccountUser(ctx, p, id, body.UserID, roleInput(body.Role), body.ProjectID)
	})
}

// changePermission decodes a user-permission body and applies it to the account the path names.
func changePermission(in Input, apply func(accountID string, body userPermission) error) (any, error) {
	var body userPermission
	if err := DecodeBody(in.Body, &body); err != nil {
		return nil, err
	}
	if err := apply(in.Path("billingAccountId"), body); err != nil {
		return nil, err
	}
	return Empty{}, nil
}

// roleInput is billd's role of a contract role (OWNER, EDITOR, VIEWER); others are refused by
// the service.
func roleInput(role string) string { return strings.ToLower(role) }
