package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/billd/billd"
)

// The JSON of a sandbox event:
//
//	{"id": "evt_sbx_…", "type": "checkout.completed", "created": 1735689600, "data": {…}}
//
// data is a checkout for the checkout.* types, a subscription for subscription.updated and an
// invoice for invoice.paid, with snake_case fields; times are Unix seconds (0 or absent = none).
type eventJSON struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Created int64           `json:"created"`
	Data    json.RawMessage `json:"data"`
}

// maxEventBytes bounds the payload ParseEvent decodes.
const maxEventBytes = 1 << 20

// errNotEvent is the error of a verified payload that is not a sandbox event.
func errNotEvent(why string) error {
	return &billd.Error{Code: billd.EINVALID, Message: "sandbox: webhook payload is not an event",
		Op: "sandbox: ParseEvent", Err: errors.New(why)}
}

// ParseEvent verifies a webhook delivery (its payload and the Billd-Sandbox-Signature header) and
// returns its event. It returns EINVALID "sandbox: webhook signature does not verify" if the header
// is missing or garbled, was signed more than SignatureTolerance from now or with another secret,
// or the payload was changed; and EINVALID if the payload is not an event. An event type billd
// does not act on has Type billd.EventIgnored.
func (p *Provider) ParseEvent(payload []byte, header map[string][]string) (*billd.ProviderEvent, error) {
	if len(payload) > maxEventBytes {
		return nil, errNotEvent("payload too large")
	}
	if err := verify(p.secret, payload, header, p.now()); err != nil {
		return nil, err
	}
	var e eventJSON
	if err := json.Unmarshal(payload, &e); err != nil {
		return nil, errNotEvent(err.Error())
	}
	if e.ID == "" || e.Type == "" {
		return nil, errNotEvent("no id or type")
	}
	out := &billd.ProviderEvent{ID: e.ID, Kind: e.Type, Type: billd.EventType(e.Type)}
	var err error
	switch out.Type {
	case billd.EventCheckoutCompleted, billd.EventCheckoutFailed, billd.EventCheckoutExpired:
		out.Checkout, out.CustomerID, err = decodeCheckout(e.Data)
	case billd.EventSubscriptionUpdated:
		out.Subscription, out.CustomerID, err = decodeSubscription(e.Data)
	case billd.EventInvoicePaid:
		out.Invoice, out.CustomerID, err = decodeInvoice(e.Data)
	default:
		out.Type = billd.EventIgnored
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// EncodeEvent returns the payload and signed headers of an event as the sandbox delivers it,
// signed now: the way to replay or forge a sandbox event in tests. An empty e.ID gets a new
// "evt_sbx_…" id. It returns EINVALID if e's type has no payload in the sandbox (checkout.*,
// subscription.updated and invoice.paid have) or lacks its object.
func (p *Provider) EncodeEvent(e billd.ProviderEvent) (payload []byte, header map[string][]string, err error) {
	var data any
	switch e.Type {
	case billd.EventCheckoutCompleted, billd.EventCheckoutFailed, billd.EventCheckoutExpired:
		if e.Checkout != nil {
			data = encodeCheckout(e.Checkout, e.CustomerID)
		}
	case billd.EventSubscriptionUpdated:
		if e.Subscription != nil {
			data = encodeSubscription(e.Subscription, e.CustomerID)
		}
	case billd.EventInvoicePaid:
		if e.Invoice != nil {
			data = encodeInvoice(e.Invoice, e.CustomerID)
		}
	}
	if data == nil {
		return nil, nil, billd.Errorf(billd.EINVALID, "sandbox: no payload for an event of type %q without its object", e.Type)
	}
	if e.ID == "" {
		e.ID = p.id("evt")
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, nil, err
	}
	now := p.clock()
	payload, err = json.Marshal(eventJSON{ID: e.ID, Type: string(e.Type), Created: now.Unix(), Data: raw})
	if err != nil {
		return nil, nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set(SignatureHeader, Sign(p.secret, payload, now))
	return payload, h, nil
}

// decodeData decodes an event's data into v.
func decodeData(data json.RawMessage, v any) error {
	if len(data) == 0 || string(data) == "null" {
		return errNotEvent("no data")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errNotEvent("data: " + err.Error())
	}
	return nil
}
