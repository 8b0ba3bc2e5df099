package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/billd/billd"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 30, 0, 0, time.UTC) }

func TestAddInterval(t *testing.T) {
	for _, tc := range []struct {
		from     time.Time
		interval string
		n        int
		want     time.Time
	}{
		{date(2025, 1, 15), "day", 1, date(2025, 1, 16)},
		{date(2025, 12, 31), "day", 1, date(2026, 1, 1)},
		{date(2025, 1, 15), "week", 1, date(2025, 1, 22)},
		{date(2025, 12, 29), "week", 1, date(2026, 1, 5)},
		{date(2025, 1, 15), "month", 1, date(2025, 2, 15)},
		{date(2025, 1, 31), "month", 1, date(2025, 2, 28)},
		{date(2024, 1, 31), "month", 1, date(2024, 2, 29)},
		{date(2025, 1, 31), "month", 2, date(2025, 3, 31)},
		{date(2025, 3, 31), "month", 1, date(2025, 4, 30)},
		{date(2025, 12, 31), "month", 1, date(2026, 1, 31)},
		{date(2025, 1, 15), "year", 1, date(2026, 1, 15)},
		{date(2024, 2, 29), "year", 1, date(2025, 2, 28)},
		{date(2024, 2, 29), "year", 4, date(2028, 2, 29)},
	} {
		if got := billd.AddInterval(tc.from, tc.interval, tc.n); !got.Equal(tc.want) {
			t.Errorf("%s + %d %s = %s, want %s", tc.from.Format(time.DateOnly), tc.n, tc.interval, got, tc.want)
		}
	}
}

func TestCreateSubscriptionPeriods(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, tc := range []struct {
		start     time.Time
		interval  string
		trialDays int64
		state     billd.SubscriptionState
		end       time.Time
	}{
		{date(2025, 1, 31), "day", 0, billd.SubscriptionActive, date(2025, 2, 1)},
		{date(2025, 1, 31), "week", 0, billd.SubscriptionActive, date(2025, 2, 7)},
		{date(2025, 1, 31), "month", 0, billd.SubscriptionActive, date(2025, 2, 28)},
		{date(2024, 2, 29), "year", 0, billd.SubscriptionActive, date(2025, 2, 28)},
		{date(2025, 1, 31), "month", 7, billd.SubscriptionTrialing, date(2025, 2, 7)},
	} {
		e.clock.Set(tc.start)
		s, err := e.p.CreateSubscription(ctx, billd.SubscriptionRequest{SubscriptionID: "sub-1", CustomerID: "cus_sbx_1",
			Currency: "usd", Lines: []billd.CheckoutLine{{Name: "Pro", UnitAmount: 100, Quantity: 1, Interval: tc.interval}},
			TrialDays: tc.trialDays})
		if err != nil {
			t.Fatalf("%s: %v", tc.interval, err)
		}
		if s.State != tc.state || !s.CurrentPeriod.Start.Equal(tc.start) || !s.CurrentPeriod.End.Equal(tc.end) ||
			s.SubscriptionID != "sub-1" || (tc.trialDays > 0) != !s.TrialEndsAt.IsZero() {
			t.Errorf("%s, %d trial days from %s: %+v, want %s ending %s", tc.interval, tc.trialDays,
				tc.start.Format(time.DateOnly), s, tc.state, tc.end.Format(time.DateOnly))
		}
	}
}

