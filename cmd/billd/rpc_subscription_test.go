package main

import (
	"testing"

	"connectrpc.com/connect"
	fv1 "github.com/billd/billd/web/frontier/frontierv1beta1"
	fc "github.com/billd/billd/web/frontier/frontierv1beta1/frontierv1beta1connect"
	"google.golang.org/protobuf/proto"
)

// Subscriptions and entitlements: their RPCs over every transport (as rpcCases), on a subscription
// that a delegated checkout made. The REST paths in detail, with a subscription paid on the
// sandbox's page, are in rpc_subscription_rest_test.go.

// Catalog objects of the subscription cases, made idempotently (creates are upserts by name).
const (
	rpcSubFeature  = "rpc-sub-feature"
	rpcSubProduct  = "rpc-sub-seat"
	rpcSubPlan     = "rpc-sub-plan"
	rpcSubPlanNext = "rpc-sub-plan-next"
)

// subscribedWorld is an organization whose account a delegated checkout subscribed to rpcSubPlan.
type subscribedWorld struct {
	orgID, accountID, subscriptionID string
}

// subscribedWorld returns the fixture's subscribed world, made on first use.
func (f *rpcFixture) subscribedWorld(t *testing.T) *subscribedWorld {
	t.Helper()
	if f.subscribed != nil {
		return f.subscribed
	}
	f.s.ok(req{method: "POST", path: "/v1beta1/billing/products", body: map[string]any{"body": map[string]any{
		"name": rpcSubProduct, "title": "Seat", "behavior": "basic", "features": []any{map[string]any{"name": rpcSubFeature}},
		"prices": []any{map[string]any{"name": "monthly", "currency": "usd", "amount": 900, "interval": "month"}}}}})
	for _, name := range []string{rpcSubPlan, rpcSubPlanNext} {
		f.s.ok(req{method: "POST", path: "/v1beta1/billing/plans", body: map[string]any{"body": map[string]any{
			"name": name, "interval": "month", "products": []any{map[string]any{"name": rpcSubProduct}}}}})
	}
	org, account := f.freshAccount(t)
	res := f.s.ok(req{method: "POST", path: "/v1beta1/admin/organizations/" + org + "/billing/" + account + "/checkouts",
		body: map[string]any{"subscription_body": map[string]any{"plan": rpcSubPlan}}})
	f.subscribed = &subscribedWorld{orgID: org, accountID: account, subscriptionID: str(t, obj(t, res, "subscription"), "id")}
	return f.subscribed
}

// subscribed is a request about the fixture's subscribed world, the same for every call.
func subscribed(m func(w *subscribedWorld) proto.Message) func(*testing.T, *rpcFixture) (proto.Message, []string) {
	return func(t *testing.T, f *rpcFixture) (proto.Message, []string) { return m(f.subscribedWorld(t)), nil }
}

