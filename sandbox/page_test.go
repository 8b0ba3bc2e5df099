package sandbox

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
)

func TestPageShowsLinesAndTotalAndEscapesNames(t *testing.T) {
	e := newEnv(t)
	lines := []billd.CheckoutLine{
		{Name: `<script>alert("x")</script> & credits`, UnitAmount: 1250, Quantity: 3},
		{Name: "Support", UnitAmount: 5, Quantity: 1},
	}
	c, _ := e.open(t, billd.CheckoutProduct, lines, 0)
	status, body := e.get(t, "/checkout/"+c.ID)
	if status != http.StatusOK {
		t.Fatalf("GET page: %d\n%s", status, body)
	}
	for _, want := range []string{
		"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; credits", // the name, escaped
		"12.50 USD", "37.50 USD", "0.05 USD", `id="amount">37.55 USD<`,
		`id="pay"`, `id="decline"`, `id="cancel"`, `id="card-number"`, `id="card-expiry"`, `id="card-cvc"`,
		`action="/checkout/chk-1/pay"`, `action="/checkout/chk-1/decline"`, `action="/checkout/chk-1/cancel"`, ">Pay</button>",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Errorf("page shows a line name unescaped:\n%s", body)
	}
	if got := statusOfPage(t, body); got != "Enter a card to pay." {
		t.Errorf("#status = %q", got)
	}
}

func TestPageHeadersForbidFramingAndOutsideResources(t *testing.T) {
	e := newEnv(t)
	c, _ := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	resp, err := e.client.Get(e.server.URL + "/checkout/" + c.ID)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
		"Cache-Control": "no-store", "Content-Type": "text/html; charset=utf-8"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
}

func TestPayDeliversOneSignedCompletedEvent(t *testing.T) {
	e := newEnv(t)
	c, pc := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	status, location, body := e.post(t, "/checkout/"+c.ID+"/pay", cardValues("4242 4242 4242 4242"))
	if status != http.StatusSeeOther || location != "https://shop.example/success?c="+c.ID {
		t.Fatalf("pay: %d to %q, want 303 to the success URL\n%s", status, location, body)
	}
	ds := e.rec.all()
	if len(ds) != 1 {
		t.Fatalf("%d events delivered, want 1", len(ds))
	}
	if got := ds[0].header[SignatureHeader][0]; got != Sign(testSecret, ds[0].payload, testStart) {
		t.Errorf("signature %q is not Sign's", got)
	}
	ev := e.parse(t, ds[0])
	if ev.Type != billd.EventCheckoutCompleted || ev.Kind != "checkout.completed" || !strings.HasPrefix(ev.ID, "evt_") {
		t.Errorf("event %+v, want checkout.completed", ev)
	}
	got := ev.Checkout
	if got.ID != pc.ID || got.CheckoutID != c.ID || got.State != billd.CheckoutComplete || got.PaymentStatus != billd.PaymentPaid {
		t.Errorf("checkout %+v, want complete and paid", got)
	}
	pm := got.PaymentMethod
	if pm == nil || pm.CardLast4 != "4242" || pm.CardBrand != "visa" || pm.ExpiryMonth != 12 || pm.ExpiryYear != 2030 ||
		pm.Type != "card" || !pm.Default || !strings.HasPrefix(pm.ProviderID, "pm_sbx_") {
		t.Errorf("saved card %+v, want the visa 4242 expiring 12/2030", pm)
	}
	if !strings.HasPrefix(ev.CustomerID, "cus_sbx_") {
		t.Errorf("event customer %q", ev.CustomerID)
	}
	view, err := e.p.Checkout(context.Background(), pc.ID)
	if err != nil || view.State != billd.CheckoutComplete || view.PaymentMethod.ProviderID != pm.ProviderID {
		t.Errorf("Checkout after pay: %+v, %v", view, err)
	}
	methods, err := e.p.PaymentMethods(context.Background(), ev.CustomerID)
	if err != nil || len(methods) != 1 || methods[0].ProviderID != pm.ProviderID || !methods[0].Default || methods[0].AccountID != "acct-1" {
		t.Errorf("PaymentMethods after pay: %+v, %v", methods, err)
	}
	_, body = e.get(t, "/checkout/"+c.ID)
	if strings.Contains(body, `id="pay"`) || statusOfPage(t, body) != "This checkout is paid." {
		t.Errorf("a paid checkout's page still offers to pay:\n%s", body)
	}
}

