package cudo

import (
	"strconv"
	"time"

	"github.com/billd/billd"
)

// One function per message: the domain's objects as the contract's. Ledger amounts are minor
// units of the account's currency (CUDO money); timestamps are UTC.

// InvoiceNameKey is the metadata key under which billd keeps an account's CUDO invoice name
// (billingAddress.name, or invoiceName at creation): billd's account has no field of its own for it.
const InvoiceNameKey = "cudo_invoice_name"

// States and payment terms of the contract.
const (
	StateUnspecified      = "STATE_UNSPECIFIED"
	StateActive           = "STATE_ACTIVE"
	StateSuspendedAbuse   = "STATE_SUSPENDED_ABUSE"
	StateSuspendedPayment = "STATE_SUSPENDED_PAYMENT"
	TermsPrepaid          = "PAYMENT_TERMS_PREPAID"
	TermsInvoice          = "PAYMENT_TERMS_INVOICE"
)

// stamp returns t in UTC, or nil for the zero time.
func stamp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// stampOf returns *t in UTC, or nil.
func stampOf(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return stamp(*t)
}

// stateOf is the contract's state of an account: a disabled account that is not suspended (its
// owner disabled it through Frontier) has no CUDO state of its own, STATE_UNSPECIFIED.
func stateOf(a *billd.BillingAccount) string {
	switch {
	case a.State == billd.AccountActive:
		return StateActive
	case a.SuspendedFor == billd.SuspendedForAbuse:
		return StateSuspendedAbuse
	case a.SuspendedFor == billd.SuspendedForPayment:
		return StateSuspendedPayment
	}
	return StateUnspecified
}

// termsOf is the contract's payment terms of an account.
func termsOf(a *billd.BillingAccount) string {
	if a.PaymentTerms() == billd.PaymentTermsInvoice {
		return TermsInvoice
	}
	return TermsPrepaid
}

// taxIDOf is the account's first tax id; its id is derived from the account and the tax id.
func taxIDOf(a *billd.BillingAccount) TaxID {
	if len(a.TaxData) == 0 {
		return TaxID{}
	}
	t := a.TaxData[0]
	return TaxID{ID: billd.DeriveUUID("cudo-tax-id:" + a.ID + ":" + t.Type + ":" + t.ID), Type: t.Type, Value: t.ID}
}

// addressOf is the account's billing address.
func addressOf(a *billd.BillingAccount) BillingAddress {
	name, _ := a.Metadata[InvoiceNameKey].(string)
	return BillingAddress{Name: name, Phone: a.Phone, City: a.Address.City, Line1: a.Address.Line1,
		Line2: a.Address.Line2, State: a.Address.State, PostalCode: a.Address.PostalCode, Country: a.Address.Country}
}

// accountOf is the contract's BillingAccount of st.
func accountOf(st *billd.AccountStatus) BillingAccount {
	a, cur := st.Account, st.Account.Currency
	recharge := CreditBalanceRecharge{Low: NewMoney(a.Recharge.Low, cur), High: NewMoney(a.Recharge.High, cur),
		AutoRecharge: a.Recharge.Auto}
	if st.LastRecharge != nil {
		t := transactionOf(st.LastRecharge, cur)
		recharge.Transaction = &t
	}
	return BillingAccount{
		ID: a.ID, CreateTime: stamp(a.CreatedAt), DisplayName: a.Name, StripeRef: a.ProviderID, CreateBy: a.CreatedBy,
		MonthlySpend: FormatMoney(st.Spend.Month, cur), HourlySpendRate: NewMoney(st.Spend.Hour, cur),
		TaxID: taxIDOf(a), InvoiceTime: stampOf(st.InvoiceTime), BillingThreshold: NewMoney(a.BillingThreshold, cur),
		MonthlySpendLimit: NewMoney(a.MonthlySpendLimit, cur), HourlySpendLimit: NewMoney(a.HourlySpendLimit, cur),
		NextInvoiceTotal: NewMoney(st.NextInvoiceTotal, cur), CreditBalance: NewMoney(st.Balance.Amount, cur),
		CreditBalanceRecharge: recharge, BillingAddress: addressOf(a), State: stateOf(a), PaymentTerms: termsOf(a),
		DeleteTime: stampOf(a.DeletedAt), PurgeTime: stampOf(a.PurgeAt),
	}
}

