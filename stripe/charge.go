package stripe

import (
	"context"

	"github.com/billd/billd"
	stripego "github.com/stripe/stripe-go/v85"
)

// Charge takes r.Amount off-session: a PaymentIntent of the customer confirmed at once
// (confirm=true, off_session=true) with r.MethodID or, when it is empty, the customer's default
// method; r.IdempotencyKey is the request's Idempotency-Key, so a retry takes the money once.
// Methods that would redirect the customer are not used. A declined card, or one that needs the
// customer to authenticate, is a ChargeResult with Paid false and Stripe's reason (with its error
// and decline codes), not an error;
// a customer without a default method is EPRECONDITION.
func (p *Provider) Charge(ctx context.Context, r billd.ChargeRequest) (*billd.ChargeResult, error) {
	method := r.MethodID
	if method == "" {
		var err error
		if method, err = p.defaultMethod(ctx, r.CustomerID); err != nil {
			return nil, apiError("charge", err)
		}
		if method == "" {
			return nil, &billd.Error{Code: billd.EPRECONDITION, Op: "stripe: charge", Message: "the customer has no default payment method"}
		}
	}
	params := &stripego.PaymentIntentCreateParams{
		Amount:        stripego.Int64(r.Amount),
		Currency:      stripego.String(r.Currency),
		Customer:      stripego.String(r.CustomerID),
		PaymentMethod: stripego.String(method),
		Description:   optional(r.Description),
		Confirm:       stripego.Bool(true),
		OffSession:    stripego.Bool(true),
		AutomaticPaymentMethods: &stripego.PaymentIntentCreateAutomaticPaymentMethodsParams{
			Enabled:        stripego.Bool(true),
			AllowRedirects: stripego.String("never"),
		},
	}
	params.IdempotencyKey = optional(r.IdempotencyKey)
	pi, err := p.api.V1PaymentIntents.Create(ctx, params)
	if se := stripeError(err); se != nil && se.Type == stripego.ErrorTypeCard {
		res := &billd.ChargeResult{Reason: declineReason(se), FailureCode: string(se.Code), DeclineCode: string(se.DeclineCode)}
		if se.PaymentIntent != nil {
			res.ID = se.PaymentIntent.ID
		}
		return res, nil
	}
	if err != nil {
		return nil, apiError("charge", err)
	}
	return chargeResult(pi), nil
}

// chargeResult is the outcome of a confirmed PaymentIntent.
func chargeResult(pi *stripego.PaymentIntent) *billd.ChargeResult {
	res := &billd.ChargeResult{ID: pi.ID, Paid: pi.Status == stripego.PaymentIntentStatusSucceeded}
	switch {
	case res.Paid:
	case pi.LastPaymentError != nil && pi.LastPaymentError.Msg != "":
		res.Reason = pi.LastPaymentError.Msg
		res.FailureCode, res.DeclineCode = string(pi.LastPaymentError.Code), string(pi.LastPaymentError.DeclineCode)
	case pi.Status == stripego.PaymentIntentStatusRequiresAction:
		res.Reason = "the customer must authenticate the payment"
	default:
		res.Reason = "the payment is " + string(pi.Status)
	}
	return res
}

// declineReason is why a card was refused: Stripe's message, and its decline code if any.
func declineReason(se *stripego.Error) string {
	reason := se.Msg
	if reason == "" {
		reason = string(se.Code)
	}
	if se.DeclineCode != "" {
		reason += " (" + string(se.DeclineCode) + ")"
	}
	return reason
}