func TestPayingACompleteCheckoutConflicts(t *testing.T) {
	e := newEnv(t)
	c, _ := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	if status, _, body := e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardSuccess)); status != http.StatusSeeOther {
		t.Fatalf("first pay: %d\n%s", status, body)
	}
	for _, action := range []string{"pay", "decline", "cancel"} {
		status, _, body := e.post(t, "/checkout/"+c.ID+"/"+action, cardValues(CardSuccess))
		if status != http.StatusConflict || strings.Contains(body, `id="pay"`) {
			t.Errorf("%s of a paid checkout: %d, want 409 without buttons\n%s", action, status, body)
		}
	}
	if n := len(e.rec.all()); n != 1 {
		t.Errorf("%d events delivered, want 1", n)
	}
}

func TestDeclineShowsTheFailureAndPayStillWorks(t *testing.T) {
	e := newEnv(t)
	c, _ := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	for i, post := range []func() (int, string, string){
		func() (int, string, string) { return e.post(t, "/checkout/"+c.ID+"/decline", nil) },
		func() (int, string, string) { return e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardDeclined)) },
	} {
		status, location, body := post()
		if status != http.StatusSeeOther || location != e.server.URL+"/checkout/"+c.ID {
			t.Fatalf("decline %d: %d to %q, want 303 to the page\n%s", i, status, location, body)
		}
		ds := e.rec.all()
		ev := e.parse(t, ds[len(ds)-1])
		if ev.Type != billd.EventCheckoutFailed || ev.Checkout.PaymentError != ReasonDeclined ||
			ev.Checkout.State != billd.CheckoutOpen || ev.Checkout.PaymentMethod != nil {
			t.Errorf("decline %d delivered %+v %+v, want checkout.failed", i, ev, ev.Checkout)
		}
		_, body = e.get(t, "/checkout/"+c.ID)
		if got := statusOfPage(t, body); got != "Your card was declined." || !strings.Contains(body, `id="pay"`) {
			t.Errorf("page after decline %d: #status %q, pay offered: %t", i, got, strings.Contains(body, `id="pay"`))
		}
	}
	status, _, body := e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardSuccess))
	ds := e.rec.all()
	if status != http.StatusSeeOther || len(ds) != 3 || e.parse(t, ds[2]).Type != billd.EventCheckoutCompleted {
		t.Fatalf("pay after declines: %d, %d events\n%s", status, len(ds), body)
	}
	if ev := e.parse(t, ds[2]); ev.Checkout.PaymentError != "" {
		t.Errorf("completed checkout keeps the error %q", ev.Checkout.PaymentError)
	}
}

func TestCancelExpiresAndRedirectsToTheCancelURL(t *testing.T) {
	e := newEnv(t)
	c, pc := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	status, location, _ := e.post(t, "/checkout/"+c.ID+"/cancel", nil)
	if status != http.StatusSeeOther || location != "https://shop.example/cancel" {
		t.Fatalf("cancel: %d to %q, want 303 to the cancel URL", status, location)
	}
	ds := e.rec.all()
	if len(ds) != 1 {
		t.Fatalf("%d events delivered, want 1", len(ds))
	}
	if ev := e.parse(t, ds[0]); ev.Type != billd.EventCheckoutExpired || ev.Checkout.State != billd.CheckoutExpired {
		t.Errorf("cancel delivered %+v", ev)
	}
	_, body := e.get(t, "/checkout/"+c.ID)
	if strings.Contains(body, `id="pay"`) || !strings.Contains(statusOfPage(t, body), "expired") {
		t.Errorf("canceled checkout's page:\n%s", body)
	}
	if status, _, _ := e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardSuccess)); status != http.StatusConflict {
		t.Errorf("pay after cancel: %d, want 409", status)
	}
	if v, _ := e.p.Checkout(context.Background(), pc.ID); v.State != billd.CheckoutExpired {
		t.Errorf("Checkout after cancel: %s", v.State)
	}
}