var rpcSubscriptionCases = []rpcCase{
	{proc: fc.FrontierServiceListSubscriptionsProcedure, req: subscribed(func(w *subscribedWorld) proto.Message {
		return &fv1.ListSubscriptionsRequest{OrgId: w.orgID, BillingId: w.accountID, State: "active", Plan: rpcSubPlan,
			Expand: []string{"customer", "plan"}, PageSize: 10}
	})},
	{proc: fc.FrontierServiceGetSubscriptionProcedure, req: subscribed(func(w *subscribedWorld) proto.Message {
		return &fv1.GetSubscriptionRequest{OrgId: w.orgID, BillingId: w.accountID, Id: w.subscriptionID, Expand: []string{"customer,plan"}}
	})},
	{proc: fc.FrontierServiceUpdateSubscriptionProcedure, stamps: true, req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
		w := f.subscribedWorld(t)
		return &fv1.UpdateSubscriptionRequest{OrgId: w.orgID, BillingId: w.accountID, Id: w.subscriptionID, Metadata: metadata(t)}, nil
	}},
	{proc: fc.FrontierServiceHasTrialedProcedure, req: subscribed(func(w *subscribedWorld) proto.Message {
		return &fv1.HasTrialedRequest{OrgId: w.orgID, Id: w.accountID, PlanId: rpcSubPlan}
	})},
	{proc: fc.FrontierServiceCheckFeatureEntitlementProcedure, req: subscribed(func(w *subscribedWorld) proto.Message {
		return &fv1.CheckFeatureEntitlementRequest{OrgId: w.orgID, Feature: rpcSubFeature}
	})},
	{name: "CheckFeatureEntitlement of an organization without a subscription", proc: fc.FrontierServiceCheckFeatureEntitlementProcedure,
		as: asMember, req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			f.subscribedWorld(t) // the feature exists
			return &fv1.CheckFeatureEntitlementRequest{OrgId: f.w.orgID, BillingId: f.w.accountID, Feature: rpcSubFeature}, nil
		}},
	{proc: fc.FrontierServiceGetUpcomingInvoiceProcedure, req: subscribed(func(w *subscribedWorld) proto.Message {
		return &fv1.GetUpcomingInvoiceRequest{OrgId: w.orgID}
	})},
	{name: "GetUpcomingInvoice with nothing to renew", proc: fc.FrontierServiceGetUpcomingInvoiceProcedure,
		req: same(func(f *rpcFixture) proto.Message {
			return &fv1.GetUpcomingInvoiceRequest{OrgId: f.w.orgID, BillingId: f.w.accountID}
		})},
	{proc: fc.FrontierServiceChangeSubscriptionProcedure, req: subscribed(func(w *subscribedWorld) proto.Message {
		return &fv1.ChangeSubscriptionRequest{OrgId: w.orgID, BillingId: w.accountID, Id: w.subscriptionID,
			PlanChange: &fv1.ChangeSubscriptionRequest_PlanChange{Plan: rpcSubPlanNext}}
	})},
	{name: "ChangeSubscription with the older fields", proc: fc.FrontierServiceChangeSubscriptionProcedure,
		req: subscribed(func(w *subscribedWorld) proto.Message {
			return &fv1.ChangeSubscriptionRequest{OrgId: w.orgID, BillingId: w.accountID, Id: w.subscriptionID, Plan: rpcSubPlanNext}
		})},
	{name: "ChangeSubscription cancels the upcoming change", proc: fc.FrontierServiceChangeSubscriptionProcedure, stamps: true,
		req: subscribed(func(w *subscribedWorld) proto.Message {
			return &fv1.ChangeSubscriptionRequest{OrgId: w.orgID, BillingId: w.accountID, Id: w.subscriptionID,
				PhaseChange: &fv1.ChangeSubscriptionRequest_PhaseChange{CancelUpcomingChanges: true}}
		})},
	{proc: fc.FrontierServiceCancelSubscriptionProcedure, stamps: true, req: subscribed(func(w *subscribedWorld) proto.Message {
		return &fv1.CancelSubscriptionRequest{OrgId: w.orgID, BillingId: w.accountID, Id: w.subscriptionID}
	})},
}

