package sandbox

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
)

func TestNewRefusesBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no secret":    {},
		"short secret": {Secret: []byte("0123456789abcde")},
		"base URL":     {Secret: testSecret, BaseURL: "127.0.0.1:7400"},
		"ftp base URL": {Secret: testSecret, BaseURL: "ftp://example.com"},
		"max objects":  {Secret: testSecret, MaxObjects: -1},
	} {
		_, err := New(cfg)
		if billd.ErrorCode(err) != billd.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
	p, err := New(Config{Secret: testSecret, BaseURL: "http://127.0.0.1:7400/"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.CreateCheckout(context.Background(), billd.CheckoutSessionRequest{CheckoutID: "chk 1", Kind: billd.CheckoutSetup})
	if err != nil || c.URL != "http://127.0.0.1:7400/checkout/chk%201" || !strings.HasPrefix(c.ID, "cs_sbx_") || len(c.ID) < 20 {
		t.Errorf("checkout with the default ids: %+v, %v", c, err)
	}
	if p.Name() != "sandbox" {
		t.Errorf("Name() = %q", p.Name())
	}
}

func TestCreateCheckout(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := billd.CheckoutSessionRequest{CheckoutID: "chk-1", Kind: billd.CheckoutProduct, CustomerID: "cus_sbx_1",
		Currency: "usd", Lines: oneProduct}
	c, err := e.p.CreateCheckout(ctx, r)
	if err != nil || c.CheckoutID != "chk-1" || c.URL != e.server.URL+"/checkout/chk-1" || c.State != billd.CheckoutOpen ||
		c.PaymentStatus != billd.PaymentUnpaid || !strings.HasPrefix(c.ID, "cs_sbx_") {
		t.Fatalf("CreateCheckout: %+v, %v", c, err)
	}
	again, err := e.p.CreateCheckout(ctx, r)
	if err != nil || *again != *c {
		t.Errorf("a second session of one checkout: %+v, %v; want the open one", again, err)
	}
	got, err := e.p.Checkout(ctx, c.ID)
	if err != nil || *got != *c {
		t.Errorf("Checkout: %+v, %v", got, err)
	}
	e.clock.Set(testStart.Add(billd.CheckoutValidity))
	if got, _ := e.p.Checkout(ctx, c.ID); got.State != billd.CheckoutExpired {
		t.Errorf("a session past its default validity is %s", got.State)
	}
	_, err = e.p.Checkout(ctx, "cs_nope")
	wantCode(t, err, billd.ENOTFOUND)

	sub := billd.CheckoutLine{Name: "Pro", UnitAmount: 100, Quantity: 1, Interval: "month"}
	for name, bad := range map[string]billd.CheckoutSessionRequest{
		"no id":             {Kind: billd.CheckoutSetup},
		"no kind":           {CheckoutID: "x", Currency: "usd", Lines: oneProduct},
		"no lines":          {CheckoutID: "x", Kind: billd.CheckoutProduct, Currency: "usd"},
		"setup with lines":  {CheckoutID: "x", Kind: billd.CheckoutSetup, Currency: "usd", Lines: oneProduct},
		"no currency":       {CheckoutID: "x", Kind: billd.CheckoutProduct, Lines: oneProduct},
		"no interval":       {CheckoutID: "x", Kind: billd.CheckoutSubscription, Currency: "usd", Lines: oneProduct},
		"negative price":    {CheckoutID: "x", Kind: billd.CheckoutProduct, Currency: "usd", Lines: []billd.CheckoutLine{{Name: "x", Quantity: 1, UnitAmount: -1}}},
		"overflowing total": {CheckoutID: "x", Kind: billd.CheckoutProduct, Currency: "usd", Lines: []billd.CheckoutLine{{Name: "x", Quantity: 1, UnitAmount: math.MaxInt64}, {Name: "y", Quantity: 1, UnitAmount: 1}}},
		"long trial":        {CheckoutID: "x", Kind: billd.CheckoutSubscription, Currency: "usd", Lines: []billd.CheckoutLine{sub}, TrialDays: maxTrialDays + 1},
	} {
		_, err := e.p.CreateCheckout(ctx, bad)
		if billd.ErrorCode(err) != billd.EINVALID {
			t.Errorf("%s: %v, want EINVALID", name, err)
		}
	}
}

func TestExpireCheckout(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, pc := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	if err := e.p.ExpireCheckout(ctx, pc.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.p.ExpireCheckout(ctx, pc.ID); err != nil {
		t.Errorf("expire twice: %v", err)
	}
	if v, _ := e.p.Checkout(ctx, pc.ID); v.State != billd.CheckoutExpired {
		t.Errorf("expired session is %s", v.State)
	}
	_, paid := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	e.post(t, "/checkout/chk-2/pay", cardValues(CardSuccess))
	wantCode(t, e.p.ExpireCheckout(ctx, paid.ID), billd.EPRECONDITION)
	wantCode(t, e.p.ExpireCheckout(ctx, "cs_nope"), billd.ENOTFOUND)
}

func TestMemoryForgetsTheOldestObjects(t *testing.T) {
	p, err := New(Config{Secret: testSecret, MaxObjects: 3, Now: func() time.Time { return testStart }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ids []string
	for i := range 5 {
		c, err := p.CreateCheckout(ctx, billd.CheckoutSessionRequest{CheckoutID: fmt.Sprint("chk-", i), Kind: billd.CheckoutSetup})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	for i, id := range ids {
		_, err := p.Checkout(ctx, id)
		if forgotten := i < 2; forgotten != (billd.ErrorCode(err) == billd.ENOTFOUND) {
			t.Errorf("session %d: %v; forgotten: %t", i, err, forgotten)
		}
	}
	if _, err := p.Charge(ctx, billd.ChargeRequest{IdempotencyKey: "k", CustomerID: "cus_sbx_1", Amount: 1, Currency: "usd"}); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	live := len(p.mem.sessions) + len(p.mem.charges)
	if live != 3 || len(p.mem.byCheckout) != 2 || len(p.mem.order)-p.mem.head != 3 {
		t.Errorf("%d objects live, %d sessions by checkout, %d in order; want 3, 2, 3",
			live, len(p.mem.byCheckout), len(p.mem.order)-p.mem.head)
	}
}

func TestMemoryStaysBoundedOverManyObjects(t *testing.T) {
	m := newMemory(10)
	for i := range 5000 {
		m.addCustomer(&customer{id: fmt.Sprint(i)})
	}
	if len(m.customers) != 10 || len(m.order) > 2100 || m.customers["4999"] == nil || m.customers["4989"] != nil {
		t.Errorf("%d customers, order of %d", len(m.customers), len(m.order))
	}
}

func TestParseCard(t *testing.T) {
	for _, tc := range []struct {
		number, reason, brand string
	}{
		{CardSuccess, "", "visa"},
		{"4242424242424242", "", "visa"},
		{CardDeclined, ReasonDeclined, "visa"},
		{CardDeclineOffSession, "", "visa"},
		{"5555 5555 5555 4444", "", "mastercard"},
		{"3782 822463 10005", "", "amex"},
	} {
		c, reason, err := parseCard(cardForm{number: tc.number, expiry: " 1 / 2030 ", cvc: "123"}, testStart)
		if err != nil || reason != tc.reason || c.brand != tc.brand || c.expMonth != 1 || c.expYear != 2030 {
			t.Errorf("%s: %+v, %q, %v", tc.number, c, reason, err)
		}
	}
}
