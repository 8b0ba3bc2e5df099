package cudo

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/billd/billd"
)

func TestStateOf(t *testing.T) {
	for _, tt := range []struct {
		state  billd.AccountState
		reason string
		want   string
	}{
		{billd.AccountActive, "", StateActive},
		{billd.AccountDisabled, billd.SuspendedForAbuse, StateSuspendedAbuse},
		{billd.AccountDisabled, billd.SuspendedForPayment, StateSuspendedPayment},
		{billd.AccountDisabled, "", StateUnspecified},
	} {
		if got := stateOf(&billd.BillingAccount{State: tt.state, SuspendedFor: tt.reason}); got != tt.want {
			t.Errorf("stateOf(%s, %q) = %s, want %s", tt.state, tt.reason, got, tt.want)
		}
	}
}

func TestAccountOfMoneyInTheAccountsCurrency(t *testing.T) {
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.FixedZone("x", 3600))
	a := &billd.BillingAccount{ID: "a", Currency: "jpy", CreditMin: -5, HourlySpendLimit: 1200, CreatedAt: at,
		Recharge: billd.Recharge{Auto: true, Low: 100, High: 500}, Metadata: billd.Metadata{InvoiceNameKey: "Acme KK"}}
	st := &billd.AccountStatus{Account: a, Balance: billd.Balance{Amount: -42}, Spend: billd.SpendWindows{Hour: 7, Month: 12345},
		LastRecharge: &billd.Charge{ID: "c", Amount: 400, Status: billd.ChargeFailed, FailureCode: "card_declined",
			DeclineCode: "insufficient_funds", CreatedAt: at, UpdatedAt: at}}
	got := accountOf(st)
	if got.CreditBalance.Value != "-42" || got.HourlySpendLimit.Value != "1200" || got.MonthlySpend != "12345" ||
		got.HourlySpendRate.Value != "7" || got.PaymentTerms != TermsInvoice || got.BillingAddress.Name != "Acme KK" {
		t.Errorf("accountOf = %+v", got)
	}
	if got.CreateTime.Location() != time.UTC || !got.CreateTime.Equal(at) {
		t.Errorf("createTime %v, want %v in UTC", got.CreateTime, at)
	}
	tr := got.CreditBalanceRecharge.Transaction
	if tr == nil || tr.Succeeded || tr.LatestCharge.Paid || tr.LastPaymentError.DeclineCode != "insufficient_funds" || tr.Amount.Value != "400" {
		t.Errorf("the failed recharge: %+v", tr)
	}
	b, err := json.Marshal(detailsOf(st))
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]map[string]any
	if err := json.Unmarshal(b, &back); err != nil || back["billingAccount"]["deleteTime"] != nil || back["stripeCustomer"]["balance"] == nil {
		t.Errorf("details JSON %s: %v", b, err)
	}
}

func TestCreditBalanceTransactionSign(t *testing.T) {
	usage := billd.Transaction{AccountID: "a", Transfer: billd.Transfer{ID: "u", DebitAccountID: "a", CreditAccountID: "p",
		Amount: 1050, Kind: billd.KindUsage}}
	grant := billd.Transaction{AccountID: "a", Transfer: billd.Transfer{ID: "g", DebitAccountID: "p", CreditAccountID: "a",
		Amount: 5, Kind: billd.KindGrant, Description: "welcome"}}
	if got := creditBalanceTransactionOf(usage, "usd"); got.Amount.Value != "-10.50" || got.Description != "usage" {
		t.Errorf("usage: %+v", got)
	}
	if got := creditBalanceTransactionOf(grant, "kwd"); got.Amount.Value != "0.005" || got.Description != "welcome" {
		t.Errorf("grant: %+v", got)
	}
}

func TestInvoiceOf(t *testing.T) {
	due, paid := time.Unix(1700000000, 0), time.Unix(1700000100, 0)
	inv := invoiceOf(&billd.Invoice{ID: "i", Amount: 2500, State: billd.InvoicePaid, Currency: "usd", DueAt: &due, PaidAt: &paid,
		Kind: billd.InvoiceSubscription, CreatedAt: time.Unix(1690000000, 0)})
	if inv.AmountPaid != "2500" || inv.AmountRemaining != "0" || inv.DueDate != "1700000000" || inv.PaidDate != "1700000100" ||
		inv.Created != "1690000000" || inv.BillingReason != "subscription_cycle" || inv.PeriodStart != "0" {
		t.Errorf("invoiceOf = %+v", inv)
	}
}
