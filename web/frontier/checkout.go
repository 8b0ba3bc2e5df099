package frontier

import (
	"context"

	"connectrpc.com/connect"
	"github.com/billd/billd"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
)

// Checkouts: the payment provider's hosted page where a customer buys credits, subscribes to a
// plan or saves a card; delegated checkouts, which platform admins apply without payment; and the
// provider's webhook, which reports what happened on the page.

// CreateCheckout opens a checkout and returns it with the URL where the customer pays. Without
// billing_id (current clients) the organization's active account pays.
func (s *Server) CreateCheckout(ctx context.Context, req *connect.Request[fv1.CreateCheckoutRequest]) (*connect.Response[fv1.CreateCheckoutResponse], error) {
	m, p := req.Msg, principal(ctx)
	r := billd.CheckoutRequest{OrgID: m.GetOrgId(), BillingID: m.GetBillingId(), SuccessURL: m.GetSuccessUrl(), CancelURL: m.GetCancelUrl(),
		Product: productPurchase(m.GetProductBody()), Subscription: planPurchase(m.GetSubscriptionBody())}
	if b := m.GetSetupBody(); b != nil {
		r.Setup = &billd.SetupRequest{PaymentMethod: b.GetPaymentMethod(), CustomerPortal: b.GetCustomerPortal()}
	}
	c, err := s.svc.CreateCheckout(ctx, p, r)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.CreateCheckoutResponse{CheckoutSession: checkoutSession(c)}), nil
}

// ListCheckouts lists an account's checkouts, newest first: the account billing_id names, or the
// organization's active account.
func (s *Server) ListCheckouts(ctx context.Context, req *connect.Request[fv1.ListCheckoutsRequest]) (*connect.Response[fv1.ListCheckoutsResponse], error) {
	m, p := req.Msg, principal(ctx)
	page, err := pageRequest(m.GetPageSize(), m.GetPageToken())
	if err != nil {
		return nil, err
	}
	checkouts, err := s.svc.ListCheckouts(ctx, p, m.GetOrgId(), m.GetBillingId(), page)
	if err != nil {
		return nil, err
	}
	items, next := fit(s, checkouts, checkoutSession)
	return connect.NewResponse(&fv1.ListCheckoutsResponse{CheckoutSessions: items, NextPageToken: next}), nil
}

// GetCheckout serves seed 004: one checkout, brought up to date with its provider while it is
// open. org_id and billing_id, when given, must be the checkout's.
func (s *Server) GetCheckout(ctx context.Context, req *connect.Request[fv1.GetCheckoutRequest]) (*connect.Response[fv1.GetCheckoutResponse], error) {
	m := req.Msg
	c, err := s.svc.GetCheckout(ctx, principal(ctx), m.GetOrgId(), m.GetBillingId(), m.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.GetCheckoutResponse{CheckoutSession: checkoutSession(c)}), nil
}

// DelegatedCheckout applies a plan or a credits product without payment. Platform admins only.
// The same request with the same key (idempotency_key, else the Idempotency-Key header, else
// none) is applied once; a replay answers as the first call did.
func (s *Server) DelegatedCheckout(ctx context.Context, req *connect.Request[fv1.DelegatedCheckoutRequest]) (*connect.Response[fv1.DelegatedCheckoutResponse], error) {
	m, p := req.Msg, principal(ctx)
	key, err := idempotencyKey(m.GetIdempotencyKey(), req.Header().Get(IdempotencyKeyHeader))
	if err != nil {
		return nil, err
	}
	r := billd.DelegatedCheckoutRequest{OrgID: m.GetOrgId(), BillingID: m.GetBillingId(), IdempotencyKey: key,
		Product: productPurchase(m.GetProductBody()), Subscription: planPurchase(m.GetSubscriptionBody())}
	res, err := s.svc.DelegatedCheckout(ctx, p, r)
	if err != nil {
		return nil, err
	}
	out := &fv1.DelegatedCheckoutResponse{}
	if res.Subscription != nil {
		out.Subscription = subscription(res.Subscription)
	}
	if res.Product != nil {
		out.Product = product(res.Catalog, res.Product)
	}
	return connect.NewResponse(out), nil
}

// BillingWebhookCallback takes a provider's webhook delivery: the body as sent and, to verify its
// signature, the request's headers. It answers once the event is recorded, or known already.
func (s *Server) BillingWebhookCallback(ctx context.Context, req *connect.Request[fv1.BillingWebhookCallbackRequest]) (*connect.Response[fv1.BillingWebhookCallbackResponse], error) {
	if err := s.svc.ReceiveEvent(ctx, req.Msg.GetProvider(), req.Msg.GetBody(), req.Header()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&fv1.BillingWebhookCallbackResponse{}), nil
}

// idempotencyKey is the request's key: the field, else the header. Both given must agree.
func idempotencyKey(field, header string) (string, error) {
	if field != "" && header != "" && field != header {
		return "", billd.Errorf(billd.EINVALID, "idempotency_key and the %s header differ", IdempotencyKeyHeader)
	}
	return firstNonEmpty(field, header), nil
}

// firstNonEmpty returns the first non-empty string.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// productPurchase reads a product body; nil when there is none.
func productPurchase(b *fv1.CheckoutProductBody) *billd.ProductPurchase {
	if b == nil {
		return nil
	}
	return &billd.ProductPurchase{Product: b.GetProduct(), Quantity: b.GetQuantity()}
}

// planPurchase reads a subscription body; nil when there is none.
func planPurchase(b *fv1.CheckoutSubscriptionBody) *billd.PlanPurchase {
	if b == nil {
		return nil
	}
	return &billd.PlanPurchase{Plan: b.GetPlan(), SkipTrial: b.GetSkipTrial(), CancelAfterTrial: b.GetCancelAfterTrial(),
		Coupon: b.GetProviderCouponId()}
}
