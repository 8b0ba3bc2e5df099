package frontier

import "github.com/billd/billd"

// Address is BillingAccountAddress.
type Address struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// Tax is BillingAccountTax.
type Tax struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// BillingAccount is v1beta1BillingAccount. Organization is set only with expand=organization.
type BillingAccount struct {
	ID           string        `json:"id"`
	OrgID        string        `json:"org_id"`
	Name         string        `json:"name"`
	Email        string        `json:"email"`
	Phone        string        `json:"phone"`
	Address      Address       `json:"address"`
	ProviderID   string        `json:"provider_id"`
	Provider     string        `json:"provider"`
	Currency     string        `json:"currency"`
	State        string        `json:"state"`
	TaxData      []Tax         `json:"tax_data"`
	Metadata     Struct        `json:"metadata"`
	CreatedAt    Timestamp     `json:"created_at"`
	UpdatedAt    Timestamp     `json:"updated_at"`
	Organization *Organization `json:"organization"`
}

// NewBillingAccount encodes an account; org, if not nil, is the expanded organization.
func NewBillingAccount(a *billd.BillingAccount, org *billd.Organization) *BillingAccount {
	out := &BillingAccount{ID: a.ID, OrgID: a.OrgID, Name: a.Name, Email: a.Email, Phone: a.Phone,
		Address: Address(a.Address), ProviderID: a.ProviderID, Provider: a.Provider, Currency: a.Currency,
		State: string(a.State), TaxData: make([]Tax, len(a.TaxData)), Metadata: Struct(a.Metadata),
		CreatedAt: Timestamp(a.CreatedAt), UpdatedAt: Timestamp(a.UpdatedAt)}
	for i, t := range a.TaxData {
		out.TaxData[i] = Tax(t)
	}
	if org != nil {
		out.Organization = NewOrganization(org)
	}
	return out
}

// BillingAccountRequestBody is v1beta1BillingAccountRequestBody.
type BillingAccountRequestBody struct {
	Name     string  `json:"name"`
	Email    string  `json:"email"`
	Phone    string  `json:"phone"`
	Address  Address `json:"address"`
	Currency string  `json:"currency"`
	TaxData  []Tax   `json:"tax_data"`
	Metadata Struct  `json:"metadata"`
}

// Input converts the body to the domain's input.
func (b *BillingAccountRequestBody) Input() billd.BillingAccountInput {
	in := billd.BillingAccountInput{Name: b.Name, Email: b.Email, Phone: b.Phone, Address: billd.Address(b.Address),
		Currency: b.Currency, TaxData: make([]billd.TaxID, len(b.TaxData)), Metadata: b.Metadata.metadata()}
	for i, t := range b.TaxData {
		in.TaxData[i] = billd.TaxID(t)
	}
	return in
}

// CreateBillingAccountRequest is the body of POST /v1beta1/organizations/{org_id}/billing.
type CreateBillingAccountRequest struct {
	OrgID   string                    `json:"org_id"`
	Body    BillingAccountRequestBody `json:"body"`
	Offline bool                      `json:"offline"`
}

// UpdateBillingAccountRequest is the body of PUT /v1beta1/organizations/{org_id}/billing/{id}.
type UpdateBillingAccountRequest struct {
	OrgID string                    `json:"org_id"`
	ID    string                    `json:"id"`
	Body  BillingAccountRequestBody `json:"body"`
}

// BillingAccountResponse is the response of create and update.
type BillingAccountResponse struct {
	BillingAccount *BillingAccount `json:"billing_account"`
}

// PaymentMethod is v1beta1PaymentMethod.
type PaymentMethod struct {
	ID              string    `json:"id"`
	CustomerID      string    `json:"customer_id"`
	ProviderID      string    `json:"provider_id"`
	Type            string    `json:"type"`
	CardBrand       string    `json:"card_brand"`
	CardLast4       string    `json:"card_last4"`
	CardExpiryMonth Int64     `json:"card_expiry_month"`
	CardExpiryYear  Int64     `json:"card_expiry_year"`
	Metadata        Struct    `json:"metadata"`
	CreatedAt       Timestamp `json:"created_at"`
}

// BillingAccountDetails is v1beta1BillingAccountDetails, also the response of GET details.
type BillingAccountDetails struct {
	CreditMin Int64 `json:"credit_min"`
	DueInDays Int64 `json:"due_in_days"`
}

// NewBillingAccountDetails encodes an account's ledger rules.
func NewBillingAccountDetails(d billd.AccountDetails) *BillingAccountDetails {
	return &BillingAccountDetails{CreditMin: Int64(d.CreditMin), DueInDays: Int64(d.DueInDays)}
}

// GetBillingAccountResponse is v1beta1GetBillingAccountResponse (seed 001).
type GetBillingAccountResponse struct {
	BillingAccount *BillingAccount        `json:"billing_account"`
	PaymentMethods []PaymentMethod        `json:"payment_methods"`
	BillingDetails *BillingAccountDetails `json:"billing_details"`
}

// UpdateDetailsRequest is the body of PUT …/billing/{id}/details and …/limits. Absent fields are
// left unchanged.
type UpdateDetailsRequest struct {
	OrgID     string `json:"org_id"`
	ID        string `json:"id"`
	CreditMin *Int64 `json:"credit_min"`
	DueInDays *Int64 `json:"due_in_days"`
}

// Update converts the body to the domain's update.
func (r *UpdateDetailsRequest) Update() billd.AccountDetailsUpdate {
	var u billd.AccountDetailsUpdate
	if r.CreditMin != nil {
		v := int64(*r.CreditMin)
		u.CreditMin = &v
	}
	if r.DueInDays != nil {
		v := int64(*r.DueInDays)
		u.DueInDays = &v
	}
	return u
}

// UpdateLimitsRequest is the body of PUT …/billing/{id}/limits: credit_min only.
type UpdateLimitsRequest struct {
	OrgID     string `json:"org_id"`
	ID        string `json:"id"`
	CreditMin *Int64 `json:"credit_min"`
}

// Balance is BillingAccountBalance.
type Balance struct {
	Amount    Int64     `json:"amount"`
	Currency  string    `json:"currency"`
	UpdatedAt Timestamp `json:"updated_at"`
}

// NewBalance encodes a balance.
func NewBalance(b billd.Balance) *Balance {
	return &Balance{Amount: Int64(b.Amount), Currency: b.Currency, UpdatedAt: Timestamp(b.UpdatedAt)}
}

// BalanceResponse is v1beta1GetBillingBalanceResponse (seed 000).
type BalanceResponse struct {
	Balance *Balance `json:"balance"`
}

// DebitedResponse is v1beta1TotalDebitedTransactionsResponse.
type DebitedResponse struct {
	Debited *Balance `json:"debited"`
}