func TestCreateSubscriptionRefusesBadRequests(t *testing.T) {
	e := newEnv(t)
	line := billd.CheckoutLine{Name: "Pro", UnitAmount: 100, Quantity: 1, Interval: "month"}
	yearly := line
	yearly.Interval = "year"
	for name, r := range map[string]billd.SubscriptionRequest{
		"no customer":      {Currency: "usd", Lines: []billd.CheckoutLine{line}},
		"no lines":         {CustomerID: "cus_sbx_1", Currency: "usd"},
		"no currency":      {CustomerID: "cus_sbx_1", Lines: []billd.CheckoutLine{line}},
		"no interval":      {CustomerID: "cus_sbx_1", Currency: "usd", Lines: []billd.CheckoutLine{{Name: "x", Quantity: 1}}},
		"bad interval":     {CustomerID: "cus_sbx_1", Currency: "usd", Lines: []billd.CheckoutLine{line}, Interval: "fortnight"},
		"mixed intervals":  {CustomerID: "cus_sbx_1", Currency: "usd", Lines: []billd.CheckoutLine{line, yearly}},
		"other interval":   {CustomerID: "cus_sbx_1", Currency: "usd", Lines: []billd.CheckoutLine{line}, Interval: "year"},
		"negative trial":   {CustomerID: "cus_sbx_1", Currency: "usd", Lines: []billd.CheckoutLine{line}, TrialDays: -1},
		"zero quantity":    {CustomerID: "cus_sbx_1", Currency: "usd", Lines: []billd.CheckoutLine{{Name: "x", Interval: "day"}}},
		"overflowing line": {CustomerID: "cus_sbx_1", Currency: "usd", Lines: []billd.CheckoutLine{{Name: "x", Interval: "day", Quantity: 2, UnitAmount: 1 << 62}}},
	} {
		_, err := e.p.CreateSubscription(context.Background(), r)
		if billd.ErrorCode(err) != billd.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

func TestCancelSubscription(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := billd.SubscriptionRequest{CustomerID: "cus_sbx_1", Currency: "usd",
		Lines: []billd.CheckoutLine{{Name: "Pro", UnitAmount: 100, Quantity: 1}}, Interval: "month"}
	atEnd, _ := e.p.CreateSubscription(ctx, r)
	now, _ := e.p.CreateSubscription(ctx, r)
	e.clock.Set(testStart.Add(time.Hour))
	got, err := e.p.CancelSubscription(ctx, atEnd.ID, true)
	if err != nil || got.State != billd.SubscriptionActive || !got.CancelAtPeriodEnd || !got.EndedAt.IsZero() ||
		!got.CanceledAt.Equal(testStart.Add(time.Hour)) || got.CurrentPeriod != atEnd.CurrentPeriod {
		t.Errorf("cancel at period end: %+v, %v", got, err)
	}
	got, err = e.p.CancelSubscription(ctx, now.ID, false)
	if err != nil || got.State != billd.SubscriptionCanceled || !got.EndedAt.Equal(testStart.Add(time.Hour)) {
		t.Errorf("cancel now: %+v, %v", got, err)
	}
	e.clock.Set(testStart.Add(2 * time.Hour))
	again, err := e.p.CancelSubscription(ctx, now.ID, false)
	if err != nil || *again != *got {
		t.Errorf("cancel twice: %+v, %v; want %+v", again, err, got)
	}
	_, err = e.p.CancelSubscription(ctx, "sub_nope", false)
	wantCode(t, err, billd.ENOTFOUND)
	_, err = e.p.ChangeSubscription(ctx, now.ID, r, true)
	wantCode(t, err, billd.EPRECONDITION)
}

func TestChangeSubscription(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	monthly := billd.SubscriptionRequest{CustomerID: "cus_sbx_1", Currency: "usd", TrialDays: 14,
		Lines: []billd.CheckoutLine{{Name: "Pro", UnitAmount: 100, Quantity: 1, Interval: "month"}}}
	s, _ := e.p.CreateSubscription(ctx, monthly)
	yearly := monthly
	yearly.Lines = []billd.CheckoutLine{{Name: "Pro yearly", UnitAmount: 1000, Quantity: 1, Interval: "year"}}
	e.clock.Set(testStart.AddDate(0, 0, 3))

	got, err := e.p.ChangeSubscription(ctx, s.ID, yearly, false)
	if err != nil || *got != *s {
		t.Errorf("a change at period end changes the view now: %+v, %v", got, err)
	}
	more := monthly
	more.Lines = []billd.CheckoutLine{{Name: "Pro", UnitAmount: 100, Quantity: 5, Interval: "month"}}
	got, err = e.p.ChangeSubscription(ctx, s.ID, more, true)
	if err != nil || got.CurrentPeriod != s.CurrentPeriod || got.State != billd.SubscriptionTrialing {
		t.Errorf("an immediate change of quantity: %+v, %v; want the period kept", got, err)
	}
	got, err = e.p.ChangeSubscription(ctx, s.ID, yearly, true)
	now := testStart.AddDate(0, 0, 3)
	if err != nil || got.State != billd.SubscriptionActive || !got.TrialEndsAt.IsZero() ||
		!got.CurrentPeriod.Start.Equal(now) || !got.CurrentPeriod.End.Equal(now.AddDate(1, 0, 0)) {
		t.Errorf("an immediate change of interval: %+v, %v; want a new yearly period from now", got, err)
	}
	_, err = e.p.ChangeSubscription(ctx, "sub_nope", yearly, true)
	wantCode(t, err, billd.ENOTFOUND)
}

func TestInvoices(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := billd.InvoiceRequest{InvoiceID: "inv-1", CustomerID: "cus_sbx_1", Currency: "usd", DueInDays: 30,
		Lines: []billd.CheckoutLine{{Name: "Usage", UnitAmount: 250, Quantity: 4}, {Name: "Seats", UnitAmount: 1000, Quantity: 1}}}
	in, err := e.p.CreateInvoice(ctx, r)
	if err != nil || in.State != "open" || in.Amount != 2000 || in.Currency != "usd" || in.InvoiceID != "inv-1" ||
		!in.DueAt.Equal(testStart.AddDate(0, 0, 30)) {
		t.Fatalf("CreateInvoice: %+v, %v", in, err)
	}
	got, err := e.p.Invoice(ctx, in.ID)
	if err != nil || *got != *in {
		t.Errorf("Invoice: %+v, %v", got, err)
	}
	_, err = e.p.Invoice(ctx, "in_nope")
	wantCode(t, err, billd.ENOTFOUND)
	for name, bad := range map[string]billd.InvoiceRequest{
		"no customer": {Currency: "usd", Lines: r.Lines},
		"no lines":    {CustomerID: "cus_sbx_1", Currency: "usd"},
		"due":         {CustomerID: "cus_sbx_1", Currency: "usd", Lines: r.Lines, DueInDays: -1},
		"unnamed":     {CustomerID: "cus_sbx_1", Currency: "usd", Lines: []billd.CheckoutLine{{Quantity: 1}}},
	} {
		_, err := e.p.CreateInvoice(ctx, bad)
		if billd.ErrorCode(err) != billd.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}
