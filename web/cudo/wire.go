package cudo

import "time"

// The CUDO v1 billing-accounts messages as billd writes them: camelCase, every field of the
// contract present (an absent timestamp or message is null), int64 fields as decimal strings and
// money as Money. They are plain structs; mapping.go fills them from the domain, one function per
// message.

// BillingAccount is the contract's BillingAccount.
type BillingAccount struct {
	ID                    string                `json:"id"`
	CreateTime            *time.Time            `json:"createTime"`
	DisplayName           string                `json:"displayName"`
	StripeRef             string                `json:"stripeRef"`
	CreateBy              string                `json:"createBy"`
	MonthlySpend          string                `json:"monthlySpend"`
	HourlySpendRate       Money                 `json:"hourlySpendRate"`
	TaxID                 TaxID                 `json:"taxId"`
	InvoiceTime           *time.Time            `json:"invoiceTime"`
	BillingThreshold      Money                 `json:"billingThreshold"`
	MonthlySpendLimit     Money                 `json:"monthlySpendLimit"`
	HourlySpendLimit      Money                 `json:"hourlySpendLimit"`
	NextInvoiceTotal      Money                 `json:"nextInvoiceTotal"`
	CreditBalance         Money                 `json:"creditBalance"`
	CreditBalanceRecharge CreditBalanceRecharge `json:"creditBalanceRecharge"`
	BillingAddress        BillingAddress        `json:"billingAddress"`
	State                 string                `json:"state"`
	PaymentTerms          string                `json:"paymentTerms"`
	DeleteTime            *time.Time            `json:"deleteTime"`
	PurgeTime             *time.Time            `json:"purgeTime"`
}

// TaxID is the contract's TaxId.
type TaxID struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Value string `json:"value"`
}

// BillingAddress is the contract's BillingAddress.
type BillingAddress struct {
	Name       string `json:"name"`
	Phone      string `json:"phone"`
	City       string `json:"city"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	State      string `json:"state"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
}

// CreditBalanceRecharge is the contract's CreditBalanceRecharge; Transaction is the latest
// recharge, null when none was made.
type CreditBalanceRecharge struct {
	Low          Money        `json:"low"`
	High         Money        `json:"high"`
	AutoRecharge bool         `json:"autoRecharge"`
	Transaction  *Transaction `json:"transaction"`
}

// Transaction is the contract's Transaction: an off-session charge (a recharge or a credit
// payment).
type Transaction struct {
	ID               string           `json:"id"`
	Amount           Money            `json:"amount"`
	Description      string           `json:"description"`
	CreateTime       *time.Time       `json:"createTime"`
	Status           string           `json:"status"`
	Succeeded        bool             `json:"succeeded"`
	LatestCharge     Charge           `json:"latestCharge"`
	LastPaymentError LastPaymentError `json:"lastPaymentError"`
}

// Charge is the contract's Charge: the latest attempt of a Transaction.
type Charge struct {
	Amount      Money      `json:"amount"`
	CreateTime  *time.Time `json:"createTime"`
	Paid        bool       `json:"paid"`
	Refunded    bool       `json:"refunded"`
	Status      string     `json:"status"`
	FailureCode string     `json:"failureCode"`
}

// LastPaymentError is the contract's LastPaymentError.
type LastPaymentError struct {
	Code        string `json:"code"`
	DeclineCode string `json:"declineCode"`
}

// StripeCustomer is the contract's StripeCustomer: the account's customer at its payment provider.
type StripeCustomer struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Balance Money  `json:"balance"`
}

// BillingAccountDetails is the contract's GetBillingAccountDetailsResponse.
type BillingAccountDetails struct {
	BillingAccount BillingAccount `json:"billingAccount"`
	StripeCustomer StripeCustomer `json:"stripeCustomer"`
}

// BillingAccountList is the contract's ListBillingAccountsResponse.
type BillingAccountList struct {
	BillingAccounts []BillingAccount `json:"billingAccounts"`
	PageToken       string           `json:"pageToken"`
	PageSize        int              `json:"pageSize"`
}

// CreditBalanceTransaction is the contract's CreditBalanceTransaction: one ledger transfer of
// the account, positive when it credited the account and negative when it debited it.
type CreditBalanceTransaction struct {
	ID          string     `json:"id"`
	Amount      Money      `json:"amount"`
	Description string     `json:"description"`
	CreateTime  *time.Time `json:"createTime"`
}

// CreditBalanceTransactionList is the contract's ListBillingAccountCreditBalanceTransactionsResponse.
type CreditBalanceTransactionList struct {
	CreditBalanceTransactions []CreditBalanceTransaction `json:"creditBalanceTransactions"`
	HasMore                   bool                       `json:"hasMore"`
}