var rpcSubscriptionErrorCases = []rpcCase{
	{name: "subscription of another organization", proc: fc.FrontierServiceGetSubscriptionProcedure, code: connect.CodeNotFound,
		msg: "subscription not found", req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			return &fv1.GetSubscriptionRequest{OrgId: f.toggle.orgID, BillingId: f.toggle.accountID, Id: f.subscribedWorld(t).subscriptionID}, nil
		}},
	{name: "change of plan and of phase at once", proc: fc.FrontierServiceChangeSubscriptionProcedure, code: connect.CodeInvalidArgument,
		msg: "cannot change plan and cancel upcoming changes at the same time", req: subscribed(func(w *subscribedWorld) proto.Message {
			return &fv1.ChangeSubscriptionRequest{OrgId: w.orgID, BillingId: w.accountID, Id: w.subscriptionID,
				PlanChange:  &fv1.ChangeSubscriptionRequest_PlanChange{Plan: rpcSubPlanNext},
				PhaseChange: &fv1.ChangeSubscriptionRequest_PhaseChange{CancelUpcomingChanges: true}}
		})},
	{name: "change of nothing", proc: fc.FrontierServiceChangeSubscriptionProcedure, code: connect.CodeInvalidArgument,
		msg: "no change requested", req: subscribed(func(w *subscribedWorld) proto.Message {
			return &fv1.ChangeSubscriptionRequest{OrgId: w.orgID, BillingId: w.accountID, Id: w.subscriptionID}
		})},
	{name: "member cancels a subscription", proc: fc.FrontierServiceCancelSubscriptionProcedure, as: asMember,
		code: connect.CodePermissionDenied, req: func(t *testing.T, f *rpcFixture) (proto.Message, []string) {
			return &fv1.CancelSubscriptionRequest{OrgId: f.w.orgID, BillingId: f.w.accountID, Id: f.subscribedWorld(t).subscriptionID}, nil
		}},
	{name: "outsider probes an entitlement", proc: fc.FrontierServiceCheckFeatureEntitlementProcedure, as: asOutsider,
		code: connect.CodePermissionDenied, req: subscribed(func(w *subscribedWorld) proto.Message {
			return &fv1.CheckFeatureEntitlementRequest{OrgId: w.orgID, Feature: rpcSubFeature}
		})},
	{name: "entitlement to an unknown feature", proc: fc.FrontierServiceCheckFeatureEntitlementProcedure, code: connect.CodeNotFound,
		msg: "feature not found", req: subscribed(func(w *subscribedWorld) proto.Message {
			return &fv1.CheckFeatureEntitlementRequest{OrgId: w.orgID, Feature: "no-such-feature"}
		})},
	{name: "trial of an unknown plan", proc: fc.FrontierServiceHasTrialedProcedure, code: connect.CodeNotFound,
		msg: "plan not found", req: subscribed(func(w *subscribedWorld) proto.Message {
			return &fv1.HasTrialedRequest{OrgId: w.orgID, Id: w.accountID, PlanId: "no-such-plan"}
		})},
}

func init() {
	rpcCases = append(rpcCases, rpcSubscriptionCases...)
	rpcErrorCases = append(rpcErrorCases, rpcSubscriptionErrorCases...)
	for proc, route := range map[string]restRoute{
		fc.FrontierServiceListSubscriptionsProcedure:       {"GET /v1beta1/organizations/{org_id}/billing/{billing_id}/subscriptions", ""},
		fc.FrontierServiceGetSubscriptionProcedure:         {"GET /v1beta1/organizations/{org_id}/billing/{billing_id}/subscriptions/{id}", ""},
		fc.FrontierServiceUpdateSubscriptionProcedure:      {"PUT /v1beta1/organizations/{org_id}/billing/{billing_id}/subscriptions/{id}", "*"},
		fc.FrontierServiceCancelSubscriptionProcedure:      {"POST /v1beta1/organizations/{org_id}/billing/{billing_id}/subscriptions/{id}/cancel", "*"},
		fc.FrontierServiceChangeSubscriptionProcedure:      {"POST /v1beta1/organizations/{org_id}/billing/{billing_id}/subscriptions/{id}/change", "*"},
		fc.FrontierServiceCheckFeatureEntitlementProcedure: {"POST /v1beta1/organizations/billing/check", "*"},
		fc.FrontierServiceHasTrialedProcedure:              {"GET /v1beta1/organizations/{org_id}/billing/{id}/plans/{plan_id}/trialed", ""},
		fc.FrontierServiceGetUpcomingInvoiceProcedure:      {"GET /v1beta1/organizations/{org_id}/billing/invoices/upcoming", ""},
	} {
		rpcRoutes[proc] = route
	}
}