// detailsOf is the contract's GetBillingAccountDetailsResponse of st. billd keeps no balance at
// the provider, so the customer's provider balance is zero.
func detailsOf(st *billd.AccountStatus) BillingAccountDetails {
	a := st.Account
	return BillingAccountDetails{BillingAccount: accountOf(st),
		StripeCustomer: StripeCustomer{ID: a.ProviderID, Name: a.Name, Email: a.Email, Balance: NewMoney(0, a.Currency)}}
}

// transactionOf is the contract's Transaction of an off-session charge.
func transactionOf(c *billd.Charge, currency string) Transaction {
	amount := NewMoney(c.Amount, currency)
	succeeded := c.Status == billd.ChargeSucceeded
	return Transaction{ID: c.ID, Amount: amount, Description: c.Description, CreateTime: stamp(c.CreatedAt),
		Status: c.Status, Succeeded: succeeded,
		LatestCharge: Charge{Amount: amount, CreateTime: stamp(c.UpdatedAt), Paid: succeeded, Status: c.Status,
			FailureCode: c.FailureCode},
		LastPaymentError: LastPaymentError{Code: c.FailureCode, DeclineCode: c.DeclineCode}}
}

// creditBalanceTransactionOf is the contract's CreditBalanceTransaction of a journal entry: its
// amount is negative when it debited the account. The description is the transfer's, or its kind
// when it has none.
func creditBalanceTransactionOf(t billd.Transaction, currency string) CreditBalanceTransaction {
	amount := t.Amount
	if t.Direction() == "debit" {
		amount = -amount
	}
	description := t.Description
	if description == "" {
		description = string(t.Kind)
	}
	return CreditBalanceTransaction{ID: t.ID, Amount: NewMoney(amount, currency), Description: description,
		CreateTime: stamp(t.CreatedAt)}
}

// unixOf is t in unix seconds as a string, "0" for none.
func unixOf(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.Unix(), 10)
}

// invoiceOf is the contract's Invoice: Stripe's invoice fields from billd's record. billd's
// invoices carry no tax and no number of their own; the number is the id.
func invoiceOf(inv *billd.Invoice) Invoice {
	total := strconv.FormatInt(inv.Amount, 10)
	paid, remaining := "0", total
	if inv.State == billd.InvoicePaid {
		paid, remaining = total, "0"
	}
	created := inv.CreatedAt
	return Invoice{ID: inv.ID, AmountDue: total, AmountPaid: paid, AmountRemaining: remaining, Created: unixOf(&created),
		Description: string(inv.Kind), Currency: inv.Currency, HostedInvoiceURL: inv.URL, Status: string(inv.State),
		DueDate: unixOf(inv.DueAt), PaidDate: unixOf(inv.PaidAt), BillingReason: billingReason(inv.Kind),
		AutoAdvance: inv.State == billd.InvoiceDraft, PeriodStart: unixOf(&inv.PeriodStart), PeriodEnd: unixOf(&inv.PeriodEnd),
		Number: inv.ID, SubtotalExcludingTax: total, Subtotal: total, TotalExcludingTax: total, Tax: "0", Total: total}
}

// billingReason is Stripe's billing_reason of an invoice kind.
func billingReason(k billd.InvoiceKind) string {
	if k == billd.InvoiceSubscription {
		return "subscription_cycle"
	}
	return "manual"
}

// paymentMethodOf is the contract's BillingAccountPaymentMethod of a saved card.
func paymentMethodOf(m *billd.PaymentMethod) PaymentMethod {
	pm := PaymentMethod{ID: m.ID, Type: m.Type, IsDefault: m.Default}
	if m.Type == "card" || m.CardLast4 != "" {
		pm.Card = &Card{Brand: m.CardBrand, ExpMonth: strconv.FormatInt(m.ExpiryMonth, 10),
			ExpYear: strconv.FormatInt(m.ExpiryYear, 10), Last4: m.CardLast4}
	}
	return pm
}

// spendRowOf is the contract's BillingAccountSpendRow of a spend row (see GetSpendDetails).
func spendRowOf(r billd.SpendRow, currency string) SpendRow {
	amount := NewMoney(r.Amount, currency)
	return SpendRow{ProjectID: r.Source, Description: r.Description, Quantity: 1, Unit: "UNIT_UNKNOWN",
		UnitAmount: amount, Amount: amount}
}
