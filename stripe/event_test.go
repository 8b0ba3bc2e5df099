package stripe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/billd/billd"
	"github.com/stripe/stripe-go/v85/webhook"
)

// The webhook tests need no stripe-mock: they sign payloads as Stripe does.

// eventProvider is a Provider that only parses events: the current and the rolled-in secret.
func eventProvider(t *testing.T) *Provider {
	t.Helper()
	p, err := New(Config{Key: "sk_test_123", WebhookSecrets: []string{testSecret1, testSecret2}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// eventPayload is a Stripe event of type typ around object, of an old API version (billd
// tolerates the version mismatch).
func eventPayload(id, typ, object string) []byte {
	return fmt.Appendf(nil, `{"id":%q,"object":"event","api_version":"2020-08-27","created":1893456000,
		"livemode":false,"pending_webhooks":1,"type":%q,"data":{"object":%s}}`, id, typ, object)
}

// signed returns the Stripe-Signature header of payload signed with secret at time at.
func signed(payload []byte, secret string, at time.Time) map[string][]string {
	s := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at})
	return map[string][]string{"Stripe-Signature": {s.Header}}
}

const sessionObject = `{"id":"cs_test_1","object":"checkout.session","client_reference_id":"chk_1",
	"customer":"cus_1","mode":"subscription","status":"complete","payment_status":"paid",
	"payment_intent":null,"subscription":"sub_1","metadata":{"checkout_id":"chk_1"},"url":null}`

func TestParseCheckoutCompleted(t *testing.T) {
	p := eventProvider(t)
	payload := eventPayload("evt_1", "checkout.session.completed", sessionObject)
	ev, err := p.ParseEvent(payload, signed(payload, testSecret1, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	want := billd.ProviderCheckout{ID: "cs_test_1", CheckoutID: "chk_1", State: billd.CheckoutComplete,
		PaymentStatus: billd.PaymentPaid, SubscriptionID: "sub_1"}
	if ev.ID != "evt_1" || ev.Type != billd.EventCheckoutCompleted || ev.Kind != "checkout.session.completed" ||
		ev.CustomerID != "cus_1" || ev.Checkout == nil || *ev.Checkout != want {
		t.Errorf("event = %+v, checkout %+v", ev, ev.Checkout)
	}
}

// During a rotation Stripe signs with both secrets; billd may know either. The header may also
// arrive under a lower-case name.
func TestParseEventRotatedSecret(t *testing.T) {
	p := eventProvider(t)
	payload := eventPayload("evt_2", "checkout.session.async_payment_succeeded",
		`{"id":"cs_2","object":"checkout.session","client_reference_id":null,"metadata":{"checkout_id":"chk_2"},"status":"complete","payment_status":"paid"}`)
	header := signed(payload, testSecret2, time.Now())
	header = map[string][]string{"stripe-signature": header["Stripe-Signature"]}
	ev, err := p.ParseEvent(payload, header)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Type != billd.EventCheckoutCompleted || ev.Checkout.CheckoutID != "chk_2" {
		t.Errorf("event = %+v, checkout %+v", ev, ev.Checkout)
	}
}

func TestParseEventRefusesBadSignatures(t *testing.T) {
	p := eventProvider(t)
	payload := eventPayload("evt_3", "invoice.paid", `{"id":"in_1","object":"invoice"}`)
	now := time.Now()
	tampered := append([]byte(nil), payload...)
	tampered[len(tampered)-3] = ' '
	for name, header := range map[string]map[string][]string{
		"wrong secret":      signed(payload, "whsec_other", now),
		"unsigned":          {},
		"empty header":      {"Stripe-Signature": {""}},
		"malformed header":  {"Stripe-Signature": {"t=abc,v1"}},
		"expired timestamp": signed(payload, testSecret1, now.Add(-10*time.Minute)),
		"other payload":     signed(tampered, testSecret1, now),
		"by hand, wrong":    {"Stripe-Signature": {handSigned(payload, "whsec_other", now)}},
	} {
		ev, err := p.ParseEvent(payload, header)
		var be *billd.Error
		if ev != nil || !errors.As(err, &be) || be.Code != billd.EINVALID || be.Message != "stripe: webhook signature does not verify" {
			t.Errorf("%s: ParseEvent = %+v, %v; want EINVALID, signature does not verify", name, ev, err)
		}
	}
	if _, err := p.ParseEvent(payload, map[string][]string{"Stripe-Signature": {handSigned(payload, testSecret1, now)}}); err != nil {
		t.Errorf("signed by hand with the first secret: %v", err)
	}
}

// handSigned is a Stripe-Signature header computed as Stripe documents it: v1 is the hex
// HMAC-SHA256 of "timestamp.payload" with the secret.
func handSigned(payload []byte, secret string, at time.Time) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.%s", at.Unix(), payload)
	return fmt.Sprintf("t=%d,v1=%s", at.Unix(), hex.EncodeToString(mac.Sum(nil)))
}

func TestParseEventWithoutSecrets(t *testing.T) {
	p, err := New(Config{Key: "sk_test_123"})
	if err != nil {
		t.Fatal(err)
	}
	payload := eventPayload("evt_4", "invoice.paid", `{"id":"in_1","object":"invoice"}`)
	if _, err := p.ParseEvent(payload, signed(payload, testSecret1, time.Now())); billd.ErrorCode(err) != billd.EINVALID {
		t.Errorf("ParseEvent = %v, want EINVALID", err)
	}
}

func TestParseEventNotAnEvent(t *testing.T) {
	p := eventProvider(t)
	for _, payload := range [][]byte{
		[]byte(`{"id":"cus_1","object":"customer"}`),
		[]byte(`not json`),
		eventPayload("evt_5", "invoice.paid", `"in_1"`),
	} {
		if ev, err := p.ParseEvent(payload, signed(payload, testSecret1, time.Now())); billd.ErrorCode(err) != billd.EINVALID {
			t.Errorf("ParseEvent(%s) = %+v, %v; want EINVALID", payload, ev, err)
		}
	}
}

func TestParseEventKinds(t *testing.T) {
	p := eventProvider(t)
	subscription := `{"id":"sub_1","object":"subscription","customer":"cus_1","status":"active",
		"metadata":{"subscription_id":"sub_billd_1"},"cancel_at_period_end":true,
		"items":{"object":"list","data":[{"id":"si_1","object":"subscription_item","current_period_start":1893456000,"current_period_end":1896134400}]}}`
	invoice := `{"id":"in_1","object":"invoice","customer":"cus_1","status":"paid","amount_due":4200,"currency":"usd",
		"metadata":{"invoice_id":"inv_1"},"status_transitions":{"paid_at":1893456000},"hosted_invoice_url":"https://invoice.test/1"}`
	tests := []struct {
		kind  string
		obj   string
		want  billd.EventType
		check func(*billd.ProviderEvent) bool
	}{
		{"checkout.session.async_payment_failed", sessionObject, billd.EventCheckoutFailed,
			func(e *billd.ProviderEvent) bool {
				return e.Checkout.CheckoutID == "chk_1" && e.Checkout.PaymentError != ""
			}},
		{"checkout.session.expired", sessionObject, billd.EventCheckoutExpired,
			func(e *billd.ProviderEvent) bool { return e.Checkout.ID == "cs_test_1" }},
		{"customer.subscription.created", subscription, billd.EventSubscriptionUpdated, subscriptionMapped},
		{"customer.subscription.updated", subscription, billd.EventSubscriptionUpdated, subscriptionMapped},
		{"customer.subscription.deleted", subscription, billd.EventSubscriptionUpdated, subscriptionMapped},
		{"invoice.paid", invoice, billd.EventInvoicePaid, func(e *billd.ProviderEvent) bool {
			return *e.Invoice == billd.ProviderInvoice{ID: "in_1", InvoiceID: "inv_1", State: "paid", URL: "https://invoice.test/1",
				Amount: 4200, Currency: "usd", PaidAt: time.Unix(1893456000, 0).UTC()} && e.CustomerID == "cus_1"
		}},
		{"payment_method.attached", `{"id":"pm_1","object":"payment_method","type":"card","customer":"cus_1"}`,
			billd.EventPaymentMethodSaved, func(e *billd.ProviderEvent) bool { return e.CustomerID == "cus_1" }},
		{"invoice.payment_failed", invoice, billd.EventIgnored,
			func(e *billd.ProviderEvent) bool {
				return e.Invoice == nil && e.Checkout == nil && e.Subscription == nil
			}},
		{"charge.refunded", `{"id":"ch_1","object":"charge"}`, billd.EventIgnored,
			func(e *billd.ProviderEvent) bool {
				return e.Invoice == nil && e.Checkout == nil && e.Subscription == nil
			}},
	}
	for _, tt := range tests {
		payload := eventPayload("evt_"+tt.kind, tt.kind, tt.obj)
		ev, err := p.ParseEvent(payload, signed(payload, testSecret1, time.Now()))
		if err != nil {
			t.Errorf("%s: %v", tt.kind, err)
			continue
		}
		if ev.ID != "evt_"+tt.kind || ev.Kind != tt.kind || ev.Type != tt.want || !tt.check(ev) {
			t.Errorf("%s: event %+v (checkout %+v, subscription %+v, invoice %+v)", tt.kind, ev, ev.Checkout, ev.Subscription, ev.Invoice)
		}
	}
}

func subscriptionMapped(e *billd.ProviderEvent) bool {
	s := e.Subscription
	return e.CustomerID == "cus_1" && s != nil && s.ID == "sub_1" && s.SubscriptionID == "sub_billd_1" &&
		s.State == billd.SubscriptionActive && s.CancelAtPeriodEnd &&
		s.CurrentPeriod == billd.Period{Start: time.Unix(1893456000, 0).UTC(), End: time.Unix(1896134400, 0).UTC()}
}
