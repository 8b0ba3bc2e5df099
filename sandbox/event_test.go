package sandbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/billd/billd"
)

// signedEvent returns a checkout.completed event signed by e's provider now.
func signedEvent(t *testing.T, e *env) ([]byte, map[string][]string) {
	t.Helper()
	payload, header, err := e.p.EncodeEvent(billd.ProviderEvent{Type: billd.EventCheckoutCompleted, CustomerID: "cus_sbx_1",
		Checkout: &billd.ProviderCheckout{ID: "cs_sbx_1", CheckoutID: "chk-1", State: billd.CheckoutComplete, PaymentStatus: billd.PaymentPaid}})
	if err != nil {
		t.Fatal(err)
	}
	return payload, header
}

func TestSignIsStripesScheme(t *testing.T) {
	payload := []byte(`{"id":"evt_1"}`)
	h := hmac.New(sha256.New, testSecret)
	h.Write([]byte("1736935200." + string(payload)))
	want := "t=1736935200,v1=" + hex.EncodeToString(h.Sum(nil))
	if got := Sign(testSecret, payload, testStart); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestParseEventRejectsWhatDoesNotVerify(t *testing.T) {
	e := newEnv(t)
	payload, header := signedEvent(t, e)
	if _, err := e.p.ParseEvent(payload, header); err != nil {
		t.Fatalf("a correctly signed event: %v", err)
	}
	sig := header[SignatureHeader][0]
	tampered := bytes.Replace(payload, []byte(`"paid"`), []byte(`"upaid"`), 1)
	if bytes.Equal(tampered, payload) {
		t.Fatal("the test did not tamper with the payload")
	}
	at := func(d time.Duration) map[string][]string {
		return map[string][]string{SignatureHeader: {Sign(testSecret, payload, testStart.Add(d))}}
	}
	for _, tc := range []struct {
		name    string
		payload []byte
		header  map[string][]string
	}{
		{"wrong secret", payload, map[string][]string{SignatureHeader: {Sign([]byte("another-secret-of-16+"), payload, testStart)}}},
		{"tampered payload", tampered, header},
		{"old timestamp", payload, at(-SignatureTolerance - time.Second)},
		{"future timestamp", payload, at(SignatureTolerance + time.Second)},
		{"missing header", payload, map[string][]string{}},
		{"nil header", payload, nil},
		{"empty header", payload, map[string][]string{SignatureHeader: {""}}},
		{"two headers", payload, map[string][]string{SignatureHeader: {sig, sig}}},
		{"no timestamp", payload, map[string][]string{SignatureHeader: {sig[strings.Index(sig, ",")+1:]}}},
		{"no v1", payload, map[string][]string{SignatureHeader: {sig[:strings.Index(sig, ",")]}}},
		{"garbled v1", payload, map[string][]string{SignatureHeader: {sig[:len(sig)-1] + "z"}}},
		{"garbled t", payload, map[string][]string{SignatureHeader: {"t=soon" + sig[strings.Index(sig, ","):]}}},
		{"v0 only", payload, map[string][]string{SignatureHeader: {strings.Replace(sig, "v1=", "v0=", 1)}}},
	} {
		_, err := e.p.ParseEvent(tc.payload, tc.header)
		if billd.ErrorCode(err) != billd.EINVALID || billd.ErrorMessage(err) != "sandbox: webhook signature does not verify" {
			t.Errorf("%s: %v, want EINVALID \"sandbox: webhook signature does not verify\"", tc.name, err)
		}
	}
	if _, err := e.p.ParseEvent(payload, at(SignatureTolerance-time.Second)); err != nil {
		t.Errorf("signed within the tolerance: %v", err)
	}
}

func TestParseEventAcceptsAnyHeaderSpellingAndRolledSecrets(t *testing.T) {
	e := newEnv(t)
	payload, header := signedEvent(t, e)
	sig := header[SignatureHeader][0]
	for name, h := range map[string]map[string][]string{
		"lower case":  {strings.ToLower(SignatureHeader): {sig}},
		"http.Header": http.Header{"Billd-Sandbox-Signature": {sig}},
		"rolled":      {SignatureHeader: {sig + ",v1=" + strings.Repeat("ab", 32)}},
		"rolled too":  {SignatureHeader: {"t=" + sig[2:12] + ",v1=" + strings.Repeat("ab", 32) + sig[12:]}},
	} {
		if _, err := e.p.ParseEvent(payload, h); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParseEventRefusesSignedPayloadsThatAreNotEvents(t *testing.T) {
	e := newEnv(t)
	for _, payload := range []string{
		`not json`,
		`{"type":"checkout.completed","data":{"id":"cs_sbx_1","checkout_id":"chk-1"}}`,
		`{"id":"evt_1","data":{}}`,
		`{"id":"evt_1","type":"checkout.completed"}`,
		`{"id":"evt_1","type":"checkout.completed","data":{"checkout_id":"chk-1"}}`,
		`{"id":"evt_1","type":"checkout.completed","data":{"id":"cs_sbx_1","checkout_id":"chk-1","state":7}}`,
		`{"id":"evt_1","type":"subscription.updated","data":{"state":"active"}}`,
		`{"id":"evt_1","type":"invoice.paid","data":null}`,
	} {
		header := map[string][]string{SignatureHeader: {Sign(testSecret, []byte(payload), testStart)}}
		_, err := e.p.ParseEvent([]byte(payload), header)
		if billd.ErrorCode(err) != billd.EINVALID || billd.ErrorMessage(err) != "sandbox: webhook payload is not an event" {
			t.Errorf("%s: %v, want EINVALID", payload, err)
		}
	}
}

func TestParseEventIgnoresOtherTypes(t *testing.T) {
	e := newEnv(t)
	payload := []byte(`{"id":"evt_1","type":"customer.created","created":1,"data":{"id":"cus_sbx_1"}}`)
	ev, err := e.p.ParseEvent(payload, map[string][]string{SignatureHeader: {Sign(testSecret, payload, testStart)}})
	if err != nil || ev.Type != billd.EventIgnored || ev.Kind != "customer.created" || ev.ID != "evt_1" {
		t.Errorf("unknown type: %+v, %v", ev, err)
	}
}

func TestEncodeEventRoundTrips(t *testing.T) {
	e := newEnv(t)
	start, end := testStart, testStart.AddDate(0, 1, 0)
	for _, ev := range []billd.ProviderEvent{
		{ID: "evt_a", Type: billd.EventCheckoutCompleted, Kind: "checkout.completed", CustomerID: "cus_sbx_1",
			Checkout: &billd.ProviderCheckout{ID: "cs_sbx_1", CheckoutID: "chk-1", URL: "http://x/checkout/chk-1",
				State: billd.CheckoutComplete, PaymentStatus: billd.PaymentPaid, SubscriptionID: "sub_sbx_1",
				PaymentMethod: &billd.PaymentMethod{Provider: Name, ProviderID: "pm_sbx_42421230_1", Type: "card",
					CardBrand: "visa", CardLast4: "4242", ExpiryMonth: 12, ExpiryYear: 2030, Default: true, CreatedAt: start},
				CurrentPeriod: billd.Period{Start: start, End: end}, TrialEndsAt: end}},
		{ID: "evt_b", Type: billd.EventCheckoutFailed, Kind: "checkout.failed",
			Checkout: &billd.ProviderCheckout{ID: "cs_sbx_1", CheckoutID: "chk-1", State: billd.CheckoutOpen,
				PaymentStatus: billd.PaymentUnpaid, PaymentError: ReasonDeclined}},
		{ID: "evt_c", Type: billd.EventSubscriptionUpdated, Kind: "subscription.updated", CustomerID: "cus_sbx_1",
			Subscription: &billd.ProviderSubscription{ID: "sub_sbx_1", SubscriptionID: "sub-1", State: billd.SubscriptionCanceled,
				CurrentPeriod: billd.Period{Start: start, End: end}, CancelAtPeriodEnd: true, CanceledAt: start, EndedAt: end}},
		{ID: "evt_d", Type: billd.EventInvoicePaid, Kind: "invoice.paid", CustomerID: "cus_sbx_1",
			Invoice: &billd.ProviderInvoice{ID: "in_sbx_1", InvoiceID: "inv-1", State: "paid", Amount: 999,
				Currency: "usd", DueAt: end, PaidAt: start}},
	} {
		payload, header, err := e.p.EncodeEvent(ev)
		if err != nil {
			t.Fatalf("%s: %v", ev.Type, err)
		}
		got, err := e.p.ParseEvent(payload, header)
		if err != nil {
			t.Fatalf("%s: %v", ev.Type, err)
		}
		if !reflect.DeepEqual(*got, ev) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v\n%s", ev.Type, *got, ev, payload)
		}
	}
	if _, _, err := e.p.EncodeEvent(billd.ProviderEvent{Type: billd.EventInvoicePaid}); billd.ErrorCode(err) != billd.EINVALID {
		t.Errorf("an invoice event without invoice: %v", err)
	}
	payload, _, err := e.p.EncodeEvent(billd.ProviderEvent{Type: billd.EventCheckoutExpired, Checkout: &billd.ProviderCheckout{ID: "cs", CheckoutID: "c"}})
	if err != nil || !bytes.Contains(payload, []byte(`"id":"evt_sbx_`)) {
		t.Errorf("an event without id gets none: %s, %v", payload, err)
	}
}

func TestEventPayloadIsSnakeCase(t *testing.T) {
	e := newEnv(t)
	payload, _, err := e.p.EncodeEvent(billd.ProviderEvent{ID: "evt_1", Type: billd.EventCheckoutCompleted, CustomerID: "cus_sbx_1",
		Checkout: &billd.ProviderCheckout{ID: "cs_sbx_1", CheckoutID: "chk-1", State: billd.CheckoutComplete,
			PaymentStatus: billd.PaymentPaid, PaymentMethod: &billd.PaymentMethod{ProviderID: "pm", Type: "card", CardLast4: "4242"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"evt_1","type":"checkout.completed","created":` + "1736935200" + `,"data":{"id":"cs_sbx_1","checkout_id":"chk-1",` +
		`"customer":"cus_sbx_1","state":"complete","payment_status":"paid","payment_method":{"id":"pm","type":"card",` +
		`"brand":"","last4":"4242","exp_month":0,"exp_year":0,"default":false}}}`
	if string(payload) != want {
		t.Errorf("payload\n got %s\nwant %s", payload, want)
	}
}
