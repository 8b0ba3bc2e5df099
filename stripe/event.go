package stripe

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/billd/billd"
	stripego "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

// ParseEvent verifies a webhook delivery's Stripe-Signature header (within stripe-go's tolerance
// of 5 minutes, against each configured secret in turn, whatever the event's API version) and
// maps its event:
//   - checkout.session.completed and checkout.session.async_payment_succeeded:
//     EventCheckoutCompleted, with the session (billd's id from client_reference_id or metadata);
//   - checkout.session.async_payment_failed: EventCheckoutFailed;
//   - checkout.session.expired: EventCheckoutExpired;
//   - customer.subscription.created, .updated and .deleted: EventSubscriptionUpdated;
//   - invoice.paid: EventInvoicePaid;
//   - payment_method.attached: EventPaymentMethodSaved, with the customer (list its methods to
//     see the new one);
//   - anything else: EventIgnored.
//
// A completed session may be unpaid still (a payment method that settles later): its
// PaymentStatus says so, and checkout.session.async_payment_succeeded follows when the money
// arrives. Sessions in events are not expanded: Checkout(id) reads the payment method. Kind is
// Stripe's name of the event type. A signature that is missing, malformed, too old or
// made with none of the secrets is EINVALID "stripe: webhook signature does not verify"; a
// verified payload that is not an event is EINVALID too.
func (p *Provider) ParseEvent(payload []byte, header map[string][]string) (*billd.ProviderEvent, error) {
	ev, err := p.verify(payload, signatureHeader(header))
	if err != nil {
		return nil, err
	}
	out := &billd.ProviderEvent{ID: ev.ID, Kind: string(ev.Type)}
	if ev.Data == nil || len(ev.Data.Raw) == 0 {
		return nil, billd.Errorf(billd.EINVALID, "stripe: webhook event %s has no object", ev.ID)
	}
	switch ev.Type {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded":
		err = mapCheckoutEvent(out, ev, billd.EventCheckoutCompleted)
	case "checkout.session.async_payment_failed":
		err = mapCheckoutEvent(out, ev, billd.EventCheckoutFailed)
	case "checkout.session.expired":
		err = mapCheckoutEvent(out, ev, billd.EventCheckoutExpired)
	case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
		var s stripego.Subscription
		if err = json.Unmarshal(ev.Data.Raw, &s); err == nil {
			out.Type, out.Subscription, out.CustomerID = billd.EventSubscriptionUpdated, subscription(&s), customerID(s.Customer)
		}
	case "invoice.paid":
		var inv stripego.Invoice
		if err = json.Unmarshal(ev.Data.Raw, &inv); err == nil {
			out.Type, out.Invoice, out.CustomerID = billd.EventInvoicePaid, invoice(&inv), customerID(inv.Customer)
		}
	case "payment_method.attached":
		var pm stripego.PaymentMethod
		if err = json.Unmarshal(ev.Data.Raw, &pm); err == nil {
			out.Type, out.CustomerID = billd.EventPaymentMethodSaved, customerID(pm.Customer)
		}
	default:
		out.Type = billd.EventIgnored
	}
	if err != nil {
		return nil, &billd.Error{Code: billd.EINVALID, Op: "stripe: webhook event " + ev.ID, Message: "its object is not what " + string(ev.Type) + " carries", Err: err}
	}
	return out, nil
}

// mapCheckoutEvent fills out with the checkout session of a checkout.session.* event.
func mapCheckoutEvent(out *billd.ProviderEvent, ev stripego.Event, t billd.EventType) error {
	var s stripego.CheckoutSession
	if err := json.Unmarshal(ev.Data.Raw, &s); err != nil {
		return err
	}
	out.Type, out.Checkout, out.CustomerID = t, checkout(&s), customerID(s.Customer)
	if t == billd.EventCheckoutFailed && out.Checkout.PaymentError == "" {
		out.Checkout.PaymentError = "the payment failed"
	}
	return nil
}

// badSignature is the message of a delivery whose signature does not verify.
const badSignature = "stripe: webhook signature does not verify"

// verify returns the event of a payload whose signature header verifies with one of the secrets.
func (p *Provider) verify(payload []byte, sig string) (stripego.Event, error) {
	opts := webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true}
	for _, secret := range p.secrets {
		ev, err := webhook.ConstructEventWithOptions(payload, sig, secret, opts)
		switch {
		case err == nil:
			return ev, nil
		case errors.Is(err, webhook.ErrNoValidSignature):
			continue // maybe the next secret
		case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader), errors.Is(err, webhook.ErrTooOld):
			return ev, &billd.Error{Code: billd.EINVALID, Message: badSignature, Err: err}
		default: // signed with this secret, but not an event
			return ev, &billd.Error{Code: billd.EINVALID, Message: "stripe: webhook payload is not an event", Err: err}
		}
	}
	return stripego.Event{}, &billd.Error{Code: billd.EINVALID, Message: badSignature}
}

// signatureHeader is the Stripe-Signature header, whatever the case of its name.
func signatureHeader(header map[string][]string) string {
	if v := http.Header(header).Get("Stripe-Signature"); v != "" {
		return v
	}
	for k, v := range header {
		if strings.EqualFold(k, "Stripe-Signature") && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// customerID is the id of an expandable customer field, "" if it is absent.
func customerID(c *stripego.Customer) string {
	if c == nil {
		return ""
	}
	return c.ID
}