func TestBadCardsAreRefusedAndNothingIsDelivered(t *testing.T) {
	e := newEnv(t)
	c, pc := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	for _, tc := range []struct {
		name, number, expiry, cvc, want string
	}{
		{"luhn", "4242 4242 4242 4241", "12/30", "123", "Your card number is invalid."},
		{"letters", "4242 4242 4242 424x", "12/30", "123", "Your card number is invalid."},
		{"short", "4242", "12/30", "123", "Your card number is invalid."},
		{"past expiry", CardSuccess, "12/24", "123", "Your card's expiration date is in the past."},
		{"month 13", CardSuccess, "13/30", "123", "Your card's expiration date is invalid: use MM/YY."},
		{"no slash", CardSuccess, "1230", "123", "Your card's expiration date is invalid: use MM/YY."},
		{"cvc", CardSuccess, "12/30", "12", "Your card's security code is invalid."},
	} {
		form := url.Values{"card_number": {tc.number}, "card_expiry": {tc.expiry}, "card_cvc": {tc.cvc}}
		status, _, body := e.post(t, "/checkout/"+c.ID+"/pay", form)
		if status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", tc.name, status)
			continue
		}
		// The page is answered at .../pay: its forms must post to absolute paths.
		if got := statusOfPage(t, body); got != tc.want || !strings.Contains(body, `action="/checkout/`+c.ID+`/pay"`) {
			t.Errorf("%s: #status %q, want %q with the form", tc.name, got, tc.want)
		}
	}
	if n := len(e.rec.all()); n != 0 {
		t.Errorf("%d events delivered for bad cards", n)
	}
	if v, _ := e.p.Checkout(context.Background(), pc.ID); v.State != billd.CheckoutOpen {
		t.Errorf("checkout is %s after bad cards", v.State)
	}
	// This month's expiry is still good.
	if status, _, body := e.post(t, "/checkout/"+c.ID+"/pay", url.Values{"card_number": {"4242424242424242"},
		"card_expiry": {"01/25"}, "card_cvc": {"1234"}}); status != http.StatusSeeOther {
		t.Errorf("card expiring this month: %d\n%s", status, body)
	}
}

func TestFailedDeliveryLeavesTheCheckoutPayable(t *testing.T) {
	e := newEnv(t)
	c, pc := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	e.rec.setErr(billd.Errorf(billd.EUNAVAILABLE, "the store is unavailable"))
	status, _, body := e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardSuccess))
	if status != http.StatusServiceUnavailable || !strings.Contains(statusOfPage(t, body), "could not be recorded") ||
		!strings.Contains(body, `id="pay"`) {
		t.Fatalf("pay while billd is down: %d\n%s", status, body)
	}
	if v, _ := e.p.Checkout(context.Background(), pc.ID); v.State != billd.CheckoutOpen || v.PaymentStatus != billd.PaymentUnpaid || v.PaymentMethod != nil {
		t.Errorf("checkout after a failed delivery: %+v", v)
	}
	methods, _ := e.p.PaymentMethods(context.Background(), e.customerOf(c.ID))
	if len(methods) != 0 {
		t.Errorf("a card was saved by an undelivered payment: %+v", methods)
	}
	e.rec.setErr(nil)
	if status, _, body := e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardSuccess)); status != http.StatusSeeOther {
		t.Fatalf("pay again: %d\n%s", status, body)
	}
	if n := len(e.rec.all()); n != 1 {
		t.Errorf("%d events recorded, want 1", n)
	}
}

func TestNoDeliverConfiguredIsUnavailable(t *testing.T) {
	e := newEnv(t)
	e.p.deliver = nil
	c, _ := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	if status, _, _ := e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardSuccess)); status != http.StatusServiceUnavailable {
		t.Errorf("pay without Deliver: %d, want 503", status)
	}
}

func TestAPaymentUnderWayRefusesASecondOne(t *testing.T) {
	e := newEnv(t)
	c, _ := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	entered, release := make(chan struct{}), make(chan struct{})
	e.rec.hook = func() {
		close(entered)
		<-release
	}
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/checkout/"+c.ID+"/pay",
			strings.NewReader(cardValues(CardSuccess).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := e.client.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	select {
	case <-entered:
	case <-ctx.Done():
		t.Fatal("the first payment never reached Deliver")
	}
	e.rec.mu.Lock()
	e.rec.hook = nil
	e.rec.mu.Unlock()
	status, _, body := e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardSuccess))
	expireErr := e.p.ExpireCheckout(context.Background(), c.ProviderID)
	close(release)
	wantCode(t, expireErr, billd.ECONFLICT)
	if status != http.StatusConflict || !strings.Contains(statusOfPage(t, body), "under way") {
		t.Errorf("second pay during the first: %d\n%s", status, body)
	}
	select {
	case s := <-done:
		if s != http.StatusSeeOther {
			t.Errorf("first pay: %d", s)
		}
	case <-ctx.Done():
		t.Fatal("the first payment never finished")
	}
	if n := len(e.rec.all()); n != 1 {
		t.Errorf("%d events delivered, want 1", n)
	}
}