// TransactionList is the contract's ListBillingAccountTransactionsResponse.
type TransactionList struct {
	Transactions []Transaction `json:"transactions"`
	HasMore      bool          `json:"hasMore"`
}

// CreditPayment is the contract's CreateBillingAccountCreditPaymentResponse.
type CreditPayment struct {
	PaymentIntent PaymentIntent `json:"paymentIntent"`
}

// PaymentIntent is the contract's PaymentIntent.
type PaymentIntent struct {
	ClientSecret string `json:"clientSecret"`
}

// Invoice is the contract's Invoice: amounts in minor units and times in unix seconds, as strings.
type Invoice struct {
	ID                   string `json:"id"`
	AmountDue            string `json:"amountDue"`
	AmountPaid           string `json:"amountPaid"`
	AmountRemaining      string `json:"amountRemaining"`
	Created              string `json:"created"`
	Description          string `json:"description"`
	Currency             string `json:"currency"`
	HostedInvoiceURL     string `json:"hostedInvoiceUrl"`
	Status               string `json:"status"`
	DueDate              string `json:"dueDate"`
	PaidDate             string `json:"paidDate"`
	BillingReason        string `json:"billingReason"`
	AutoAdvance          bool   `json:"autoAdvance"`
	PeriodStart          string `json:"periodStart"`
	PeriodEnd            string `json:"periodEnd"`
	Number               string `json:"number"`
	SubtotalExcludingTax string `json:"subtotalExcludingTax"`
	Subtotal             string `json:"subtotal"`
	TotalExcludingTax    string `json:"totalExcludingTax"`
	Tax                  string `json:"tax"`
	Total                string `json:"total"`
}

// InvoiceList is the contract's ListBillingAccountInvoicesResponse.
type InvoiceList struct {
	Invoices []Invoice `json:"invoices"`
	HasMore  bool      `json:"hasMore"`
}

// OutstandingInvoices is the contract's ListOutstandingInvoicesResponse.
type OutstandingInvoices struct {
	Invoices []Invoice `json:"invoices"`
}

// PaymentMethod is the contract's BillingAccountPaymentMethod.
type PaymentMethod struct {
	ID        string         `json:"id"`
	Type      string         `json:"type"`
	Card      *Card          `json:"card"`
	Paypal    *PaypalAccount `json:"paypal"`
	IsDefault bool           `json:"isDefault"`
}

// Card is the contract's PaymentMethodCard.
type Card struct {
	Brand       string `json:"brand"`
	Country     string `json:"country"`
	ExpMonth    string `json:"expMonth"`
	ExpYear     string `json:"expYear"`
	Fingerprint string `json:"fingerprint"`
	Last4       string `json:"last4"`
}

// PaypalAccount is the contract's PaymentMethodPaypal; billd's providers save cards only.
type PaypalAccount struct {
	PayerEmail string `json:"payerEmail"`
	PayerID    string `json:"payerId"`
}

// PaymentMethods is the contract's BillingAccountPaymentMethods.
type PaymentMethods struct {
	PaymentMethods []PaymentMethod `json:"paymentMethods"`
}

// PaymentMethodRef is the contract's RemoveBillingAccountPaymentMethodResponse and
// SetBillingAccountDefaultPaymentMethodResponse.
type PaymentMethodRef struct {
	ID              string `json:"id"`
	PaymentMethodID string `json:"paymentMethodId"`
}

// SetupIntent is the contract's BillingAccountSetupIntent.
type SetupIntent struct {
	ID           string `json:"id"`
	ClientSecret string `json:"clientSecret"`
}

// Project is the contract's BillingAccountProject.
type Project struct {
	ID            string `json:"id"`
	ResourceCount int32  `json:"resourceCount"`
}

// ProjectList is the contract's ListBillingAccountProjectsResponse.
type ProjectList struct {
	Projects []Project `json:"projects"`
}

// SpendRow is the contract's BillingAccountSpendRow. Quantity is a JSON number in the contract;
// billd meters amounts, not quantities, and writes 1, never a float.
type SpendRow struct {
	ProjectID   string `json:"projectId"`
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	Unit        string `json:"unit"`
	UnitAmount  Money  `json:"unitAmount"`
	Amount      Money  `json:"amount"`
}

// SpendDetails is the contract's GetBillingAccountSpendDetailsResponse.
type SpendDetails struct {
	Spend []SpendRow `json:"spend"`
}

// Empty is the contract's empty response object.
type Empty struct{}
