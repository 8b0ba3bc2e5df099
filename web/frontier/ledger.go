package frontier

import "github.com/billd/billd"

// Usage is v1beta1Usage. created_at and updated_at are accepted and ignored: the server stamps
// usage when it applies it, so a client cannot backdate it.
type Usage struct {
	ID          string  `json:"id"`
	CustomerID  string  `json:"customer_id"`
	Source      string  `json:"source"`
	Description string  `json:"description"`
	Type        string  `json:"type"`
	Amount      Int64   `json:"amount"`
	UserID      string  `json:"user_id"`
	Metadata    Struct  `json:"metadata"`
	CreatedAt   *string `json:"created_at"`
	UpdatedAt   *string `json:"updated_at"`
}

// CreateBillingUsageRequest is v1beta1CreateBillingUsageRequest, the body of both usage paths.
type CreateBillingUsageRequest struct {
	OrgID     string  `json:"org_id"`
	BillingID string  `json:"billing_id"`
	ProjectID string  `json:"project_id"`
	Usages    []Usage `json:"usages"`
}

// Report converts the body to the domain's usage report.
func (r *CreateBillingUsageRequest) Report() billd.UsageReport {
	rep := billd.UsageReport{OrgID: r.OrgID, ProjectID: r.ProjectID, BillingID: r.BillingID,
		Usages: make([]billd.Usage, len(r.Usages))}
	for i, u := range r.Usages {
		rep.Usages[i] = billd.Usage{ID: u.ID, CustomerID: u.CustomerID, Source: u.Source, Description: u.Description,
			Type: u.Type, Amount: int64(u.Amount), UserID: u.UserID, Metadata: u.Metadata.metadata()}
	}
	return rep
}

// RevertBillingUsageRequest is v1beta1RevertBillingUsageRequest (seed 003), the body of both
// revert paths.
type RevertBillingUsageRequest struct {
	OrgID     string `json:"org_id"`
	ProjectID string `json:"project_id"`
	BillingID string `json:"billing_id"`
	UsageID   string `json:"usage_id"`
	Amount    Int64  `json:"amount"`
}

// Revert converts the body to the domain's revert request.
func (r *RevertBillingUsageRequest) Revert(idempotencyKey string) billd.RevertRequest {
	return billd.RevertRequest{OrgID: r.OrgID, ProjectID: r.ProjectID, BillingID: r.BillingID, UsageID: r.UsageID,
		Amount: int64(r.Amount), IdempotencyKey: idempotencyKey}
}

// BillingTransaction is v1beta1BillingTransaction. billd has no users, so user is always null;
// customer is set only with expand=customer.
type BillingTransaction struct {
	ID          string          `json:"id"`
	CustomerID  string          `json:"customer_id"`
	Source      string          `json:"source"`
	Amount      Int64           `json:"amount"`
	Type        string          `json:"type"`
	Description string          `json:"description"`
	UserID      string          `json:"user_id"`
	Metadata    Struct          `json:"metadata"`
	CreatedAt   Timestamp       `json:"created_at"`
	UpdatedAt   Timestamp       `json:"updated_at"`
	User        *struct{}       `json:"user"`
	Customer    *BillingAccount `json:"customer"`
}

// NewBillingTransaction encodes a journal entry from its account's side; customer, if not nil, is
// the expanded account. A transfer never changes, so updated_at is created_at.
func NewBillingTransaction(t *billd.Transaction, customer *billd.BillingAccount) *BillingTransaction {
	out := &BillingTransaction{ID: t.ID, CustomerID: t.AccountID, Source: t.Source, Amount: Int64(t.Amount),
		Type: t.Direction(), Description: t.Description, UserID: t.UserID, Metadata: Struct(t.Metadata),
		CreatedAt: Timestamp(t.CreatedAt), UpdatedAt: Timestamp(t.CreatedAt)}
	if customer != nil {
		out.Customer = NewBillingAccount(customer, nil)
	}
	return out
}

// CheckCreditRequest is v1beta1CheckCreditEntitlementRequest.
type CheckCreditRequest struct {
	OrgID  string `json:"org_id"`
	Amount Int64  `json:"amount"`
}

// StatusResponse is v1beta1CheckCreditEntitlementResponse.
type StatusResponse struct {
	Status bool `json:"status"`
}

// GrantRequest is the body of POST /v1beta1/admin/organizations/{org_id}/billing/{billing_id}/credits,
// billd's extension for granting credits.
type GrantRequest struct {
	ID          string `json:"id"`
	Amount      Int64  `json:"amount"`
	Description string `json:"description"`
	Metadata    Struct `json:"metadata"`
}

// Grant converts the body to the domain's grant request.
func (r *GrantRequest) Grant(orgID, billingID, idempotencyKey string) billd.GrantRequest {
	return billd.GrantRequest{OrgID: orgID, BillingID: billingID, ID: r.ID, IdempotencyKey: idempotencyKey,
		Amount: int64(r.Amount), Description: r.Description, Metadata: r.Metadata.metadata()}
}

// TransactionResponse is the response of a grant.
type TransactionResponse struct {
	Transaction *BillingTransaction `json:"transaction"`
}

// LedgerReport is the answer of GET /v1beta1/admin/billing/verify (billd): the journal re-summed.
type LedgerReport struct {
	Accounts  Int64           `json:"accounts"`
	Transfers Int64           `json:"transfers"`
	Problems  []LedgerProblem `json:"problems"`
}

// LedgerProblem is one inconsistency the check found.
type LedgerProblem struct {
	AccountID  string `json:"account_id"`
	TransferID string `json:"transfer_id"`
	Detail     string `json:"detail"`
}

// NewLedgerReport encodes a ledger check.
func NewLedgerReport(r billd.LedgerReport) LedgerReport {
	out := LedgerReport{Accounts: Int64(r.Accounts), Transfers: Int64(r.Transfers), Problems: make([]LedgerProblem, len(r.Problems))}
	for i, p := range r.Problems {
		out.Problems[i] = LedgerProblem(p)
	}
	return out
}