func TestCrossSiteFormsAreRefused(t *testing.T) {
	e := newEnv(t)
	c, _ := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	req, _ := http.NewRequest(http.MethodPost, e.server.URL+"/checkout/"+c.ID+"/pay",
		strings.NewReader(cardValues(CardSuccess).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	status, _ := readResponse(t, resp)
	if status != http.StatusForbidden {
		t.Errorf("cross-site pay: %d, want 403", status)
	}
	if n := len(e.rec.all()); n != 0 {
		t.Errorf("%d events delivered for a cross-site form", n)
	}
}

func TestFormBodyIsBounded(t *testing.T) {
	e := newEnv(t)
	c, _ := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	form := cardValues(CardSuccess)
	form.Set("card_name", strings.Repeat("a", maxFormBytes))
	if status, _, _ := e.post(t, "/checkout/"+c.ID+"/pay", form); status != http.StatusRequestEntityTooLarge {
		t.Errorf("pay with a %d-byte form: %d, want 413", len(form.Encode()), status)
	}
	if n := len(e.rec.all()); n != 0 {
		t.Errorf("%d events delivered", n)
	}
}

func TestSetupCheckoutSavesTheCard(t *testing.T) {
	e := newEnv(t)
	c, _ := e.open(t, billd.CheckoutSetup, nil, 0)
	_, body := e.get(t, "/checkout/"+c.ID)
	if !strings.Contains(body, ">Save card</button>") || !strings.Contains(body, `id="amount">0.00 USD<`) {
		t.Errorf("setup page:\n%s", body)
	}
	if status, _, _ := e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardDeclineOffSession)); status != http.StatusSeeOther {
		t.Fatalf("save card: %d", status)
	}
	ev := e.parse(t, e.rec.all()[0])
	if ev.Type != billd.EventCheckoutCompleted || ev.Checkout.PaymentStatus != billd.PaymentNotRequired ||
		ev.Checkout.PaymentMethod == nil || ev.Checkout.PaymentMethod.CardLast4 != "0341" {
		t.Errorf("setup delivered %+v %+v", ev, ev.Checkout)
	}
}

func TestOnlySubscriptionsHaveTrials(t *testing.T) {
	e := newEnv(t)
	c, _ := e.open(t, billd.CheckoutProduct, oneProduct, 7)
	if _, body := e.get(t, "/checkout/"+c.ID); strings.Contains(body, "trial") {
		t.Errorf("a product page offers a trial:\n%s", body)
	}
	e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardSuccess))
	if got := e.parse(t, e.rec.all()[0]).Checkout; got.PaymentStatus != billd.PaymentPaid || !got.TrialEndsAt.IsZero() {
		t.Errorf("a product checkout with trial days: %+v", got)
	}
}

func TestSubscriptionCheckoutStartsATrial(t *testing.T) {
	e := newEnv(t)
	lines := []billd.CheckoutLine{{Name: "Pro", UnitAmount: 2000, Quantity: 1, Interval: "month"}}
	c, _ := e.open(t, billd.CheckoutSubscription, lines, 14)
	_, body := e.get(t, "/checkout/"+c.ID)
	if !strings.Contains(body, "Subscribe to Pro") || !strings.Contains(body, "20.00 USD / month") ||
		!strings.Contains(body, "14-day free trial") {
		t.Errorf("subscription page:\n%s", body)
	}
	if status, _, _ := e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardSuccess)); status != http.StatusSeeOther {
		t.Fatalf("subscribe: %d", status)
	}
	got := e.parse(t, e.rec.all()[0]).Checkout
	trialEnd := testStart.AddDate(0, 0, 14)
	if !strings.HasPrefix(got.SubscriptionID, "sub_sbx_") || got.PaymentStatus != billd.PaymentNotRequired ||
		!got.TrialEndsAt.Equal(trialEnd) || !got.CurrentPeriod.Start.Equal(testStart) || !got.CurrentPeriod.End.Equal(trialEnd) {
		t.Errorf("subscription checkout %+v", got)
	}
	sub, err := e.p.CancelSubscription(context.Background(), got.SubscriptionID, true)
	if err != nil || sub.State != billd.SubscriptionTrialing || !sub.CancelAtPeriodEnd {
		t.Errorf("the checkout's subscription: %+v, %v", sub, err)
	}
}

