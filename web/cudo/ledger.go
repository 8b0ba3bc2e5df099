package cudo

import (
	"context"
	"time"

	"github.com/billd/billd"
)

// ListCreditBalanceTransactions is GET /v1/billing-accounts/{id}/credit-balance-transactions: the
// account's ledger journal, newest first, in Stripe's paging (pageSize, startingAfter, hasMore).
func (s *Server) ListCreditBalanceTransactions(ctx context.Context, p billd.Principal, in Input) (any, error) {
	size, err := pageSize(in.Query)
	if err != nil {
		return nil, err
	}
	a, err := s.account(ctx, p, in.Path("id"))
	if err != nil {
		return nil, err
	}
	page, _, err := s.svc.ListTransactions(ctx, p, billd.TransactionQuery{OrgID: a.OrgID, BillingID: a.ID,
		Page: billd.PageRequest{PageSize: size}, StartingAfter: first(in.Query, "startingAfter", "starting_after")})
	if err != nil {
		return nil, err
	}
	out := CreditBalanceTransactionList{CreditBalanceTransactions: make([]CreditBalanceTransaction, 0, len(page.Items)),
		HasMore: page.NextPageToken != ""}
	for _, t := range page.Items {
		out.CreditBalanceTransactions = append(out.CreditBalanceTransactions, creditBalanceTransactionOf(t, a.Currency))
	}
	return out, nil
}

// ListTransactions is GET /v1/billing-accounts/{id}/transactions: the account's off-session
// charges (recharges and credit payments), newest first, from the one after startingAfter.
func (s *Server) ListTransactions(ctx context.Context, p billd.Principal, in Input) (any, error) {
	size, err := pageSize(in.Query)
	if err != nil {
		return nil, err
	}
	a, err := s.account(ctx, p, in.Path("id"))
	if err != nil {
		return nil, err
	}
	page, err := s.svc.ChargesAfter(ctx, p, a.OrgID, a.ID, billd.PageRequest{PageSize: size},
		first(in.Query, "startingAfter", "starting_after"))
	if err != nil {
		return nil, err
	}
	out := TransactionList{Transactions: make([]Transaction, 0, len(page.Items)), HasMore: page.NextPageToken != ""}
	for _, c := range page.Items {
		out.Transactions = append(out.Transactions, transactionOf(c, a.Currency))
	}
	return out, nil
}

// CreateCreditPayment is POST /v1/billing-accounts/{id}/credit?amount.value=…&paymentMethod=…:
// the saved payment method is charged off-session and the account credited when the charge
// succeeds. The payment intent's client secret is billd's id of the charge, which the account's
// transactions list. A declined charge is an error (FailedPrecondition, naming the charge and the
// provider's codes) and credits nothing. billd's extension: an Idempotency-Key header (or query
// parameter idempotencyKey) makes a retried request answer with the first one's charge instead of
// charging again.
func (s *Server) CreateCreditPayment(ctx context.Context, p billd.Principal, in Input) (any, error) {
	method := first(in.Query, "paymentMethod", "payment_method")
	if method == "" {
		return nil, billd.Errorf(billd.EINVALID, "paymentMethod is required")
	}
	a, err := s.account(ctx, p, in.Path("id"))
	if err != nil {
		return nil, err
	}
	amount, err := ParseMoney(first(in.Query, "amount.value", "amount_value"), a.Currency)
	if err != nil {
		return nil, err
	}
	if amount <= 0 {
		return nil, billd.Errorf(billd.EINVALID, "amount.value must be above 0")
	}
	c, err := s.svc.CreditAccountRequest(ctx, p, a.OrgID, a.ID, billd.CreditRequest{Amount: amount, MethodID: method,
		IdempotencyKey: first(in.Query, IdempotencyParam)})
	if err != nil {
		return nil, err
	}
	if c.Status != billd.ChargeSucceeded {
		return nil, declined(c)
	}
	return CreditPayment{PaymentIntent: PaymentIntent{ClientSecret: c.ID}}, nil
}

// GetSpendDetails is GET /v1/billing-accounts/{billingAccountId}/spend/details?startTime&endTime:
// one row per usage source and description in the range. billd's usages name no project: a
// row's projectId is the usages' source (the metering service sets it to the project), and it
// meters amounts, not quantities: quantity is 1, unit UNIT_UNKNOWN and unitAmount the amount.
func (s *Server) GetSpendDetails(ctx context.Context, p billd.Principal, in Input) (any, error) {
	start, err := timeParam(in, "startTime", "start_time")
	if err != nil {
		return nil, err
	}
	end, err := timeParam(in, "endTime", "end_time")
	if err != nil {
		return nil, err
	}
	a, err := s.account(ctx, p, in.Path("billingAccountId"))
	if err != nil {
		return nil, err
	}
	rows, err := s.svc.SpendDetails(ctx, p, a.ID, start, end)
	if err != nil {
		return nil, err
	}
	out := SpendDetails{Spend: make([]SpendRow, 0, len(rows))}
	for _, r := range rows {
		out.Spend = append(out.Spend, spendRowOf(r, a.Currency))
	}
	return out, nil
}

// timeParam reads a required RFC 3339 query parameter.
func timeParam(in Input, names ...string) (time.Time, error) {
	v := first(in.Query, names...)
	if v == "" {
		return time.Time{}, billd.Errorf(billd.EINVALID, "%s is required", names[0])
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, billd.Errorf(billd.EINVALID, "%s must be an RFC 3339 time, got %q", names[0], billd.Truncate(v, 40))
	}
	return t, nil
}

// IdempotencyParam is billd's extension of the credit payment: a key that makes a retried request
// answer with the first one's charge. The Idempotency-Key header is read into it.
const IdempotencyParam = "idempotencyKey"

// declined is the error of a credit payment whose charge did not succeed.
func declined(c *billd.Charge) error {
	if c.Status == billd.ChargePending {
		return billd.Errorf(billd.EUNAVAILABLE, "the payment provider has not answered charge %s yet; it is retried, and its outcome shows in the account's transactions", c.ID)
	}
	reason := c.FailureCode
	if c.DeclineCode != "" {
		reason += " (" + c.DeclineCode + ")"
	}
	if reason == "" {
		reason = c.Status
	}
	return billd.Errorf(billd.EPRECONDITION, "charge %s was declined: %s; no credits were added", c.ID, reason)
}
