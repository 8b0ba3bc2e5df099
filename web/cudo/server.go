package cudo

import (
	"context"
	"net/url"
	"strconv"

	"github.com/billd/billd"
)

// Server serves the CUDO v1 billing-accounts calls over a billd.Service. Each method is one Call:
// it decodes its input, calls the service and maps the result to the contract's message. The web
// package authenticates, admits and bounds the request, reads its body and writes the answer or
// the error (in the contract's Status shape).
type Server struct {
	svc *billd.Service
}

// NewServer returns the CUDO calls of svc.
func NewServer(svc *billd.Service) *Server { return &Server{svc: svc} }

// Input is what a call reads of its request: the path wildcards, the query and the body, which
// the caller has already bounded.
type Input struct {
	Path  func(name string) string
	Query url.Values
	Body  []byte
}

// Call is one CUDO operation. It returns the response message, or an error with a billd code.
type Call func(ctx context.Context, p billd.Principal, in Input) (any, error)

// OrganizationParam is billd's extension of the contract: the organization a platform principal
// (which belongs to none) acts in, as a query parameter or a field of the create body.
const OrganizationParam = "organizationId"

// pageSize reads the query parameter pageSize (0 when absent).
func pageSize(q url.Values) (int, error) {
	s := first(q, "pageSize", "page_size")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		return 0, billd.Errorf(billd.EINVALID, "pageSize must be a whole number, not negative")
	}
	return int(n), nil
}

// first returns the first non-empty value of the query parameters names.
func first(q url.Values, names ...string) string {
	for _, n := range names {
		if v := q.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// status reads an account's status, which every account message is built from.
func (s *Server) status(ctx context.Context, p billd.Principal, id string) (*billd.AccountStatus, error) {
	return s.svc.AccountStatus(ctx, p, "", id)
}

// account returns the account id names, after the caller's get permission.
func (s *Server) account(ctx context.Context, p billd.Principal, id string) (*billd.BillingAccount, error) {
	return s.svc.BillingAccount(ctx, p, "", id)
}

// GetBillingAccount is GET /v1/billing-accounts/{id}.
func (s *Server) GetBillingAccount(ctx context.Context, p billd.Principal, in Input) (any, error) {
	st, err := s.status(ctx, p, in.Path("id"))
	if err != nil {
		return nil, err
	}
	return accountOf(st), nil
}

// GetBillingAccountDetails is GET /v1/billing-accounts/{id}/details.
func (s *Server) GetBillingAccountDetails(ctx context.Context, p billd.Principal, in Input) (any, error) {
	st, err := s.status(ctx, p, in.Path("id"))
	if err != nil {
		return nil, err
	}
	return detailsOf(st), nil
}

// DeleteBillingAccount is DELETE /v1/billing-accounts/{id}: the account is closed.
func (s *Server) DeleteBillingAccount(ctx context.Context, p billd.Principal, in Input) (any, error) {
	if err := s.svc.DeleteBillingAccount(ctx, p, "", in.Path("id")); err != nil {
		return nil, err
	}
	return Empty{}, nil
}

// MaxAccountsPage is the default and the largest pageSize of GET /v1/billing-accounts.
const MaxAccountsPage = 100

// ListBillingAccounts is GET /v1/billing-accounts: the accounts of the caller's organization, or,
// for a platform principal, of the organization organizationId names (of every organization
// without it: platform admins only), at most MaxAccountsPage a page.
func (s *Server) ListBillingAccounts(ctx context.Context, p billd.Principal, in Input) (any, error) {
	size, err := pageSize(in.Query)
	if err != nil {
		return nil, err
	}
	if size == 0 || size > MaxAccountsPage {
		size = MaxAccountsPage // each account's status is one more read
	}
	page := billd.PageRequest{PageSize: size, PageToken: first(in.Query, "pageToken", "page_token")}
	orgID := p.OrgID
	if orgID == "" {
		orgID = first(in.Query, OrganizationParam, "organization_id")
	}
	var accounts billd.Page[*billd.BillingAccount]
	if orgID == "" {
		accounts, err = s.svc.ListAllBillingAccounts(ctx, p, "", page)
	} else {
		accounts, err = s.svc.ListBillingAccounts(ctx, p, orgID, page)
	}
	if err != nil {
		return nil, err
	}
	out := BillingAccountList{BillingAccounts: make([]BillingAccount, 0, len(accounts.Items)),
		PageToken: accounts.NextPageToken, PageSize: len(accounts.Items)}
	for _, a := range accounts.Items {
		st, err := s.status(ctx, p, a.ID)
		if err != nil {
			return nil, err
		}
		out.BillingAccounts = append(out.BillingAccounts, accountOf(st))
	}
	return out, nil
}

// createRequest is the contract's CreateBillingAccountRequest, with billd's organizationId.
type createRequest struct {
	DisplayName    string          `json:"displayName"`
	InvoiceName    string          `json:"invoiceName"`
	Email          string          `json:"email"`
	TaxID          *TaxID          `json:"taxId"`
	Referral       string          `json:"referral"`
	BillingAddress *BillingAddress `json:"billingAddress"`
	OrganizationID string          `json:"organizationId"`
}

// CreateBillingAccount is POST /v1/billing-accounts: a new active account in the caller's
// organization (a platform principal names it with organizationId, in the body or the query).
func (s *Server) CreateBillingAccount(ctx context.Context, p billd.Principal, in Input) (any, error) {
	var req createRequest
	if err := DecodeBody(in.Body, &req); err != nil {
		return nil, err
	}
	orgID := p.OrgID
	if orgID == "" {
		orgID = firstOf(req.OrganizationID, first(in.Query, OrganizationParam, "organization_id"))
	}
	if orgID == "" {
		return nil, billd.Errorf(billd.EINVALID, "a platform principal must name the organization: %s", OrganizationParam)
	}
	if req.DisplayName == "" || req.Email == "" {
		return nil, billd.Errorf(billd.EINVALID, "displayName and email are required")
	}
	input := billd.BillingAccountInput{Name: req.DisplayName, Email: req.Email, Metadata: billd.Metadata{}}
	if req.BillingAddress != nil {
		setAddress(&input, *req.BillingAddress)
	}
	if req.InvoiceName != "" {
		input.Metadata[InvoiceNameKey] = req.InvoiceName
	}
	if req.TaxID != nil {
		setTaxID(&input, *req.TaxID)
	}
	a, err := s.svc.CreateBillingAccount(ctx, p, orgID, input)
	if err != nil {
		return nil, err
	}
	st, err := s.status(ctx, p, a.ID)
	if err != nil {
		return nil, err
	}
	return accountOf(st), nil
}

// firstOf returns the first non-empty string.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// setAddress sets the billing address on in (its name in metadata).
func setAddress(in *billd.BillingAccountInput, b BillingAddress) {
	in.Phone = b.Phone
	in.Address = billd.Address{Line1: b.Line1, Line2: b.Line2, City: b.City, State: b.State, PostalCode: b.PostalCode,
		Country: b.Country}
	if b.Name == "" {
		delete(in.Metadata, InvoiceNameKey)
	} else {
		in.Metadata[InvoiceNameKey] = b.Name
	}
}

// setTaxID makes t the account's only tax id; an empty one clears them.
func setTaxID(in *billd.BillingAccountInput, t TaxID) {
	in.TaxData = nil
	if t.Type != "" || t.Value != "" {
		in.TaxData = []billd.TaxID{{Type: t.Type, ID: t.Value}}
	}
}