func TestPageOfAForgottenSessionStillWorks(t *testing.T) {
	e := newEnv(t)
	c := &billd.Checkout{ID: "chk-old", Kind: billd.CheckoutProduct, Provider: Name, ProviderID: "cs_sbx_old",
		Currency: "eur", State: billd.CheckoutOpen, PaymentStatus: billd.PaymentUnpaid, ExpireAt: testStart.Add(time.Hour)}
	e.app.put(c, oneProduct)
	status, body := e.get(t, "/checkout/chk-old")
	if status != http.StatusOK || !strings.Contains(body, "25.00 EUR") {
		t.Fatalf("page of a checkout the sandbox forgot: %d\n%s", status, body)
	}
	status, location, _ := e.post(t, "/checkout/chk-old/pay", cardValues(CardSuccess))
	if status != http.StatusSeeOther || location != e.server.URL+"/checkout/chk-old" {
		t.Fatalf("pay: %d to %q, want 303 to the page (no success URL)", status, location)
	}
	if ev := e.parse(t, e.rec.all()[0]); ev.Checkout.ID != "cs_sbx_old" || ev.Checkout.CheckoutID != "chk-old" {
		t.Errorf("event of a forgotten session: %+v", ev.Checkout)
	}
}

func TestPageRefusesWhatBilldClosed(t *testing.T) {
	e := newEnv(t)
	c, pc := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	if err := e.p.ExpireCheckout(context.Background(), pc.ID); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardSuccess)); status != http.StatusConflict {
		t.Errorf("pay of an expired session: %d, want 409", status)
	}
	c2, _ := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	c2.State = billd.CheckoutExpired
	e.app.put(c2, oneProduct)
	if status, _, _ := e.post(t, "/checkout/"+c2.ID+"/pay", cardValues(CardSuccess)); status != http.StatusConflict {
		t.Errorf("pay of a checkout billd expired: %d, want 409", status)
	}
	c3, _ := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	e.clock.Set(c3.ExpireAt)
	if status, _, _ := e.post(t, "/checkout/"+c3.ID+"/pay", cardValues(CardSuccess)); status != http.StatusConflict {
		t.Errorf("pay of a checkout past its time: %d, want 409", status)
	}
	if n := len(e.rec.all()); n != 0 {
		t.Errorf("%d events delivered", n)
	}
}

func TestUnknownPages(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/checkout/nope", "/checkout/portal/nope"} {
		if status, _ := e.get(t, path); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
	}
	if status, _, _ := e.post(t, "/checkout/nope/pay", cardValues(CardSuccess)); status != http.StatusNotFound {
		t.Errorf("pay of an unknown checkout: %d, want 404", status)
	}
	stripeCheckout := &billd.Checkout{ID: "chk-stripe", Provider: "stripe", Kind: billd.CheckoutProduct, State: billd.CheckoutOpen}
	e.app.put(stripeCheckout, oneProduct)
	if status, _ := e.get(t, "/checkout/chk-stripe"); status != http.StatusNotFound {
		t.Errorf("page of another provider's checkout: %d, want 404", status)
	}
}

func TestPortalListsSavedCards(t *testing.T) {
	e := newEnv(t)
	c, _ := e.open(t, billd.CheckoutProduct, oneProduct, 0)
	e.post(t, "/checkout/"+c.ID+"/pay", cardValues(CardSuccess))
	customerID := e.parse(t, e.rec.all()[0]).CustomerID
	u, err := e.p.PortalURL(context.Background(), customerID, "https://shop.example/account")
	if err != nil || !strings.HasPrefix(u, e.server.URL+"/checkout/portal/"+customerID) {
		t.Fatalf("PortalURL: %q, %v", u, err)
	}
	status, body := e.get(t, strings.TrimPrefix(u, e.server.URL))
	if status != http.StatusOK || !strings.Contains(body, "visa ending in 4242") || !strings.Contains(body, "12/2030") ||
		!strings.Contains(body, `href="https://shop.example/account"`) {
		t.Errorf("portal: %d\n%s", status, body)
	}
	_, body = e.get(t, "/checkout/portal/"+customerID+"?return_url=javascript:alert(1)")
	if strings.Contains(body, "javascript") {
		t.Errorf("portal links to a javascript: URL\n%s", body)
	}
}
